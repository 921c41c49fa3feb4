import { z } from 'zod';
import { AppError } from '../core/index.js';
import type { Ctx, StateStore } from '../store/index.js';
import { type Actor, recordAudit } from '../audit/index.js';
import { identifierType } from './identifiers.js';

/**
 * How OneID treats one identifier type: whether it links events to a customer at all, which
 * wins when ids disagree (priority), and how many a customer may have (null: any number).
 */
export const identityRule = z.object({
  type: identifierType,
  identifying: z.boolean(),
  priority: z.number().int().min(0).max(1000),
  maxPerCustomer: z.number().int().min(1).max(100).nullable(),
});
export type IdentityRule = z.infer<typeof identityRule>;

export const DEFAULT_RULES: readonly IdentityRule[] = [
  { type: 'user_id', identifying: true, priority: 100, maxPerCustomer: 1 },
  { type: 'wechat_unionid', identifying: true, priority: 90, maxPerCustomer: 1 },
  { type: 'phone', identifying: true, priority: 80, maxPerCustomer: 1 },
  { type: 'email', identifying: true, priority: 70, maxPerCustomer: null },
  { type: 'wecom_external_userid', identifying: true, priority: 60, maxPerCustomer: null },
  { type: 'wechat_openid', identifying: true, priority: 50, maxPerCustomer: null },
  { type: 'taobao_buyer', identifying: true, priority: 40, maxPerCustomer: null },
  { type: 'douyin_openid', identifying: true, priority: 40, maxPerCustomer: null },
  { type: 'anonymous_id', identifying: true, priority: 10, maxPerCustomer: null },
];

/** Types not configured: identifying, unlimited, below the platform ids. */
const FALLBACK = { identifying: true, priority: 20, maxPerCustomer: null } as const;

/** Every event carries one of these, so they must keep linking events to customers. */
const ALWAYS_IDENTIFYING = ['user_id', 'anonymous_id'];

export class IdentityRules {
  private readonly byType: Map<string, IdentityRule>;
  constructor(rules: readonly IdentityRule[]) {
    this.byType = new Map(rules.map((r) => [r.type, r]));
  }
  get(type: string): IdentityRule {
    return this.byType.get(type) ?? { type, ...FALLBACK };
  }
  /** Types with a per-customer limit. */
  limited(): IdentityRule[] {
    return [...this.byType.values()].filter((r) => r.maxPerCustomer !== null);
  }
  list(): IdentityRule[] {
    return [...this.byType.values()].sort((a, b) => b.priority - a.priority || a.type.localeCompare(b.type));
  }
}

export async function loadIdentityRules(db: StateStore, workspaceId: string): Promise<IdentityRules> {
  const rows = await db.selectFrom('identity_rules').selectAll().where('workspace_id', '=', workspaceId).execute();
  const overrides = rows.map((r) => ({ type: r.type, identifying: r.identifying, priority: r.priority, maxPerCustomer: r.max_per_customer }));
  const types = new Set(overrides.map((r) => r.type));
  return new IdentityRules([...DEFAULT_RULES.filter((r) => !types.has(r.type)), ...overrides]);
}

/** Stores rules for the given types (others keep theirs); applies to links made from now on. */
export async function setIdentityRules(ctx: Ctx, workspaceId: string, rules: IdentityRule[], by: { actor: Actor; requestId?: string }): Promise<IdentityRules> {
  const data = z.array(identityRule).min(1).max(100).parse(rules);
  const fixed = data.find((r) => ALWAYS_IDENTIFYING.includes(r.type) && !r.identifying);
  if (fixed) throw new AppError('validation_failed', `${fixed.type} always identifies a customer`, [{ path: 'rules', message: `${fixed.type} must stay identifying` }]);
  const before = (await loadIdentityRules(ctx.db, workspaceId)).list();
  await ctx.db.transaction().execute(async (trx) => {
    for (const r of data) {
      const row = { identifying: r.identifying, priority: r.priority, max_per_customer: r.maxPerCustomer, updated_at: ctx.clock.now() };
      await trx
        .insertInto('identity_rules')
        .values({ workspace_id: workspaceId, type: r.type, ...row })
        .onConflict((oc) => oc.columns(['workspace_id', 'type']).doUpdateSet(row))
        .execute();
    }
    await recordAudit(ctx, trx, { workspaceId, actor: by.actor, action: 'identity.rules.update', entity: 'identity_rules', before, after: data, requestId: by.requestId });
  });
  return loadIdentityRules(ctx.db, workspaceId);
}
