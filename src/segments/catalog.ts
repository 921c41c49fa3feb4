import type { Ctx } from '../store/index.js';
import { COMPUTED_FIELDS, type ComputedField, type FieldOp, LIFECYCLE_STAGES, LTV_TIERS, rule, type Rule } from './rules.js';

/** What a rule may refer to in a workspace: traits and their types, tags, other segments. */
export type FieldType = 'string' | 'number' | 'boolean' | 'date';

export const OPS_BY_TYPE: Record<FieldType, readonly FieldOp[]> = {
  string: ['eq', 'neq', 'in', 'not_in', 'contains', 'not_contains', 'exists', 'not_exists'],
  number: ['eq', 'neq', 'gt', 'gte', 'lt', 'lte', 'between', 'exists', 'not_exists'],
  boolean: ['eq', 'exists', 'not_exists'],
  date: ['before', 'after', 'between', 'within_last', 'before_last', 'exists', 'not_exists'],
};

/** Profile columns every customer has (the rest of the traits are in the traits map). */
export const BUILTIN_TRAITS: Record<string, { type: FieldType; column: string }> = {
  gender: { type: 'string', column: 'gender' },
  city: { type: 'string', column: 'city' },
  channel: { type: 'string', column: 'channel' },
  staff_userid: { type: 'string', column: 'staff_userid' },
  birthday: { type: 'string', column: 'birthday' },
  first_seen_at: { type: 'date', column: 'first_seen_at' },
  last_seen_at: { type: 'date', column: 'last_seen_at' },
};

export const COMPUTED_TYPES: Record<ComputedField, FieldType> = {
  order_count: 'number',
  total_spent_fen: 'number',
  aov_fen: 'number',
  first_order_at: 'date',
  last_order_at: 'date',
  days_since_first_order: 'number',
  days_since_last_order: 'number',
  days_since_first_seen: 'number',
  days_since_last_seen: 'number',
};

export interface Catalog {
  traits: Map<string, FieldType>;
  tags: Map<string, { name: string; groupName: string }>;
  segments: Map<string, { name: string; rule: Rule }>;
}

export async function loadCatalog(ctx: Pick<Ctx, 'db'>, workspaceId: string): Promise<Catalog> {
  const [keys, tags, segments] = await Promise.all([
    ctx.db.selectFrom('trait_keys').select(['key', 'type']).where('workspace_id', '=', workspaceId).execute(),
    ctx.db
      .selectFrom('tags')
      .innerJoin('tag_groups', (j) => j.onRef('tag_groups.workspace_id', '=', 'tags.workspace_id').onRef('tag_groups.id', '=', 'tags.group_id'))
      .select(['tags.id', 'tags.name', 'tag_groups.name as group_name'])
      .where('tags.workspace_id', '=', workspaceId)
      .execute(),
    ctx.db.selectFrom('segments').select(['id', 'name', 'rule']).where('workspace_id', '=', workspaceId).execute(),
  ]);
  const traits = new Map<string, FieldType>(Object.entries(BUILTIN_TRAITS).map(([k, v]) => [k, v.type]));
  for (const k of keys) if (!traits.has(k.key)) traits.set(k.key, k.type as FieldType);
  return {
    traits,
    tags: new Map(tags.map((t) => [t.id, { name: t.name, groupName: t.group_name }])),
    segments: new Map(segments.map((s) => [s.id, { name: s.name, rule: rule.parse(s.rule) }])),
  };
}

/** The builder's menu: fields with their operators, and the values of closed lists. */
export function describeCatalog(c: Catalog) {
  return {
    traits: [...c.traits].map(([key, type]) => ({ key, type, ops: [...OPS_BY_TYPE[type]] })).sort((a, b) => a.key.localeCompare(b.key)),
    computed: COMPUTED_FIELDS.map((key) => ({ key, type: COMPUTED_TYPES[key], ops: [...computedOps(key)] })),
    tags: [...c.tags].map(([id, t]) => ({ id, ...t })),
    segments: [...c.segments].map(([id, s]) => ({ id, name: s.name })),
    lifecycleStages: [...LIFECYCLE_STAGES],
    ltvTiers: [...LTV_TIERS],
  };
}

/** Counts and sums are 0 for customers without orders, so "exists" means nothing for them. */
export function computedOps(field: ComputedField): readonly FieldOp[] {
  const ops = OPS_BY_TYPE[COMPUTED_TYPES[field]];
  return field === 'order_count' || field === 'total_spent_fen' ? ops.filter((o) => o !== 'exists' && o !== 'not_exists') : ops;
}
