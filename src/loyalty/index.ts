import './schema.js';
import { createHash } from 'node:crypto';
import type { Kysely } from 'kysely';
import { newId } from '../core/index.js';
import type { StateDB } from '../store/index.js';

/**
 * How journeys (and later campaigns) hand out coupons and points. The default implementation
 * below keeps coupon_grants / points_ledger rows; a real loyalty module will replace it. Every
 * grant carries an idempotency key (unique per workspace): granting again with the same key
 * grants nothing and returns what the first call granted.
 */
export interface CouponReward {
  couponKey: string;
  amountFen: number;
  thresholdFen?: number;
  validDays: number;
}

export interface GrantInput<R> {
  workspaceId: string;
  customerId: string;
  reward: R;
  idempotencyKey: string;
  /** Who granted, e.g. `journey:<id>`. */
  source?: string;
  /** The caller's clock time. */
  now: Date;
}

export interface CouponGrant {
  id: string;
  code: string;
  amountFen: number;
  thresholdFen: number;
  expiresAt: Date;
  created: boolean;
}

export interface PointsGrant {
  id: string;
  points: number;
  created: boolean;
}

export interface LoyaltyGrants {
  grantCoupon(trx: Kysely<StateDB>, input: GrantInput<CouponReward>): Promise<CouponGrant>;
  grantPoints(trx: Kysely<StateDB>, input: GrantInput<{ points: number; reason: string }>): Promise<PointsGrant>;
}

/** A coupon code derived from the key, so the same grant always has the same code. */
function couponCode(workspaceId: string, key: string): string {
  return createHash('sha256').update(`${workspaceId}\u0000${key}`).digest('hex').slice(0, 12).toUpperCase();
}

export const defaultLoyaltyGrants: LoyaltyGrants = {
  async grantCoupon(trx, input) {
    const expiresAt = new Date(input.now.getTime() + input.reward.validDays * 86_400_000);
    const inserted = await trx
      .insertInto('coupon_grants')
      .values({
        workspace_id: input.workspaceId,
        id: newId({ now: () => input.now }),
        customer_id: input.customerId,
        coupon_key: input.reward.couponKey,
        code: couponCode(input.workspaceId, input.idempotencyKey),
        amount_fen: input.reward.amountFen,
        threshold_fen: input.reward.thresholdFen ?? 0,
        granted_at: input.now,
        expires_at: expiresAt,
        idempotency_key: input.idempotencyKey,
        source: input.source ?? null,
      })
      .onConflict((oc) => oc.columns(['workspace_id', 'idempotency_key']).doNothing())
      .returning(['id', 'code', 'amount_fen', 'threshold_fen', 'expires_at'])
      .executeTakeFirst();
    const row =
      inserted ??
      (await trx
        .selectFrom('coupon_grants')
        .select(['id', 'code', 'amount_fen', 'threshold_fen', 'expires_at'])
        .where('workspace_id', '=', input.workspaceId)
        .where('idempotency_key', '=', input.idempotencyKey)
        .executeTakeFirstOrThrow());
    return { id: row.id, code: row.code, amountFen: Number(row.amount_fen), thresholdFen: Number(row.threshold_fen), expiresAt: row.expires_at, created: !!inserted };
  },
  async grantPoints(trx, input) {
    const inserted = await trx
      .insertInto('points_ledger')
      .values({
        workspace_id: input.workspaceId,
        id: newId({ now: () => input.now }),
        customer_id: input.customerId,
        points: input.reward.points,
        reason: input.reward.reason,
        at: input.now,
        idempotency_key: input.idempotencyKey,
        source: input.source ?? null,
      })
      .onConflict((oc) => oc.columns(['workspace_id', 'idempotency_key']).doNothing())
      .returning(['id', 'points'])
      .executeTakeFirst();
    const row =
      inserted ??
      (await trx.selectFrom('points_ledger').select(['id', 'points']).where('workspace_id', '=', input.workspaceId).where('idempotency_key', '=', input.idempotencyKey).executeTakeFirstOrThrow());
    return { id: row.id, points: Number(row.points), created: !!inserted };
  },
};

/** Points balance of a customer in the default ledger. */
export async function pointsBalance(db: Kysely<StateDB>, workspaceId: string, customerId: string): Promise<number> {
  const row = await db
    .selectFrom('points_ledger')
    .select((eb) => eb.fn.coalesce(eb.fn.sum<string>('points'), eb.val('0')).as('n'))
    .where('workspace_id', '=', workspaceId)
    .where('customer_id', '=', customerId)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}
