import { z } from 'zod';
import { AppError } from '../core/index.js';
import type { Ctx } from '../store/index.js';
import { type Actor, recordAudit } from '../audit/index.js';
import { audienceCounts, type RunResult, refreshAudience } from './audience.js';
import { loadCatalog } from './catalog.js';
import { compileEnv, compileExpr, matchingSql, Params } from './environment.js';
import { syncProfiles } from './profiles.js';
import type { Workspace } from './rfm.js';
import { LIFECYCLE_STAGES, LTV_TIERS, type Rule, rule } from './rules.js';

/**
 * Layers put every customer in exactly one level: lifecycle stages (导入期 … 流失期) and LTV
 * tiers (潜在 … 沉睡, each mapped to the group type community ops uses). Levels are rules checked
 * in order, the first that matches wins, and a last level without a rule takes everyone else.
 * A customer's level is materialized; a change is recorded and emitted as an event.
 */
export type LayerKind = 'lifecycle' | 'ltv';

const level = z
  .object({
    key: z.string(),
    name: z.string().trim().min(1).max(50),
    rule: rule.nullable().describe('null: everyone not matched by an earlier level (only the last level)'),
    groupType: z.string().trim().min(1).max(50).optional().describe('LTV tiers: the community group type the tier maps to'),
  })
  .strict();

function settingsSchema(keys: readonly string[]) {
  return z
    .object({ levels: z.array(level.extend({ key: z.enum(keys as [string, ...string[]]) })).length(keys.length) })
    .strict()
    .superRefine((s, c) => {
      const seen = new Set(s.levels.map((l) => l.key));
      if (seen.size !== keys.length) c.addIssue({ code: 'custom', path: ['levels'], message: `each of ${keys.join(', ')} exactly once` });
      s.levels.forEach((l, i) => {
        if (l.rule === null && i !== s.levels.length - 1) c.addIssue({ code: 'custom', path: ['levels', i, 'rule'], message: 'only the last level may have no rule' });
      });
    });
}

export const layerSettings = { lifecycle: settingsSchema(LIFECYCLE_STAGES), ltv: settingsSchema(LTV_TIERS) };
export type LayerSettings = z.infer<(typeof layerSettings)['lifecycle']>;

const days = (field: 'days_since_last_seen' | 'days_since_first_seen' | 'days_since_last_order', op: 'gt' | 'lte', value: number): Rule => ({ type: 'computed', field, op, value });
const orders = (op: 'gte' | 'lte', value: number): Rule => ({ type: 'computed', field: 'order_count', op, value });
const boughtWithin = (n: number): Rule => ({ type: 'computed', field: 'last_order_at', op: 'within_last', value: n });

export const DEFAULT_LAYERS: Record<LayerKind, LayerSettings> = {
  lifecycle: {
    levels: [
      { key: 'churned', name: '流失期', rule: { type: 'and', rules: [days('days_since_last_seen', 'gt', 180), { type: 'not', rule: boughtWithin(180) }] } },
      { key: 'dormant', name: '休眠期', rule: { type: 'and', rules: [days('days_since_last_seen', 'gt', 60), { type: 'not', rule: boughtWithin(60) }] } },
      { key: 'new', name: '导入期', rule: { type: 'and', rules: [days('days_since_first_seen', 'lte', 30), orders('lte', 1)] } },
      { key: 'mature', name: '成熟期', rule: orders('gte', 3) },
      { key: 'growing', name: '成长期', rule: null },
    ],
  },
  ltv: {
    levels: [
      { key: 'sleeping', name: '沉睡客户', groupType: '召回群', rule: { type: 'and', rules: [orders('gte', 1), days('days_since_last_order', 'gt', 90)] } },
      { key: 'high_value', name: '高价值客户', groupType: 'VIP群', rule: orders('gte', 3) },
      { key: 'active', name: '活跃客户', groupType: '会员群', rule: orders('gte', 1) },
      { key: 'potential', name: '潜在客户', groupType: '福利群', rule: null },
    ],
  },
};

/** Display order of the levels (settings order is the order rules are checked in). */
export const LEVEL_ORDER: Record<LayerKind, readonly string[]> = { lifecycle: LIFECYCLE_STAGES, ltv: LTV_TIERS };

const EVENT_NAME: Record<LayerKind, string> = { lifecycle: 'Lifecycle Stage Changed', ltv: 'LTV Tier Changed' };

export async function loadLayer(ctx: Pick<Ctx, 'db'>, workspaceId: string, kind: LayerKind): Promise<LayerSettings> {
  const row = await ctx.db.selectFrom('layer_settings').select('settings').where('workspace_id', '=', workspaceId).where('kind', '=', kind).executeTakeFirst();
  return row ? layerSettings[kind].parse(row.settings) : DEFAULT_LAYERS[kind];
}

/**
 * The level of a customer as SQL: multiIf over the level rules, '' when none matches. Compiled
 * once against a scratch parameter set, so an invalid rule fails before anything is written.
 */
async function levelCompiler(ctx: Ctx, ws: Workspace, kind: LayerKind, s: LayerSettings, path: string): Promise<(p: Params) => string> {
  const rules = s.levels.flatMap((l) => (l.rule ? [l.rule] : []));
  const env = await compileEnv(ctx, ws, rules, kind, await loadCatalog(ctx, ws.id));
  const compile = (p: Params) => {
    const last = s.levels[s.levels.length - 1];
    const fallback = last.rule ? "''" : p.add('String', last.key);
    const branches = s.levels.flatMap((l, i) => (l.rule ? [`${compileExpr(env, p, l.rule, `${path}.levels.${i}.rule`)}, ${p.add('String', l.key)}`] : []));
    return branches.length ? `multiIf(${branches.join(', ')}, ${fallback})` : fallback;
  };
  compile(new Params(ws.id));
  return compile;
}

export async function saveLayer(ctx: Ctx, ws: Workspace, kind: LayerKind, input: LayerSettings, by: { actor: Actor; requestId?: string }): Promise<LayerSettings> {
  const settings = layerSettings[kind].parse(input);
  await levelCompiler(ctx, ws, kind, settings, 'body');
  const before = await loadLayer(ctx, ws.id, kind);
  await ctx.db.transaction().execute(async (trx) => {
    const row = { settings: JSON.stringify(settings), updated_at: ctx.clock.now() };
    await trx
      .insertInto('layer_settings')
      .values({ workspace_id: ws.id, kind, ...row })
      .onConflict((oc) => oc.columns(['workspace_id', 'kind']).doUpdateSet(row))
      .execute();
    await recordAudit(ctx, trx, { workspaceId: ws.id, actor: by.actor, action: `${kind}.settings.update`, entity: 'layer_settings', entityId: kind, before, after: settings, requestId: by.requestId });
  });
  await refreshLayer(ctx, ws, kind);
  return settings;
}

/** Recomputes every customer's level (or the given customers'), emitting an event per change. */
export async function refreshLayer(ctx: Ctx, ws: Workspace, kind: LayerKind, customers?: readonly string[]): Promise<RunResult> {
  const settings = await loadLayer(ctx, ws.id, kind);
  if (!customers) await syncProfiles(ctx, ws.id);
  const groupTypes = Object.fromEntries(settings.levels.map((l) => [l.key, l.groupType ?? '']));
  const level = await levelCompiler(ctx, ws, kind, settings, 'settings');
  return refreshAudience(ctx, ws.id, {
    audience: kind,
    desired: (p) => matchingSql(ctx, '1', level(p)),
    scope: customers ? { ids: customers } : undefined,
    source: 'rule',
    actor: 'rule',
    event: (p) => ({
      name: p.add('String', EVENT_NAME[kind]),
      properties:
        kind === 'ltv'
          ? `toJSONString(map('from', before, 'to', after, 'group_type', ${p.add('Map(String, String)', groupTypes)}[after]))`
          : `toJSONString(map('from', before, 'to', after))`,
    }),
  });
}

export interface LayerSummary {
  kind: LayerKind;
  levels: { key: string; name: string; groupType: string | null; customers: number; share: number }[];
  customers: number;
}

/** Customers per level; a workspace never evaluated yet is evaluated first. */
export async function layerSummary(ctx: Ctx, ws: Workspace, kind: LayerKind): Promise<LayerSummary> {
  const settings = await loadLayer(ctx, ws.id, kind);
  const ran = await ctx.db.selectFrom('audience_runs').select('id').where('workspace_id', '=', ws.id).where('audience', '=', kind).executeTakeFirst();
  if (!ran) await refreshLayer(ctx, ws, kind);
  const counts = await audienceCounts(ctx, ws.id, kind);
  const total = [...counts.values()].reduce((a, b) => a + b, 0);
  const byKey = new Map(settings.levels.map((l) => [l.key, l]));
  return {
    kind,
    customers: total,
    levels: LEVEL_ORDER[kind].map((key) => {
      const l = byKey.get(key);
      if (!l) throw new AppError('internal', `level ${key} missing`);
      const n = counts.get(key) ?? 0;
      return { key, name: l.name, groupType: l.groupType ?? null, customers: n, share: total ? n / total : 0 };
    }),
  };
}
