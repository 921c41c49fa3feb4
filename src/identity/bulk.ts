import { setImmediate } from 'node:timers/promises';
import { type RawBuilder, sql } from 'kysely';
import { newId } from '../core/index.js';
import { type Activity, activityOf } from '../customers/index.js';
import type { Ctx } from '../store/index.js';
import { textColumn } from './columns.js';
import { type Identifier, identifierCiphertext, lookupValue, storedKey } from './identifiers.js';
import { inTransaction, isExclusive, lockAll, lockScope, MAX_KEYS } from './locks.js';
import { customerLock } from './merge.js';
import { identityLock } from './resolve.js';
import type { IdentityRules } from './rules.js';

export interface IdentifierSet {
  identifiers: readonly Identifier[];
  at: Date;
  /** The marketing channel of the event (utm_source, live-code state): a customer created from it starts with it. */
  channel?: string | null;
}

/** A customer resolveMany created, with the activity it was stored with. */
export type CreatedCustomer = Activity & { id: string };

/** An identifier as it is looked up: the stored value (a blind index for personal ones), no ciphertext yet. */
interface Keyed {
  id: Identifier;
  value: string;
  key: string;
}

/**
 * Resolves many identifier sets with a handful of statements in the three common cases: every id
 * of a person already belongs to one customer; none is known yet (a first visit, most rows of an
 * import); or some belong to one customer and the others are new and fit its limits (a phone or
 * a new device next to a known member id), which are attached to it. Sets that share an
 * identifier are one person. Anything else — ids of several customers, new ids over a limit —
 * is left (null) for resolve(), which merges and records conflicts.
 *
 * Locks as resolve() does — identifiers before they are created, the customer before its ids are
 * trusted or added to — and reads the owners again under the locks. A chunk with more ids than a
 * transaction may lock one by one locks the workspace's whole graph first and reads once; so does
 * embedded PGlite, where a transaction has the database to itself.
 */
export async function resolveMany(ctx: Ctx, workspaceId: string, sets: readonly IdentifierSet[], rules: IdentityRules, created?: CreatedCustomer[]): Promise<(string | null)[]> {
  return inTransaction(ctx, async (tx) => {
    const keyed = sets.map((s) => identifying(tx, s.identifiers, rules));
    const people = groupBySharedIdentifier(keyed).map((members) => ({ members, ids: members.length === 1 ? keyed[members[0]] : distinct(members.flatMap((i) => keyed[i])) }));
    const everyId = people.flatMap((p) => p.ids); // a person's ids are nobody else's
    const whole = everyId.length > MAX_KEYS;
    if (whole) await lockScope(tx.db, workspaceId);
    const before = await owners(tx, workspaceId, everyId);
    const classified = people.map((p) => ({ ...p, owner: ownerOf(p.ids, before) }));
    const fresh = classified.filter((p) => p.ids.length > 0 && p.owner === NONE && withinLimits(p.ids, rules));
    const known = classified.filter((p) => p.owner !== NONE && p.owner !== MIXED);
    const partial = classified
      .filter((p) => p.owner === MIXED && withinLimits(p.ids, rules))
      .flatMap((p) => {
        const customer = soleOwner(p.ids, before);
        return customer === null ? [] : [{ ...p, customer, fresh: p.ids.filter((s) => !before.has(s.key)) }];
      });
    let after = before;
    if (!whole && !(await isExclusive(tx.db))) {
      await lockAll(tx.db, [...fresh.flatMap((p) => p.ids), ...partial.flatMap((p) => p.fresh)].map((s) => identityLock(workspaceId, { id: s.id, value: s.value, valueEnc: null })), workspaceId);
      await lockAll(tx.db, [...known.map((p) => p.owner), ...partial.map((p) => p.customer)].map((c) => customerLock(workspaceId, c)), workspaceId);
      after = await owners(tx, workspaceId, [...fresh, ...known, ...partial].flatMap((p) => p.ids));
    }

    const result: (string | null)[] = sets.map(() => null);
    for (const p of known) {
      if (ownerOf(p.ids, after) === p.owner) for (const i of p.members) result[i] = p.owner;
    }
    const customers: CreatedCustomer[] = [];
    const identities: { s: Keyed; customer: string }[] = [];
    // New ids next to one known customer: attached when nothing moved meanwhile and every one
    // fits the customer's limits (counted under its lock); otherwise resolve() decides.
    const counts = await limitedCounts(tx, workspaceId, [...new Set(partial.map((p) => p.customer))], rules);
    for (const p of partial) {
      if (soleOwner(p.ids, after) !== p.customer || p.fresh.some((s) => after.has(s.key))) continue;
      const own = counts.get(p.customer) ?? new Map<string, number>();
      const adding = new Map<string, number>();
      for (const s of p.fresh) adding.set(s.id.type, (adding.get(s.id.type) ?? 0) + 1);
      if (rules.limited().some((r) => (own.get(r.type) ?? 0) + (adding.get(r.type) ?? 0) > r.maxPerCustomer!)) continue;
      for (const [type, n] of adding) own.set(type, (own.get(type) ?? 0) + n);
      counts.set(p.customer, own);
      for (const s of p.fresh) identities.push({ s, customer: p.customer });
      for (const i of p.members) result[i] = p.customer;
    }
    for (const p of fresh) {
      if (ownerOf(p.ids, after) !== NONE) continue; // another worker created one of these meanwhile
      const id = newId(tx.clock);
      customers.push({ id, ...activityOf(p.members.map((i) => sets[i])) });
      for (const s of p.ids) identities.push({ s, customer: id });
      for (const i of p.members) result[i] = id;
    }
    // On a PostgreSQL server the customers go in while the identities' statement (ciphertexts
    // included) is built here: the next macrotask starts after the first statement has been sent.
    const [, storeIdentities] = await Promise.all([insertCustomers(tx, workspaceId, customers), setImmediate().then(() => identitiesInsert(tx, workspaceId, identities))]);
    await storeIdentities?.execute(tx.db);
    created?.push(...customers);
    return result;
  });
}

const NONE = '';
const MIXED = '*';

/** The set's identifying ids, each once, keyed as stored. */
function identifying(tx: Ctx, identifiers: readonly Identifier[], rules: IdentityRules): Keyed[] {
  const out: Keyed[] = [];
  for (const id of identifiers) {
    if (!rules.get(id.type).identifying) continue;
    const value = lookupValue(tx.secrets, id);
    const key = storedKey({ type: id.type, collection: id.collection, value });
    if (!out.some((s) => s.key === key)) out.push({ id, value, key });
  }
  return out;
}

/** The one customer holding all the ids, NONE when no id is known, MIXED otherwise. */
function ownerOf(ids: Keyed[], owners: Map<string, string>): string {
  let found: string | undefined;
  for (const s of ids) {
    const owner = owners.get(s.key) ?? NONE;
    if (found === undefined) found = owner;
    else if (found !== owner) return MIXED;
  }
  return found ?? NONE;
}

/** The one customer holding the known ids when the others are unknown; null when none or several. */
function soleOwner(ids: Keyed[], owners: Map<string, string>): string | null {
  const found = new Set(ids.map((s) => owners.get(s.key)).filter((c): c is string => c !== undefined));
  return found.size === 1 && ids.some((s) => !owners.has(s.key)) ? [...found][0] : null;
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

/**
 * The customer holding each identifier (by key), in one statement however many there are. One
 * primary-key probe per identifier (a LATERAL with LIMIT 1 is not flattened into a join, which
 * would scan every identity of the workspace), and the owners come back as one string of
 * `position customer` pairs: decoding one row per id costs more than the probes on PGlite.
 */
async function owners(tx: Ctx, workspaceId: string, ids: Keyed[]): Promise<Map<string, string>> {
  const found = new Map<string, string>();
  if (ids.length === 0) return found;
  const { rows } = await sql<{ owners: string | null }>`
    SELECT string_agg(k.n || ' ' || i.customer_id, ',') AS owners
    FROM unnest(${textColumn(ids.map((s) => s.id.type))}, ${textColumn(ids.map((s) => s.id.collection))}, ${textColumn(ids.map((s) => s.value))})
      WITH ORDINALITY AS k(type, collection, value, n)
    CROSS JOIN LATERAL (
      SELECT customer_id FROM identities
      WHERE workspace_id = ${workspaceId} AND type = k.type AND collection = k.collection AND value = k.value
      LIMIT 1) i`.execute(tx.db);
  for (const pair of rows[0].owners?.split(',') ?? []) {
    const space = pair.indexOf(' ');
    found.set(ids[Number(pair.slice(0, space)) - 1].key, pair.slice(space + 1));
  }
  return found;
}

async function insertCustomers(tx: Ctx, workspaceId: string, customers: CreatedCustomer[]): Promise<void> {
  if (customers.length === 0) return;
  const ms = (v: number | null) => (v === null ? '' : String(v));
  await sql`
    INSERT INTO customers (workspace_id, id, first_seen_at, last_seen_at, channel, channel_at, last_channel, last_channel_at, updated_at)
    SELECT ${workspaceId}, c.id::uuid, to_timestamp(c.first::float8 / 1000), to_timestamp(c.last::float8 / 1000),
      nullif(c.channel, ''), to_timestamp(nullif(c.channel_at, '')::float8 / 1000), nullif(c.last_channel, ''), to_timestamp(nullif(c.last_channel_at, '')::float8 / 1000), ${tx.clock.now()}
    FROM unnest(${textColumn(customers.map((c) => c.id))}, ${textColumn(customers.map((c) => String(c.firstSeen)))}, ${textColumn(customers.map((c) => String(c.lastSeen)))},
      ${textColumn(customers.map((c) => c.channel ?? ''))}, ${textColumn(customers.map((c) => ms(c.channelAt)))},
      ${textColumn(customers.map((c) => c.lastChannel ?? ''))}, ${textColumn(customers.map((c) => ms(c.lastChannelAt)))})
      AS c(id, first, last, channel, channel_at, last_channel, last_channel_at)`.execute(tx.db);
}

/** Personal values are encrypted only now, for the ids actually stored (known ones need only their blind index). */
function identitiesInsert(tx: Ctx, workspaceId: string, rows: { s: Keyed; customer: string }[]): RawBuilder<unknown> | null {
  if (rows.length === 0) return null;
  return sql`
    INSERT INTO identities (workspace_id, type, collection, value, value_enc, customer_id)
    SELECT ${workspaceId}, i.type, i.collection, i.value, nullif(i.enc, ''), i.customer::uuid
    FROM unnest(
      ${textColumn(rows.map((r) => r.s.id.type))}, ${textColumn(rows.map((r) => r.s.id.collection))}, ${textColumn(rows.map((r) => r.s.value))},
      ${textColumn(rows.map((r) => identifierCiphertext(tx.secrets, r.s.id) ?? ''))}, ${textColumn(rows.map((r) => r.customer))}
    ) AS i(type, collection, value, enc, customer)`;
}

function distinct(ids: Keyed[]): Keyed[] {
  return [...new Map(ids.map((s) => [s.key, s])).values()];
}

/** Indexes of the sets, grouped so that sets sharing an identifier are in one group (union-find). */
function groupBySharedIdentifier(keyed: Keyed[][]): number[][] {
  const parent = keyed.map((_, i) => i);
  const find = (i: number): number => (parent[i] === i ? i : (parent[i] = find(parent[i])));
  const firstSet = new Map<string, number>();
  keyed.forEach((ids, i) => {
    for (const s of ids) {
      const j = firstSet.get(s.key);
      if (j === undefined) firstSet.set(s.key, i);
      else parent[find(i)] = find(j);
    }
  });
  const groups = new Map<number, number[]>();
  keyed.forEach((_, i) => {
    const root = find(i);
    const group = groups.get(root);
    if (group) group.push(i);
    else groups.set(root, [i]);
  });
  return [...groups.values()];
}

function withinLimits(ids: Keyed[], rules: IdentityRules): boolean {
  return rules.limited().every((r) => ids.filter((s) => s.id.type === r.type).length <= r.maxPerCustomer!);
}
