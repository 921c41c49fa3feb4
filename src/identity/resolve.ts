import { sql } from 'kysely';
import { AppError, newId } from '../core/index.js';
import type { Ctx } from '../store/index.js';
import { type Actor, systemActor } from '../audit/index.js';
import { type Identifier, type StoredIdentifier, keyOfStored, sealIdentifierValue, storedKey } from './identifiers.js';
import { inTransaction, isExclusive, lockAll, lockKey } from './locks.js';
import { customerLock, mergeCustomers } from './merge.js';
import { recordConflict } from './conflicts.js';
import { type IdentityRules, loadIdentityRules } from './rules.js';

export interface ResolveOptions {
  /** Event time: when a new customer was first seen, when a merge happened. */
  at: Date;
  messageId?: string | null;
  /** The workspace's rules, when the caller has them already (a batch). */
  rules?: IdentityRules;
  actor?: Actor;
}

export interface Resolution {
  customerId: string;
  created: boolean;
  /** Customers merged into customerId by this call. */
  merged: string[];
  conflicts: number;
}

/**
 * OneID: the customer these identifiers belong to — the one holding the strongest known
 * identifier, or a new one when none is known (or when a stronger new id cannot join it).
 * Customers found through the other identifiers are merged into it unless a per-customer limit
 * would break; then the link is refused and recorded as a conflict for review. New identifiers
 * are attached within the limits. Concurrent calls over shared identifiers or
 * customers are serialized by advisory locks, so the graph stays consistent across processes.
 */
export async function resolve(ctx: Ctx, workspaceId: string, identifiers: readonly Identifier[], opts: ResolveOptions): Promise<Resolution> {
  return inTransaction(ctx, async (tx) => {
    const rules = opts.rules ?? (await loadIdentityRules(tx.db, workspaceId));
    const ids = identifying(identifiers, rules).map((id) => sealIdentifierValue(tx.secrets, id));
    if (ids.length === 0) throw new AppError('validation_failed', 'an event needs an identifying id (userId, anonymousId or an identifying external id)');
    const known = await knownCustomer(tx, workspaceId, ids);
    if (known) return { customerId: known, created: false, merged: [], conflicts: 0 };
    await lockAll(tx.db, ids.map((s) => identityLock(workspaceId, s)), workspaceId);
    const owners = await lockOwners(tx, workspaceId, ids);
    const ownerOf = (s: StoredIdentifier) => owners.get(keyOfStored(s));
    const priority = (s: StoredIdentifier) => rules.get(s.id.type).priority;
    // Strongest first; among equals, the older customer.
    const owned = ids.filter(ownerOf).sort((a, b) => priority(b) - priority(a) || (ownerOf(a)! < ownerOf(b)! ? -1 : 1));
    const fresh = ids.filter((s) => !ownerOf(s));
    const counts = await limitedCounts(tx, workspaceId, [...new Set(owners.values())], rules);
    const link = { tx, workspaceId, rules, opts };
    const anchor = owned.length ? ownerOf(owned[0])! : null;
    // A new id stronger than every known one that the known customer has no room for (a new
    // member id next to a recycled phone) belongs to someone new.
    const blocked = anchor !== null && fresh.some((s) => priority(s) > priority(owned[0]) && !fits(counts, anchor, s, rules));
    const created = anchor === null || blocked;
    const customerId = created ? await createCustomer(tx, workspaceId, opts.at) : anchor;
    let conflicts = created ? await attach(link, customerId, fresh, counts) : 0;
    const merged: string[] = [];
    for (const s of owned) {
      const other = ownerOf(s)!;
      if (other === customerId || merged.includes(other)) continue;
      const broken = rules.limited().find((r) => count(counts, customerId, r.type) + count(counts, other, r.type) > r.maxPerCustomer!);
      if (broken) {
        await recordConflict(tx, workspaceId, { link: s, customerId, otherCustomerId: other, reason: `limit:${broken.type}`, messageId: opts.messageId, at: opts.at });
        conflicts++;
        continue;
      }
      await mergeCustomers(tx, workspaceId, customerId, other, { link: s, messageId: opts.messageId, at: opts.at, actor: opts.actor ?? systemActor });
      for (const [type, n] of counts.get(other) ?? []) bump(counts, customerId, type, n);
      merged.push(other);
    }
    if (!created) conflicts += await attach(link, customerId, fresh, counts);
    return { customerId, created, merged, conflicts };
  });
}

function fits(counts: Counts, customerId: string, s: StoredIdentifier, rules: IdentityRules): boolean {
  const max = rules.get(s.id.type).maxPerCustomer;
  return max === null || count(counts, customerId, s.id.type) < max;
}

/** Identifying ids only, each once, strongest first. */
function identifying(identifiers: readonly Identifier[], rules: IdentityRules): Identifier[] {
  const seen = new Map<string, Identifier>();
  for (const id of identifiers) if (rules.get(id.type).identifying) seen.set(storedKey(id), id);
  return [...seen.values()].sort((a, b) => rules.get(b.type).priority - rules.get(a.type).priority);
}

export function identityLock(workspaceId: string, s: StoredIdentifier): string {
  return lockKey('identity', workspaceId, s.id.type, s.id.collection, s.value);
}

/**
 * The usual case: every identifier is known and belongs to one customer, so nothing is created,
 * attached or merged. Locking that customer alone is enough — anything that would move one of
 * these identifiers (a merge, an unmerge, an assignment) holds that lock too — and a second read
 * under the lock confirms nothing moved meanwhile (not needed on PGlite, where nothing else runs).
 */
async function knownCustomer(tx: Ctx, workspaceId: string, ids: StoredIdentifier[]): Promise<string | null> {
  const single = (owners: Map<string, string>) => {
    const customers = new Set(owners.values());
    return owners.size === ids.length && customers.size === 1 ? [...customers][0] : null;
  };
  const candidate = single(await ownersOf(tx, workspaceId, ids));
  if (!candidate || (await isExclusive(tx.db))) return candidate;
  await lockAll(tx.db, [customerLock(workspaceId, candidate)], workspaceId);
  return single(await ownersOf(tx, workspaceId, ids)) === candidate ? candidate : null;
}

export async function ownersOf(tx: Ctx, workspaceId: string, ids: StoredIdentifier[]): Promise<Map<string, string>> {
  if (ids.length === 0) return new Map();
  // One primary-key probe per identifier (a LATERAL with LIMIT 1 is not flattened), whatever the
  // table size: `(type, collection, value) IN (tuples…)` and a plain join on the arrays are both
  // planned as a scan of every identity of the workspace once the batch has more than a few ids.
  const { rows } = await sql<{ type: string; collection: string; value: string; customer_id: string }>`
    SELECT k.type, k.collection, k.value, i.customer_id
    FROM unnest(${sql.val(ids.map((s) => s.id.type))}::text[], ${sql.val(ids.map((s) => s.id.collection))}::text[], ${sql.val(ids.map((s) => s.value))}::text[]) AS k(type, collection, value)
    CROSS JOIN LATERAL (
      SELECT customer_id FROM identities
      WHERE workspace_id = ${workspaceId} AND type = k.type AND collection = k.collection AND value = k.value
      LIMIT 1) i`.execute(tx.db);
  return new Map(rows.map((r) => [storedKey(r), r.customer_id]));
}

/**
 * Owners of the identifiers, with every owner locked. A merge elsewhere may move an identifier to
 * a customer not yet locked while we wait, so read again until the owners are all locked.
 */
async function lockOwners(tx: Ctx, workspaceId: string, ids: StoredIdentifier[]): Promise<Map<string, string>> {
  const locked = new Set<string>();
  for (;;) {
    const owners = await ownersOf(tx, workspaceId, ids);
    const fresh = [...new Set(owners.values())].filter((c) => !locked.has(c));
    if (fresh.length === 0 || (await isExclusive(tx.db))) return owners;
    await lockAll(tx.db, fresh.map((c) => customerLock(workspaceId, c)), workspaceId);
    for (const c of fresh) locked.add(c);
  }
}

type Counts = Map<string, Map<string, number>>;

/** How many ids of each limited type the customers hold. */
async function limitedCounts(tx: Ctx, workspaceId: string, customers: string[], rules: IdentityRules): Promise<Counts> {
  const types = rules.limited().map((r) => r.type);
  const counts: Counts = new Map();
  if (types.length === 0 || customers.length === 0) return counts;
  const rows = await tx.db
    .selectFrom('identities')
    .select(['customer_id', 'type', (eb) => eb.fn.countAll<number>().as('n')])
    .where('workspace_id', '=', workspaceId)
    .where('customer_id', 'in', customers)
    .where('type', 'in', types)
    .groupBy(['customer_id', 'type'])
    .execute();
  for (const r of rows) bump(counts, r.customer_id, r.type, Number(r.n));
  return counts;
}

function count(counts: Counts, customerId: string, type: string): number {
  return counts.get(customerId)?.get(type) ?? 0;
}

function bump(counts: Counts, customerId: string, type: string, n: number): void {
  const own = counts.get(customerId) ?? new Map<string, number>();
  own.set(type, (own.get(type) ?? 0) + n);
  counts.set(customerId, own);
}

async function createCustomer(tx: Ctx, workspaceId: string, at: Date): Promise<string> {
  const id = newId(tx.clock);
  await tx.db
    .insertInto('customers')
    .values({ workspace_id: workspaceId, id, name_tokens: [], traits: '{}', first_seen_at: at, last_seen_at: at, updated_at: tx.clock.now() })
    .execute();
  return id;
}

/** Attaches new identifiers within the limits; an id over its limit becomes a conflict. */
async function attach(
  link: { tx: Ctx; workspaceId: string; rules: IdentityRules; opts: ResolveOptions },
  customerId: string,
  ids: StoredIdentifier[],
  counts: Counts,
): Promise<number> {
  const { tx, workspaceId, rules, opts } = link;
  const rows = [];
  let conflicts = 0;
  for (const s of ids) {
    const max = rules.get(s.id.type).maxPerCustomer;
    if (max !== null && count(counts, customerId, s.id.type) >= max) {
      await recordConflict(tx, workspaceId, { link: s, customerId, otherCustomerId: null, reason: `limit:${s.id.type}`, messageId: opts.messageId, at: opts.at });
      conflicts++;
      continue;
    }
    bump(counts, customerId, s.id.type, 1);
    rows.push({ workspace_id: workspaceId, type: s.id.type, collection: s.id.collection, value: s.value, value_enc: s.valueEnc, customer_id: customerId });
  }
  if (rows.length) await tx.db.insertInto('identities').values(rows).execute();
  return conflicts;
}
