import { z } from 'zod';
import { FIELD_OPS, propertyFilter } from '../segments/index.js';
import { CHANNELS, channel, type Channel } from '../channels/index.js';

/**
 * The journey graph: what an operator draws in the builder and what the engine runs. Steps point
 * at their successors by id (`next`, `yes` / `no`, `arms[].next`, `timeoutNext`); a step without a
 * successor ends the run there. This schema checks shape only; `validateJourney` (validate.ts)
 * checks what needs the whole graph or the workspace (reachability, cycles without a wait,
 * templates and their variables, tags, segments) and names the offending step.
 */

const stepId = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'a step id: letters, digits, _ or -, at most 64');
const next = stepId.optional().describe('the step after this one; none ends the run');
const hhmm = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'a time of day, HH:MM');
const where = z.array(propertyFilter).max(20).optional();

export const duration = z
  .object({
    days: z.number().int().min(0).max(3650).optional(),
    hours: z.number().int().min(0).max(24 * 3650).optional(),
    minutes: z.number().int().min(0).max(60 * 24 * 3650).optional(),
  })
  .strict()
  .refine((d) => (d.days ?? 0) + (d.hours ?? 0) + (d.minutes ?? 0) > 0, 'a duration longer than zero');
export type Duration = z.infer<typeof duration>;

export function durationMs(d: Duration): number {
  return ((d.days ?? 0) * 1440 + (d.hours ?? 0) * 60 + (d.minutes ?? 0)) * 60_000;
}

/** Where a customer can be reached: the channel list lives in src/channels (re-exported here). */
export { CHANNELS, channel, type Channel };

// ---- triggers: how a customer enters ----

export const trigger = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('event'), event: z.string().min(1).max(200), where }).strict(),
  z.object({ kind: z.literal('segment'), segmentId: z.string().uuid(), on: z.enum(['entered', 'exited']) }).strict(),
  z
    .object({
      kind: z.literal('date'),
      trait: z.string().min(1).max(100).describe('a date trait such as birthday or points_expire_at'),
      offsetDays: z.number().int().min(-365).max(365).describe('enter this many days after the date (negative: before)'),
      at: hhmm.describe('local time of day to enter, workspace zone'),
      yearly: z.boolean().describe('true for anniversaries (birthday): the month and day repeat every year'),
    })
    .strict(),
  z
    .object({
      kind: z.literal('schedule'),
      cron: z.string().min(9).max(100).describe('five-field cron in the workspace zone'),
      segmentId: z.string().uuid().describe('who enters at each tick'),
    })
    .strict(),
  z.object({ kind: z.literal('contact_added'), liveCodeIds: z.array(z.string().uuid()).max(100).optional().describe('only adds through these live codes; any add when absent') }).strict(),
  z.object({ kind: z.literal('manual') }).strict().describe('entered through the API or the console'),
]);
export type Trigger = z.infer<typeof trigger>;

export const reentry = z.discriminatedUnion('mode', [
  z.object({ mode: z.literal('once') }).strict(),
  z.object({ mode: z.literal('every'), days: z.number().int().min(1).max(3650) }).strict().describe('again once N days have passed since the last entry'),
  z.object({ mode: z.literal('always') }).strict().describe('whenever the trigger fires, unless already in the journey'),
]);
export type Reentry = z.infer<typeof reentry>;

// ---- conditions used by branches ----

export const branchCondition = z.discriminatedUnion('type', [
  z.object({ type: z.literal('segment'), segmentId: z.string().uuid() }).strict(),
  z.object({ type: z.literal('trait'), trait: z.string().min(1).max(100), op: z.enum(FIELD_OPS), value: z.union([z.string().max(1000), z.number().finite(), z.boolean()]).optional() }).strict(),
  z.object({ type: z.literal('event'), event: z.string().min(1).max(200), where, withinHours: z.number().int().min(1).max(24 * 3650).describe('since entering the journey when absent is not allowed: say how far back') }).strict(),
  z.object({ type: z.literal('reachable'), channel }).strict(),
  z.object({ type: z.literal('tag'), tagId: z.string().uuid() }).strict(),
]);
export type BranchCondition = z.infer<typeof branchCondition>;

// ---- steps ----

const ui = z.object({ x: z.number().finite(), y: z.number().finite() }).strict().optional().describe('position in the builder');
const base = { id: stepId, label: z.string().max(100).optional(), ui };

export const reward = z.discriminatedUnion('type', [
  z.object({ type: z.literal('coupon'), couponKey: z.string().min(1).max(100), amountFen: z.number().int().min(0).max(100_000_000), thresholdFen: z.number().int().min(0).max(100_000_000).default(0), validDays: z.number().int().min(1).max(3650) }).strict(),
  z.object({ type: z.literal('points'), points: z.number().int().min(1).max(100_000_000), reason: z.string().min(1).max(100) }).strict(),
]);
export type Reward = z.infer<typeof reward>;

export const step = z.discriminatedUnion('kind', [
  z.object({ ...base, kind: z.literal('wait'), duration, next }).strict(),
  z.object({ ...base, kind: z.literal('wait_until'), time: hhmm.describe('the next time this local time of day comes'), next }).strict(),
  z.object({ ...base, kind: z.literal('wait_golden'), next }).strict().describe('until the next golden window opens (now if inside one)'),
  z.object({ ...base, kind: z.literal('wait_event'), event: z.string().min(1).max(200), where, timeout: duration, next: next.describe('when the event happens'), timeoutNext: next.describe('when the timeout passes first') }).strict(),
  z.object({ ...base, kind: z.literal('branch'), condition: branchCondition, yes: stepId, no: stepId }).strict(),
  z.object({ ...base, kind: z.literal('split'), arms: z.array(z.object({ key: z.string().regex(/^[A-Za-z0-9_-]{1,32}$/), weight: z.number().int().min(1).max(100), next: stepId }).strict()).min(2).max(10) }).strict(),
  z.object({ ...base, kind: z.literal('holdout'), percent: z.number().int().min(1).max(50).describe('this share of customers leaves here as the control group'), next }).strict(),
  z.object({ ...base, kind: z.literal('send'), channel, templateId: z.string().uuid(), golden: z.boolean().default(false).describe('defer to the next golden window'), marketing: z.boolean().default(true).describe('counts against frequency caps'), next }).strict(),
  z.object({ ...base, kind: z.literal('tag'), op: z.enum(['add', 'remove']), tagId: z.string().uuid(), next }).strict(),
  z.object({ ...base, kind: z.literal('set_trait'), trait: z.string().min(1).max(100), value: z.union([z.string().max(1000), z.number().finite(), z.boolean(), z.null()]), next }).strict(),
  z.object({ ...base, kind: z.literal('grant'), reward, next }).strict(),
  z.object({ ...base, kind: z.literal('group_invite'), groupCodeId: z.string().uuid(), templateId: z.string().uuid().optional().describe('message carrying the group code; a default text when absent'), next }).strict(),
  z.object({ ...base, kind: z.literal('task'), title: z.string().min(1).max(200), detail: z.string().max(2000).default(''), assignee: z.string().max(64).optional().describe("a staff userid; the customer's WeCom owner when absent"), dueHours: z.number().int().min(1).max(24 * 365), next }).strict(),
  z.object({ ...base, kind: z.literal('webhook'), url: z.string().url().max(2000), next }).strict(),
  z.object({ ...base, kind: z.literal('exit') }).strict(),
]);
export type Step = z.infer<typeof step>;
export type StepKind = Step['kind'];

export const journeyGraph = z
  .object({
    trigger,
    reentry: reentry.default({ mode: 'once' }),
    start: stepId,
    steps: z.array(step).min(1).max(200),
    goal: z
      .object({ event: z.string().min(1).max(200), where, withinDays: z.number().int().min(1).max(365) })
      .strict()
      .optional()
      .describe('reaching it exits the run as a conversion (e.g. Order Completed)'),
    exits: z.array(z.object({ event: z.string().min(1).max(200), where }).strict()).max(10).default([]).describe('events that end the run without a conversion'),
  })
  .strict()
  .meta({ id: 'JourneyGraph' });
export type JourneyGraph = z.infer<typeof journeyGraph>;

/** The ids a step can go to next, in a fixed order (yes before no, arms in order). */
export function successors(s: Step): string[] {
  switch (s.kind) {
    case 'branch':
      return [s.yes, s.no];
    case 'split':
      return s.arms.map((a) => a.next);
    case 'wait_event':
      return [s.next, s.timeoutNext].filter((x): x is string => x !== undefined);
    case 'exit':
      return [];
    default:
      return s.next ? [s.next] : [];
  }
}

/** Steps that let time pass: a cycle must contain one of these or it would spin. */
export const WAITING_KINDS: ReadonlySet<StepKind> = new Set(['wait', 'wait_until', 'wait_golden', 'wait_event']);
