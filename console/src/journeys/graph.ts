// Pure helpers of the journey builder: outgoing links of a step, auto-layout, new steps with
// defaults, and the checks the console can make before asking the server.

import type { Duration, GraphError, JourneyGraph, Step, StepKind } from './types';

export const TRIGGER_NODE = '__trigger';
const WAITING: ReadonlySet<StepKind> = new Set(['wait', 'wait_until', 'wait_golden', 'wait_event']);

/** One outgoing link of a step: the handle it leaves from and the step it points at ('' = unset). */
export interface Link {
  handle: string;
  target: string;
  /** Whether the graph is invalid while this link is unset. */
  required: boolean;
}

export function links(s: Step): Link[] {
  switch (s.kind) {
    case 'branch':
      return [
        { handle: 'yes', target: s.yes, required: true },
        { handle: 'no', target: s.no, required: true },
      ];
    case 'split':
      return s.arms.map((a, i) => ({ handle: `arm:${i}`, target: a.next, required: true }));
    case 'wait_event':
      return [
        { handle: 'next', target: s.next ?? '', required: false },
        { handle: 'timeoutNext', target: s.timeoutNext ?? '', required: false },
      ];
    case 'exit':
      return [];
    default:
      return [{ handle: 'next', target: s.next ?? '', required: false }];
  }
}

/** The step with the link at `handle` pointing at `target` ('' or undefined removes it). */
export function setLink(s: Step, handle: string, target: string | undefined): Step {
  const t = target || undefined;
  switch (s.kind) {
    case 'branch':
      if (handle === 'yes') return { ...s, yes: t ?? '' };
      if (handle === 'no') return { ...s, no: t ?? '' };
      return s;
    case 'split': {
      const index = Number(handle.replace(/^arm:/, ''));
      return { ...s, arms: s.arms.map((a, i) => (i === index ? { ...a, next: t ?? '' } : a)) };
    }
    case 'wait_event':
      if (handle === 'timeoutNext') return { ...s, timeoutNext: t };
      return { ...s, next: t };
    case 'exit':
      return s;
    default:
      return { ...s, next: t };
  }
}

/** Every link pointing at `id` cleared (before a step is deleted). */
export function unlinkTarget(graph: JourneyGraph, id: string): JourneyGraph {
  return {
    ...graph,
    start: graph.start === id ? '' : graph.start,
    steps: graph.steps.map((s) => links(s).reduce((acc, l) => (l.target === id ? setLink(acc, l.handle, undefined) : acc), s)),
  };
}

export const NODE_W = 220;
const GAP_X = 40;
const GAP_Y = 150;

/** Positions for steps without `ui`: layers by distance from the start, centred per layer. */
export function autoLayout(graph: JourneyGraph): JourneyGraph {
  if (graph.steps.every((s) => s.ui)) return graph;
  const byId = new Map(graph.steps.map((s) => [s.id, s]));
  const depth = new Map<string, number>();
  const queue: string[] = [];
  if (byId.has(graph.start)) {
    depth.set(graph.start, 0);
    queue.push(graph.start);
  }
  while (queue.length) {
    const id = queue.shift()!;
    for (const l of links(byId.get(id)!)) {
      if (l.target && byId.has(l.target) && !depth.has(l.target)) {
        depth.set(l.target, depth.get(id)! + 1);
        queue.push(l.target);
      }
    }
  }
  let maxDepth = Math.max(0, ...depth.values());
  for (const s of graph.steps) if (!depth.has(s.id)) depth.set(s.id, ++maxDepth);
  const layers = new Map<number, string[]>();
  for (const s of graph.steps) {
    const d = depth.get(s.id)!;
    layers.set(d, [...(layers.get(d) ?? []), s.id]);
  }
  const pos = new Map<string, { x: number; y: number }>();
  for (const [d, ids] of layers) {
    const width = ids.length * NODE_W + (ids.length - 1) * GAP_X;
    ids.forEach((id, i) => pos.set(id, { x: -width / 2 + i * (NODE_W + GAP_X), y: (d + 1) * GAP_Y }));
  }
  return { ...graph, steps: graph.steps.map((s) => (s.ui ? s : { ...s, ui: pos.get(s.id) })) };
}

/** Where the trigger node sits: above the start step. */
export function triggerPosition(graph: JourneyGraph): { x: number; y: number } {
  const start = graph.steps.find((s) => s.id === graph.start) ?? graph.steps[0];
  const ui = start?.ui ?? { x: 0, y: GAP_Y };
  return { x: ui.x, y: ui.y - GAP_Y };
}

export function newStepId(graph: JourneyGraph, kind: StepKind): string {
  const used = new Set(graph.steps.map((s) => s.id));
  for (let i = 1; ; i++) {
    const id = `${kind}_${i}`;
    if (!used.has(id)) return id;
  }
}

/** A step of `kind` with defaults an operator then edits; required ids start empty. */
export function defaultStep(kind: StepKind, id: string, ui: { x: number; y: number }): Step {
  const base = { id, ui };
  switch (kind) {
    case 'wait':
      return { ...base, kind, duration: { days: 1 } };
    case 'wait_until':
      return { ...base, kind, time: '10:00' };
    case 'wait_golden':
      return { ...base, kind };
    case 'wait_event':
      return { ...base, kind, event: 'Order Completed', timeout: { days: 3 } };
    case 'branch':
      return { ...base, kind, condition: { type: 'event', event: 'Order Completed', withinHours: 72 }, yes: '', no: '' };
    case 'split':
      return {
        ...base,
        kind,
        arms: [
          { key: 'A', weight: 50, next: '' },
          { key: 'B', weight: 50, next: '' },
        ],
      };
    case 'holdout':
      return { ...base, kind, percent: 10 };
    case 'send':
      return { ...base, kind, channel: 'wecom_1v1', templateId: '', golden: false, marketing: true };
    case 'tag':
      return { ...base, kind, op: 'add', tagId: '' };
    case 'set_trait':
      return { ...base, kind, trait: '', value: '' };
    case 'grant':
      return { ...base, kind, reward: { type: 'coupon', couponKey: 'coupon_20', amountFen: 2000, thresholdFen: 0, validDays: 7 } };
    case 'group_invite':
      return { ...base, kind, groupCodeId: '' };
    case 'task':
      return { ...base, kind, title: '', detail: '', dueHours: 24 };
    case 'webhook':
      return { ...base, kind, url: 'https://' };
    case 'exit':
      return { ...base, kind };
  }
}

function durationPositive(d: Duration | undefined): boolean {
  return !!d && (d.days ?? 0) + (d.hours ?? 0) + (d.minutes ?? 0) > 0;
}

const STEP_ID = /^[A-Za-z0-9_-]{1,64}$/;

/** Fields a step needs before the server is asked: codes are i18n keys `journeys.errors.<code>`. */
function stepErrors(s: Step): string[] {
  const codes: string[] = [];
  switch (s.kind) {
    case 'wait':
      if (!durationPositive(s.duration)) codes.push('duration');
      break;
    case 'wait_until':
      if (!/^([01]\d|2[0-3]):[0-5]\d$/.test(s.time)) codes.push('time');
      break;
    case 'wait_event':
      if (!s.event) codes.push('event');
      if (!durationPositive(s.timeout)) codes.push('duration');
      break;
    case 'branch':
      if (!s.yes || !s.no) codes.push('missing_arm');
      break;
    case 'split':
      if (s.arms.some((a) => !a.next)) codes.push('missing_arm');
      if (new Set(s.arms.map((a) => a.key)).size !== s.arms.length) codes.push('arm_keys');
      break;
    case 'send':
      if (!s.templateId) codes.push('no_template');
      break;
    case 'tag':
      if (!s.tagId) codes.push('no_tag');
      break;
    case 'set_trait':
      if (!s.trait) codes.push('no_trait');
      break;
    case 'group_invite':
      if (!s.groupCodeId) codes.push('no_group_code');
      break;
    case 'task':
      if (!s.title) codes.push('no_title');
      break;
    case 'webhook':
      if (!/^https?:\/\/[^/]+/.test(s.url)) codes.push('bad_url');
      break;
    default:
      break;
  }
  return codes;
}

/** The checks made in the browser; the server's validation (`/api/journeys/validate`) does the rest. */
export function validateLocally(graph: JourneyGraph): GraphError[] {
  const errors: GraphError[] = [];
  const byId = new Map(graph.steps.map((s) => [s.id, s]));
  if (!byId.has(graph.start)) errors.push({ step: null, code: 'no_start', message: '' });
  for (const s of graph.steps) {
    if (!STEP_ID.test(s.id)) errors.push({ step: s.id, code: 'bad_id', message: '' });
    for (const code of stepErrors(s)) errors.push({ step: s.id, code, message: '' });
    for (const l of links(s)) if (l.target && !byId.has(l.target)) errors.push({ step: s.id, code: 'missing_target', message: '' });
  }
  // Reachability from the start.
  const seen = new Set<string>();
  const stack = byId.has(graph.start) ? [graph.start] : [];
  while (stack.length) {
    const id = stack.pop()!;
    if (seen.has(id)) continue;
    seen.add(id);
    for (const l of links(byId.get(id)!)) if (l.target && byId.has(l.target)) stack.push(l.target);
  }
  for (const s of graph.steps) if (!seen.has(s.id)) errors.push({ step: s.id, code: 'unreachable', message: '' });
  // A cycle through steps that never wait would spin.
  const state = new Map<string, 1 | 2>();
  const visit = (id: string): string | null => {
    state.set(id, 1);
    for (const l of links(byId.get(id)!)) {
      const t = byId.get(l.target);
      if (!t || WAITING.has(t.kind)) continue;
      if (state.get(t.id) === 1) return t.id;
      if (!state.has(t.id)) {
        const found = visit(t.id);
        if (found) return found;
      }
    }
    state.set(id, 2);
    return null;
  };
  for (const s of graph.steps) {
    if (WAITING.has(s.kind) || state.has(s.id)) continue;
    const found = visit(s.id);
    if (found) errors.push({ step: found, code: 'cycle', message: '' });
  }
  if (graph.goal && !graph.goal.event) errors.push({ step: null, code: 'goal_event', message: '' });
  return errors;
}

/** Server errors may name a step or only a path like `graph.steps.3.yes`; give each its step id. */
export function attachSteps(graph: JourneyGraph, errors: { step?: string | null; path?: string; code?: string; message: string }[]): GraphError[] {
  return errors.map((e) => {
    if (e.step) return { step: e.step, code: e.code ?? 'invalid', message: e.message };
    const match = e.path ? /steps[./](\d+)/.exec(e.path) : null;
    const step = match ? graph.steps[Number(match[1])]?.id : undefined;
    return { step: step ?? null, code: e.code ?? 'invalid', message: e.message };
  });
}
