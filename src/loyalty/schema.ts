import type { ColumnType } from 'kysely';

/** Loyalty tables of the default grants implementation (created by src/store/migrations/state-journeys.ts). */
type Timestamp = ColumnType<Date, Date | string, Date | string>;

export interface CouponGrantsTable {
  workspace_id: string;
  id: string;
  customer_id: string;
  coupon_key: string;
  code: string;
  amount_fen: ColumnType<string | number, number, number>;
  threshold_fen: ColumnType<string | number, number | undefined, number>;
  granted_at: Timestamp;
  expires_at: Timestamp;
  redeemed_at: Timestamp | null;
  idempotency_key: string;
  source: string | null;
}

export interface PointsLedgerTable {
  workspace_id: string;
  id: string;
  customer_id: string;
  points: ColumnType<string | number, number, number>;
  reason: string;
  at: Timestamp;
  idempotency_key: string;
  source: string | null;
}

declare module '../store/schema.js' {
  interface StateDB {
    coupon_grants: CouponGrantsTable;
    points_ledger: PointsLedgerTable;
  }
}
