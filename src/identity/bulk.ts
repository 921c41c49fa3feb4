import { newId } from '../core/index.js';
import type { Ctx } from '../store/index.js';
import { type Identifier, keyOfStored, sealIdentifierValue, type StoredIdentifier, storedKey } from './identifiers.js';
import { inTransaction, lockAll } from './locks.js';
import { customerLock } from './merge.js';
import { identityLock, ownersOf } from './resolve.js';
import type { IdentityRules } from './rules.js';

export interface IdentifierSet {
  identifiers: readonly Identifier[];
  at: Date;
}

/**
 * Resolves many identifier sets with a handful of statements in the three common cases: every id
 * of a person already belongs to one customer; none is known yet (a first visit, most rows of an
 * import); or some belong to one customer and the others are new and fit its limits (a phone or
 * a new device next to a known member id), which are attached to it. Sets that share an
 * identifier are one person. Anything else — ids of several customers, new ids over a limit —
 * is left (null) for resolve(), which merges and records conflicts. Locks as resolve() does:
 * identifiers before they are created, the customer before its ids are trusted or added to.
 */
export async function resolveMany(ctx: Ctx, workspaceId: string, sets: readonly IdentifierSet[], rules: IdentityRules): Promise<(string | null)[]> {
  return inTransaction(ctx, async (tx) => {
    const sealed = sets.map((s) => uniqueIdentifying(s.identifiers, rules).map((id) => sealIdentifierValue(tx.secrets, id)));
    const people = groupBySharedIdentifier(sealed).map((members) => ({ members, ids: distinct(members.flatMap((i) => sealed[i])) }));
    const before = await owners(tx, workspaceId, people.flatMap((p) => p.ids));
    const classified = people.map((p) => ({ ...p, owner: ownerOf(p.ids, before) }));
    const fresh = classified.filter((p) => p.ids.length > 0 && p.owner === NONE && withinLimits(p.ids, rules));
    const known = classified.filter((p) => p.owner !== NONE && p.owner !== MIXED);
    const partial = classified
      .filter((p) => p.owner === MIXED && withinLimits(p.ids, rules))
      .flatMap((p) => {
        const customer = soleOwner(p.ids, before);
        return customer === null ? [] : [{ ...p, customer, fresh: p.ids.filter((s) => !before.has(keyOfStored(s))) }];
      });
    await lockAll(tx.db, [...fresh, ...partial.map((p) => ({ ids: p.fresh }))].flatMap((p) => p.ids.map((s) => identityLock(workspaceId, s))));
    await lockAll(tx.db, [...known.map((p) => p.owner), ...partial.map((p) => p.customer)].map((c) => customerLock(workspaceId, c)));
    const after = await owners(tx, workspaceId, [...fresh, ...known, ...partial].flatMap((p) => p.ids));

    const result: (string | null)[] = sets.map(() => null);
    for (const p of known) {
      if (ownerOf(p.ids, after) === p.owner) for (const i of p.members) result[i] = p.owner;
    }
    const now = tx.clock.now();
    const customers = [];
    const identities = [];
    // New ids next to one known customer: attached when nothing moved meanwhile and every one
    // fits the customer's limits (counted under its lock); otherwise resolve() decides.
    const counts = await limitedCounts(tx, workspaceId, [...new Set(partial.map((p) => p.customer))], rules);
    for (const p of partial) {
      if (soleOwner(p.ids, after) !== p.customer || p.fresh.some((s) => after.has(keyOfStored(s)))) continue;
      const own = counts.get(p.customer) ?? new Map<string, number>();
      const adding = new Map<string, number>();
      for (const s of p.fresh) adding.set(s.id.type, (adding.get(s.id.type) ?? 0) + 1);
      if (rules.limited().some((r) => (own.get(r.type) ?? 0) + (adding.get(r.type) ?? 0) > r.maxPerCustomer!)) continue;
      for (const [type, n] of adding) own.set(type, (own.get(type) ?? 0) + n);
      counts.set(p.customer, own);
      for (const s of p.fresh) identities.push({ workspace_id: workspaceId, type: s.id.type, collection: s.id.collection, value: s.value, value_enc: s.valueEnc, customer_id: p.customer });
      for (const i of p.members) result[i] = p.customer;
    }
    for (const p of fresh) {
      if (ownerOf(p.ids, after) !== NONE) continue; // another worker created one of these meanwhile
      const id = newId(tx.clock);
      const times = p.members.map((i) => sets[i].at.getTime());
      customers.push({ workspace_id: workspaceId, id, name_tokens: [], traits: '{}', first_seen_at: new Date(Math.min(...times)), last_seen_at: new Date(Math.max(...times)), updated_at: now });
      for (const s of p.ids) identities.push({ workspace_id: workspaceId, type: s.id.type, collection: s.id.collection, value: s.value, value_enc: s.valueEnc, customer_id: id });
      for (const i of p.members) result[i] = id;
    }
    // PGlite's wire protocol reads the parameter count as a signed 16-bit number: at most 32,767 a statement.
    for (let i = 0; i < customers.length; i += 4000) await tx.db.insertInto('customers').values(customers.slice(i, i + 4000)).execute();
    for (let i = 0; i < identities.length; i += 5000) await tx.db.insertInto('identities').values(identities.slice(i, i + 5000)).execute();
    return result;
  });
}

const NONE = '';
const MIXED = '*';

/** The one customer holding all the ids, NONE when no id is known, MIXED otherwise. */
function ownerOf(ids: StoredIdentifier[], owners: Map<string, string>): string {
  const found = new Set(ids.map((s) => owners.get(keyOfStored(s)) ?? NONE));
  return found.size === 1 ? [...found][0] : MIXED;
}

/** The one customer holding the known ids when the others are unknown; null when none or several. */
function soleOwner(ids: StoredIdentifier[], owners: Map<string, string>): string | null {
  const found = new Set(ids.map((s) => owners.get(keyOfStored(s))).filter((c): c is string => c !== undefined));
  return found.size === 1 && ids.some((s) => !owners.has(keyOfStored(s))) ? [...found][0] : null;
}

/** How many ids of each limited type the customers hold. */
async function limitedCounts(tx: Ctx, workspaceId: string, customers: string[], rules: IdentityRules): Promise<Map<string, Map<string, number>>> {
  const types = rules.limited().map((r) => r.type);
  const counts = new Map<string, Map<string, number>>();
  if (types.length === 0 || customers.length === 0) return counts;
  for (let i = 0; i < customers.length; i += 5000) {
    const rows = await tx.db
      .selectFrom('identities')
      .select(['customer_id', 'type', (eb) => eb.fn.countAll<number>().as('n')])
      .where('workspace_id', '=', workspaceId)
      .where('customer_id', 'in', customers.slice(i, i + 5000))
      .where('type', 'in', types)
      .groupBy(['customer_id', 'type'])
      .execute();
    for (const r of rows) {
      const own = counts.get(r.customer_id) ?? new Map<string, number>();
      own.set(r.type, Number(r.n));
      counts.set(r.customer_id, own);
    }
  }
  return counts;
}

async function owners(tx: Ctx, workspaceId: string, ids: StoredIdentifier[]): Promise<Map<string, string>> {
  const found = new Map<string, string>();
  for (let i = 0; i < ids.length; i += 5000) for (const [k, v] of await ownersOf(tx, workspaceId, ids.slice(i, i + 5000))) found.set(k, v);
  return found;
}

function uniqueIdentifying(identifiers: readonly Identifier[], rules: IdentityRules): Identifier[] {
  return [...new Map(identifiers.filter((id) => rules.get(id.type).identifying).map((id) => [storedKey(id), id])).values()];
}

function distinct(ids: StoredIdentifier[]): StoredIdentifier[] {
  return [...new Map(ids.map((s) => [keyOfStored(s), s])).values()];
}

/** Indexes of the sets, grouped so that sets sharing an identifier are in one group (union-find). */
function groupBySharedIdentifier(sealed: StoredIdentifier[][]): number[][] {
  const parent = sealed.map((_, i) => i);
  const find = (i: number): number => (parent[i] === i ? i : (parent[i] = find(parent[i])));
  const firstSet = new Map<string, number>();
  sealed.forEach((ids, i) => {
    for (const s of ids) {
      const j = firstSet.get(keyOfStored(s));
      if (j === undefined) firstSet.set(keyOfStored(s), i);
      else parent[find(i)] = find(j);
    }
  });
  const groups = new Map<number, number[]>();
  sealed.forEach((_, i) => {
    const root = find(i);
    const group = groups.get(root);
    if (group) group.push(i);
    else groups.set(root, [i]);
  });
  return [...groups.values()];
}

function withinLimits(ids: StoredIdentifier[], rules: IdentityRules): boolean {
  return rules.limited().every((r) => ids.filter((s) => s.id.type === r.type).length <= r.maxPerCustomer!);
}
