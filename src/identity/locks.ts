import { createHash } from 'node:crypto';
import { sql } from 'kysely';
import type { Ctx, StateStore } from '../store/index.js';

/**
 * Links to the same identifier or customer are serialized across processes with transaction-scoped
 * advisory locks on a 64-bit hash of what is locked. (PGlite has one connection, so there they
 * never wait, but the same code runs.)
 */
export function lockKey(...parts: string[]): string {
  return createHash('sha256').update(parts.join('\u0000')).digest().readBigInt64BE(0).toString();
}

/** Takes the locks in ascending order, so two transactions locking overlapping sets rarely deadlock. */
export async function lockAll(db: StateStore, keys: readonly string[]): Promise<void> {
  const sorted = [...new Set(keys)].sort((a, b) => (BigInt(a) < BigInt(b) ? -1 : 1));
  if (sorted.length === 0) return;
  await sql`SELECT pg_advisory_xact_lock(k) FROM unnest(${sql.val(sorted)}::bigint[]) AS k ORDER BY k`.execute(db);
}

const RETRYABLE = new Set(['40P01', '40001']); // deadlock_detected, serialization_failure

/**
 * Runs `fn` in a transaction (or inside the caller's), retrying when PostgreSQL breaks a deadlock
 * between concurrent linkers: the retry sees the other transaction's result.
 */
export async function inTransaction<T>(ctx: Ctx, fn: (tx: Ctx) => Promise<T>): Promise<T> {
  if (ctx.db.isTransaction) return fn(ctx);
  for (let attempt = 1; ; attempt++) {
    try {
      return await ctx.db.transaction().execute((trx) => fn({ ...ctx, db: trx }));
    } catch (err) {
      if (attempt >= 8 || !RETRYABLE.has((err as { code?: string }).code ?? '')) throw err;
      await new Promise((r) => setTimeout(r, Math.random() * 20 * attempt));
    }
  }
}
