import { checkTemplateVariables, GRANT_VARIABLES } from '../messages/index.js';
import { z } from 'zod';
import type { Ctx } from '../store/index.js';
import { journeyGraph, type JourneyGraph, type Step, successors, WAITING_KINDS } from './model.js';

/** One problem of a journey graph, naming the step it is about ('' for the graph as a whole). */
export interface GraphError {
  step: string;
  code:
    | 'invalid_shape'
    | 'duplicate_step'
    | 'unknown_start'
    | 'dangling_next'
    | 'unreachable'
    | 'cycle_without_wait'
    | 'unknown_template'
    | 'template_channel'
    | 'missing_variable'
    | 'missing_arm'
    | 'unknown_tag'
    | 'unknown_segment'
    | 'unknown_group_code'
    | 'unknown_live_code';
  message: string;
}

/** What a journey supplies to a template at a step. */
function availableVariables(at: { event: boolean; coupon: boolean; points: boolean; group: boolean }): Set<string> {
  const s = new Set<string>(['customer.*', 'staff.name', 'brand.name', 'link.*']);
  if (at.event) for (const v of ['event.*', 'event.name']) s.add(v);
  if (at.coupon) for (const v of GRANT_VARIABLES) if (v.startsWith('grant.coupon')) s.add(v);
  if (at.points) s.add('grant.points');
  if (at.group) for (const v of ['group.qr_url', 'group.name']) s.add(v);
  return s;
}

/** Zod issues → errors naming the step (by id when it has one, else by position). */
function shapeErrors(raw: unknown, issues: z.core.$ZodIssue[]): GraphError[] {
  const steps = (raw as { steps?: unknown[] } | null)?.steps;
  return issues.map((i) => {
    let step = '';
    if (i.path[0] === 'steps' && typeof i.path[1] === 'number') {
      const s = Array.isArray(steps) ? (steps[i.path[1]] as { id?: unknown } | undefined) : undefined;
      step = typeof s?.id === 'string' ? s.id : `#${i.path[1] + 1}`;
    }
    return { step, code: 'invalid_shape' as const, message: `${i.path.join('.') || 'graph'}: ${i.message}` };
  });
}

/**
 * Checks what the schema cannot: ids and successors, reachability, cycles that never wait,
 * templates (exist, fit the channel, variables the journey supplies), tags, segments and codes of
 * the workspace. Returns every problem found, each naming its step; [] when the graph is valid.
 */
export async function validateJourney(ctx: Ctx, workspaceId: string, input: unknown): Promise<GraphError[]> {
  const parsed = journeyGraph.safeParse(input);
  if (!parsed.success) return shapeErrors(input, parsed.error.issues);
  const graph = parsed.data;
  const errors = structuralErrors(graph);
  errors.push(...(await referenceErrors(ctx, workspaceId, graph)));
  return errors;
}

/** Errors of the graph alone (no store): ids, successors, reachability, cycles, branch arms. */
export function structuralErrors(graph: JourneyGraph): GraphError[] {
  const errors: GraphError[] = [];
  const byId = new Map<string, Step>();
  for (const s of graph.steps) {
    if (byId.has(s.id)) errors.push({ step: s.id, code: 'duplicate_step', message: `two steps have the id "${s.id}"` });
    else byId.set(s.id, s);
  }
  if (!byId.has(graph.start)) errors.push({ step: graph.start, code: 'unknown_start', message: `the start step "${graph.start}" does not exist` });
  for (const s of byId.values()) {
    if (s.kind === 'branch') {
      if (!s.yes) errors.push({ step: s.id, code: 'missing_arm', message: `branch "${s.id}" has no "yes" step` });
      if (!s.no) errors.push({ step: s.id, code: 'missing_arm', message: `branch "${s.id}" has no "no" step` });
    }
    if (s.kind === 'split') {
      const keys = new Set<string>();
      for (const a of s.arms) {
        if (keys.has(a.key)) errors.push({ step: s.id, code: 'missing_arm', message: `split "${s.id}" has two arms named "${a.key}"` });
        keys.add(a.key);
      }
    }
    for (const n of successors(s)) {
      if (!byId.has(n)) errors.push({ step: s.id, code: 'dangling_next', message: `step "${s.id}" goes to "${n}", which does not exist` });
    }
  }
  // Reachability from the start.
  const reached = new Set<string>();
  const stack = byId.has(graph.start) ? [graph.start] : [];
  while (stack.length) {
    const id = stack.pop()!;
    if (reached.has(id)) continue;
    reached.add(id);
    for (const n of successors(byId.get(id)!)) if (byId.has(n) && !reached.has(n)) stack.push(n);
  }
  if (byId.has(graph.start)) {
    for (const id of byId.keys()) if (!reached.has(id)) errors.push({ step: id, code: 'unreachable', message: `step "${id}" cannot be reached from the start` });
  }
  // A cycle through non-waiting steps only would spin: look for one among them.
  const instant = [...byId.values()].filter((s) => !WAITING_KINDS.has(s.kind));
  const instantIds = new Set(instant.map((s) => s.id));
  const state = new Map<string, 1 | 2>();
  const reported = new Set<string>();
  const visit = (id: string, path: string[]) => {
    state.set(id, 1);
    for (const n of successors(byId.get(id)!)) {
      if (!instantIds.has(n)) continue;
      if (state.get(n) === 1) {
        const cycle = [...path.slice(path.indexOf(n)), id].filter((x, i, a) => a.indexOf(x) === i);
        if (!reported.has(n)) {
          reported.add(n);
          errors.push({ step: n, code: 'cycle_without_wait', message: `steps ${cycle.map((c) => `"${c}"`).join(' → ')} form a loop with no wait in it` });
        }
      } else if (!state.has(n)) visit(n, [...path, id]);
    }
    state.set(id, 2);
  };
  for (const s of instant) if (!state.has(s.id)) visit(s.id, []);
  return errors;
}

/** Steps downstream of any step matching `pred` (not including it unless reachable again). */
function downstreamOf(graph: JourneyGraph, pred: (s: Step) => boolean): Set<string> {
  const byId = new Map(graph.steps.map((s) => [s.id, s]));
  const out = new Set<string>();
  const stack = graph.steps.filter(pred).flatMap((s) => successors(s));
  while (stack.length) {
    const id = stack.pop()!;
    if (out.has(id) || !byId.has(id)) continue;
    out.add(id);
    stack.push(...successors(byId.get(id)!));
  }
  return out;
}

async function referenceErrors(ctx: Ctx, ws: string, graph: JourneyGraph): Promise<GraphError[]> {
  const errors: GraphError[] = [];
  const templateIds = new Set<string>();
  const tagIds = new Set<string>();
  const segmentIds = new Set<string>();
  const codeIds = new Set<string>();
  const t = graph.trigger;
  if (t.kind === 'segment' || t.kind === 'schedule') segmentIds.add(t.segmentId);
  if (t.kind === 'contact_added') for (const c of t.liveCodeIds ?? []) codeIds.add(c);
  for (const s of graph.steps) {
    if (s.kind === 'send') templateIds.add(s.templateId);
    if (s.kind === 'group_invite') {
      codeIds.add(s.groupCodeId);
      if (s.templateId) templateIds.add(s.templateId);
    }
    if (s.kind === 'tag') tagIds.add(s.tagId);
    if (s.kind === 'branch' && s.condition.type === 'segment') segmentIds.add(s.condition.segmentId);
    if (s.kind === 'branch' && s.condition.type === 'tag') tagIds.add(s.condition.tagId);
  }
  const [templates, tags, segments, codes] = await Promise.all([
    templateIds.size
      ? ctx.db.selectFrom('message_templates').select(['id', 'channel', 'content']).where('workspace_id', '=', ws).where('id', 'in', [...templateIds]).where('deleted_at', 'is', null).execute()
      : [],
    tagIds.size ? ctx.db.selectFrom('tags').select(['id', 'kind']).where('workspace_id', '=', ws).where('id', 'in', [...tagIds]).execute() : [],
    segmentIds.size ? ctx.db.selectFrom('segments').select('id').where('workspace_id', '=', ws).where('id', 'in', [...segmentIds]).execute() : [],
    codeIds.size ? ctx.db.selectFrom('wecom_codes').select(['id', 'kind']).where('workspace_id', '=', ws).where('id', 'in', [...codeIds]).where('deleted_at', 'is', null).execute() : [],
  ]);
  const tmpl = new Map(templates.map((r) => [r.id, r]));
  const tagKinds = new Map(tags.map((r) => [r.id, r.kind]));
  const segs = new Set(segments.map((r) => r.id));
  const codeKinds = new Map(codes.map((r) => [r.id, r.kind]));
  const eventTrigger = t.kind === 'event' || t.kind === 'segment' || t.kind === 'contact_added';
  const afterCoupon = downstreamOf(graph, (s) => s.kind === 'grant' && s.reward.type === 'coupon');
  const afterPoints = downstreamOf(graph, (s) => s.kind === 'grant' && s.reward.type === 'points');

  if ((t.kind === 'segment' || t.kind === 'schedule') && !segs.has(t.segmentId)) errors.push({ step: '', code: 'unknown_segment', message: `the trigger's segment ${t.segmentId} does not exist` });
  if (t.kind === 'contact_added') {
    for (const c of t.liveCodeIds ?? []) if (!codeKinds.has(c)) errors.push({ step: '', code: 'unknown_live_code', message: `the trigger's live code ${c} does not exist` });
  }
  for (const s of graph.steps) {
    const checkTemplate = (id: string, channel: string | null, group: boolean) => {
      const row = tmpl.get(id);
      if (!row) {
        errors.push({ step: s.id, code: 'unknown_template', message: `step "${s.id}" uses template ${id}, which does not exist` });
        return;
      }
      if (channel && row.channel !== channel) errors.push({ step: s.id, code: 'template_channel', message: `step "${s.id}" sends on ${channel} but its template is for ${row.channel}` });
      let missing: string[];
      try {
        missing = checkTemplateVariables({ content: row.content }, availableVariables({ event: eventTrigger, coupon: afterCoupon.has(s.id), points: afterPoints.has(s.id), group })).missing;
      } catch (err) {
        missing = [];
        errors.push({ step: s.id, code: 'unknown_template', message: `step "${s.id}": its template cannot be read: ${(err as Error).message}` });
      }
      for (const v of missing) {
        const why = v.startsWith('event') ? 'this journey is not triggered by an event' : v.startsWith('grant.points') ? 'no points grant comes before this step' : v.startsWith('grant') ? 'no coupon grant comes before this step' : v.startsWith('group') ? 'only a group invite supplies it' : 'this journey does not supply it';
        errors.push({ step: s.id, code: 'missing_variable', message: `step "${s.id}": its template uses {{${v}}} but ${why}` });
      }
    };
    if (s.kind === 'send') checkTemplate(s.templateId, s.channel, false);
    if (s.kind === 'group_invite') {
      if (!codeKinds.has(s.groupCodeId)) errors.push({ step: s.id, code: 'unknown_group_code', message: `step "${s.id}" invites to group code ${s.groupCodeId}, which does not exist` });
      else if (codeKinds.get(s.groupCodeId) !== 'group') errors.push({ step: s.id, code: 'unknown_group_code', message: `step "${s.id}": ${s.groupCodeId} is a contact live code, not a group code` });
      if (s.templateId) checkTemplate(s.templateId, null, true);
    }
    if (s.kind === 'tag') {
      if (!tagKinds.has(s.tagId)) errors.push({ step: s.id, code: 'unknown_tag', message: `step "${s.id}" uses tag ${s.tagId}, which does not exist` });
      else if (tagKinds.get(s.tagId) !== 'manual') errors.push({ step: s.id, code: 'unknown_tag', message: `step "${s.id}": tag ${s.tagId} is a rule tag; only manual tags can be added or removed` });
    }
    if (s.kind === 'branch' && s.condition.type === 'segment' && !segs.has(s.condition.segmentId)) {
      errors.push({ step: s.id, code: 'unknown_segment', message: `branch "${s.id}" tests segment ${s.condition.segmentId}, which does not exist` });
    }
    if (s.kind === 'branch' && s.condition.type === 'tag' && !tagKinds.has(s.condition.tagId)) {
      errors.push({ step: s.id, code: 'unknown_tag', message: `branch "${s.id}" tests tag ${s.condition.tagId}, which does not exist` });
    }
  }
  return errors;
}
