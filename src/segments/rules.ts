import { z } from 'zod';
import { RFM_SEGMENT_KEYS } from './rfm-model.js';

/**
 * The segment rule language: JSON trees of and / or / not over conditions. This schema checks
 * shape only; what depends on the workspace (does the trait exist, does the operator fit its
 * type, is there a cycle) is checked when the rule is compiled, with the same node paths.
 */
export const localDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'a local date, YYYY-MM-DD');

export const timeWindow = z
  .union([
    z.object({ lastDays: z.number().int().min(1).max(3650).describe('the last N local days, today included') }).strict(),
    z.object({ from: localDate, to: localDate }).strict().describe('local dates, both included'),
  ])
  .describe('when; in the workspace time zone');
export type TimeWindow = z.infer<typeof timeWindow>;

export const FIELD_OPS = ['eq', 'neq', 'in', 'not_in', 'contains', 'not_contains', 'gt', 'gte', 'lt', 'lte', 'between', 'before', 'after', 'within_last', 'before_last', 'exists', 'not_exists'] as const;
export type FieldOp = (typeof FIELD_OPS)[number];

const scalar = z.union([z.string().max(1000), z.number().finite(), z.boolean()]);
const value = z.union([scalar, z.array(z.union([z.string().max(1000), z.number().finite()])).max(1000)]).optional();

export const propertyFilter = z
  .object({
    property: z.string().min(1).max(200).describe('event property; a.b reads nested objects'),
    op: z.enum(FIELD_OPS),
    value,
  })
  .strict();
export type PropertyFilter = z.infer<typeof propertyFilter>;

const eventSpec = z
  .object({
    event: z.string().min(1).max(200),
    where: z.array(propertyFilter).max(20).optional(),
  })
  .strict();
export type EventSpec = z.infer<typeof eventSpec>;

const countOp = z.enum(['eq', 'neq', 'gt', 'gte', 'lt', 'lte']);

export const COMPUTED_FIELDS = [
  'order_count',
  'total_spent_fen',
  'aov_fen',
  'first_order_at',
  'last_order_at',
  'days_since_first_order',
  'days_since_last_order',
  'days_since_first_seen',
  'days_since_last_seen',
] as const;
export type ComputedField = (typeof COMPUTED_FIELDS)[number];

export const LIFECYCLE_STAGES = ['new', 'growing', 'mature', 'dormant', 'churned'] as const;
export const LTV_TIERS = ['potential', 'active', 'high_value', 'sleeping'] as const;

const and = z.object({
  type: z.literal('and'),
  get rules() {
    return z.array(rule).min(1, 'an empty group matches nothing: add a condition or remove the group').max(50);
  },
});
const or = z.object({
  type: z.literal('or'),
  get rules() {
    return z.array(rule).min(1, 'an empty group matches nothing: add a condition or remove the group').max(50);
  },
});
const not = z.object({
  type: z.literal('not'),
  get rule() {
    return rule;
  },
});

const trait = z.object({ type: z.literal('trait'), field: z.string().min(1).max(100), op: z.enum(FIELD_OPS), value }).strict();
const computed = z.object({ type: z.literal('computed'), field: z.enum(COMPUTED_FIELDS), op: z.enum(FIELD_OPS), value }).strict();
const event = z
  .object({
    type: z.literal('event'),
    event: z.string().min(1).max(200),
    where: z.array(propertyFilter).max(20).optional(),
    did: z.boolean().optional().describe('false: did not do it (default true)'),
    count: z.object({ op: countOp, value: z.number().int().min(0) }).strict().optional().describe('how many times; any number ≥ 1 when absent'),
    per: z.string().min(1).max(200).optional().describe('count per value of this property (e.g. product_id: "the same product ≥ 3 times")'),
    time: timeWindow.optional(),
  })
  .strict();
const sequence = z
  .object({
    type: z.literal('sequence'),
    first: eventSpec,
    then: eventSpec,
    withinHours: z.number().positive().max(24 * 366).describe('the second event at most this long after the first'),
    time: timeWindow.optional(),
  })
  .strict();
const orders = z
  .object({
    type: z.literal('orders'),
    metric: z.enum(['count', 'sum_fen']).describe('number of purchases, or their amount net of refunds'),
    op: z.enum(['eq', 'neq', 'gt', 'gte', 'lt', 'lte', 'between']),
    value: z.union([z.number().finite(), z.tuple([z.number().finite(), z.number().finite()])]),
    time: timeWindow.optional(),
    product: z
      .object({ skus: z.array(z.string().min(1).max(200)).min(1).max(500).optional(), categories: z.array(z.string().min(1).max(200)).min(1).max(100).optional() })
      .strict()
      .optional()
      .describe('only orders with any of these SKUs / categories'),
  })
  .strict();
const tag = z.object({ type: z.literal('tag'), tagId: z.string().uuid() }).strict();
const rfm = z.object({ type: z.literal('rfm'), segments: z.array(z.enum(RFM_SEGMENT_KEYS)).min(1) }).strict();
const lifecycle = z.object({ type: z.literal('lifecycle'), stages: z.array(z.enum(LIFECYCLE_STAGES)).min(1) }).strict();
const ltv = z.object({ type: z.literal('ltv'), tiers: z.array(z.enum(LTV_TIERS)).min(1) }).strict();
const consent = z.object({ type: z.literal('consent'), channel: z.string().regex(/^[a-z][a-z0-9_]{0,39}$/), granted: z.boolean() }).strict();
const segment = z.object({ type: z.literal('segment'), segmentId: z.string().uuid() }).strict();

export const rule = z
  .discriminatedUnion('type', [and, or, not, trait, computed, event, sequence, orders, tag, rfm, lifecycle, ltv, consent, segment])
  .meta({ id: 'SegmentRule' });
export type Rule = z.infer<typeof rule>;

/** Every node of a rule, depth first (segments it refers to are not followed). */
export function* ruleNodes(r: Rule): Generator<Rule> {
  yield r;
  if (r.type === 'and' || r.type === 'or') for (const x of r.rules) yield* ruleNodes(x);
  if (r.type === 'not') yield* ruleNodes(r.rule);
}
