import { createHash } from 'node:crypto';
import { sql } from 'kysely';
import type { Ctx, StateStore } from '../store/index.js';

/**
 * Links to the same identifier or customer are serialized across processes with transaction-scoped
 * advisory locks on a 64-bit hash of what is locked.
 *
 * Locks live in a scope (a workspace's identity graph; '' for everything else). A transaction
 * locking a few keys holds the scope shared and each key exclusively, so unrelated links run side
 * by side; once it would hold more than MAX_KEYS in a scope (a bulk chunk, a big batch of
 * events) it holds the whole scope exclusively instead, and needs no more locks there. So a
 * transaction takes at most MAX_KEYS + 1 locks per scope, far below PostgreSQL's shared lock
 * table (max_locks_per_transaction × max_connections, 6,400 by default), and a big chunk waits
 * for the small transactions in its scope and they for it.
 *
 * Embedded PGlite belongs to one process (DATA_DIR/siyu.lock) and has a single connection that a
 * transaction holds from BEGIN to COMMIT (the driver queues everyone else), so transactions there
 * are already serialized and the locks are skipped.
 */
export function lockKey(...parts: string[]): string {
  return createHash('sha256').update(parts.join('\u0000')).digest().readBigInt64BE(0).toString();
}

/** Above this many keys in a scope a transaction locks the whole scope. */
export const MAX_KEYS = 512;

/** Keys each open transaction holds per scope; WHOLE once it holds a scope exclusively. */
const held = new WeakMap<StateStore, Map<string, number>>();
const WHOLE = Infinity;

/** Takes the locks in ascending order (scope first), so overlapping lockers rarely deadlock. */
export async function lockAll(db: StateStore, keys: readonly string[], scope = ''): Promise<void> {
  if (keys.length === 0 || (await isExclusive(db))) return;
  const holding = heldIn(db, scope);
  if (holding === WHOLE) return;
  const sorted = [...new Set(keys)].map(BigInt).sort((a, b) => (a < b ? -1 : 1));
  if (holding + sorted.length > MAX_KEYS) return lockScope(db, scope);
  await sql`
    SELECT CASE WHEN scope THEN pg_advisory_xact_lock_shared(k) ELSE pg_advisory_xact_lock(k) END
    FROM (SELECT ${scopeKey(scope)}::bigint, true UNION ALL SELECT unnest(${sql.val(sorted.map(String))}::bigint[]), false) AS l(k, scope)
    ORDER BY scope DESC, k`.execute(db);
  hold(db, scope, holding + sorted.length);
}

/** Locks every key of the scope at once (one lock), e.g. before reading a bulk chunk's owners. */
export async function lockScope(db: StateStore, scope = ''): Promise<void> {
  if ((await isExclusive(db)) || heldIn(db, scope) === WHOLE) return;
  await sql`SELECT pg_advisory_xact_lock(${scopeKey(scope)}::bigint)`.execute(db);
  hold(db, scope, WHOLE);
}

function heldIn(db: StateStore, scope: string): number {
  return held.get(db)?.get(scope) ?? 0;
}

/** Counted for transactions only: outside one, a transaction-scoped lock ends with its statement. */
function hold(db: StateStore, scope: string, count: number): void {
  if (!db.isTransaction) return;
  const scopes = held.get(db) ?? new Map<string, number>();
  scopes.set(scope, count);
  held.set(db, scopes);
}

function scopeKey(scope: string): string {
  return lockKey('lock scope', scope);
}

const exclusiveStores = new WeakMap<object, Promise<boolean>>();

/**
 * Whether the store is embedded PGlite, where a transaction has the database to itself. Asked once
 * per store: a store and its transactions share one dialect adapter.
 */
export function isExclusive(db: StateStore): Promise<boolean> {
  const adapter = db.getExecutor().adapter;
  let known = exclusiveStores.get(adapter);
  if (!known) {
    known = sql<{ v: string }>`SELECT version() AS v`.execute(db).then((r) => /emscripten|wasm32/i.test(r.rows[0].v));
    exclusiveStores.set(adapter, known);
    known.catch(() => exclusiveStores.delete(adapter));
  }
  return known;
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
