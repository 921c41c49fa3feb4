import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { systemActor } from '../../src/audit/index.js';
import { orderStats, rootCustomer, updateProfiles } from '../../src/customers/index.js';
import {
  type Identifier,
  inTransaction,
  loadIdentityRules,
  normalizeIdentifier,
  pushAliases,
  remappedCustomer,
  resolve,
  resolveMany,
  setIdentityRules,
  unmerge,
} from '../../src/identity/index.js';
import type { StateDB } from '../../src/store/index.js';
import { seedWorkspace } from '../support/app.js';
import { insertOrder } from '../support/events.js';
import { storeKind, TEST_DATABASE_URL, type TestCtx, testStores } from '../support/stores.js';

let ctx: TestCtx;
let ws: string;
const at = new Date('2026-06-01T00:00:00Z');
const id = (type: string, value: string, collection = ''): Identifier => ({ type, value, collection });

beforeAll(async () => {
  ctx = await testStores();
  ws = (await seedWorkspace(ctx, 'oneid')).id;
});
afterAll(() => ctx?.close());

const liveCustomers = async () =>
  Number((await ctx.db.selectFrom('customers').select((eb) => eb.fn.countAll<number>().as('n')).where('workspace_id', '=', ws).where('merged_into', 'is', null).executeTakeFirstOrThrow()).n);
const ownerOf = async (type: string, value: string) =>
  (await ctx.db.selectFrom('identities').select('customer_id').where('workspace_id', '=', ws).where('type', '=', type).where('value', '=', value).executeTakeFirst())?.customer_id;

describe('resolve', () => {
  it('creates a customer once and finds it again by any of its identifiers', async () => {
    const first = await resolve(ctx, ws, [id('user_id', 'u1'), id('phone', '+8613800138001')], { at });
    expect(first).toMatchObject({ created: true, merged: [], conflicts: 0 });
    const again = await resolve(ctx, ws, [id('phone', '+8613800138001')], { at });
    expect(again).toMatchObject({ customerId: first.customerId, created: false });
  });

  it('stores phones and emails as a blind index plus ciphertext, never in clear', async () => {
    await resolve(ctx, ws, [id('user_id', 'u-pii'), id('email', 'li@example.cn')], { at });
    const rows = await ctx.db.selectFrom('identities').selectAll().where('workspace_id', '=', ws).where('type', 'in', ['phone', 'email']).execute();
    expect(rows.length).toBeGreaterThanOrEqual(2);
    for (const r of rows) {
      expect(r.value).not.toMatch(/@|\+86/);
      expect(ctx.secrets.decrypt(r.value_enc!)).toMatch(/@|\+86/);
    }
  });

  it('merges two customers linked by an event; the one behind the strongest identifier survives', async () => {
    const anon = await resolve(ctx, ws, [id('anonymous_id', 'a-merge')], { at });
    const member = await resolve(ctx, ws, [id('user_id', 'u-merge')], { at });
    const r = await resolve(ctx, ws, [id('anonymous_id', 'a-merge'), id('user_id', 'u-merge')], { at, messageId: 'msg-link' });
    expect(r).toMatchObject({ customerId: member.customerId, merged: [anon.customerId], conflicts: 0 });
    expect(await ownerOf('anonymous_id', 'a-merge')).toBe(member.customerId);
    expect(await rootCustomer(ctx.db, ws, anon.customerId)).toBe(member.customerId);
    const merge = await ctx.db.selectFrom('identity_merges').selectAll().where('workspace_id', '=', ws).where('merged_id', '=', anon.customerId).executeTakeFirstOrThrow();
    expect(merge).toMatchObject({ survivor_id: member.customerId, cause_type: 'anonymous_id', cause_value: 'a-merge', cause_message_id: 'msg-link', actor_type: 'system' });
  });

  it('refuses a merge that would give a customer two member ids, and records the conflict once', async () => {
    const c1 = await resolve(ctx, ws, [id('user_id', 'u-shared-1'), id('anonymous_id', 'shared-device')], { at });
    const c2 = await resolve(ctx, ws, [id('user_id', 'u-shared-2')], { at });
    const before = await liveCustomers();
    for (let i = 0; i < 2; i++) {
      const r = await resolve(ctx, ws, [id('user_id', 'u-shared-2'), id('anonymous_id', 'shared-device')], { at });
      expect(r).toMatchObject({ customerId: c2.customerId, merged: [], conflicts: 1 });
    }
    expect(await liveCustomers()).toBe(before);
    expect(await ownerOf('anonymous_id', 'shared-device')).toBe(c1.customerId);
    const conflicts = await ctx.db.selectFrom('identity_conflicts').selectAll().where('workspace_id', '=', ws).where('value', '=', 'shared-device').execute();
    expect(conflicts).toHaveLength(1);
    expect(conflicts[0]).toMatchObject({ customer_id: c2.customerId, other_customer_id: c1.customerId, reason: 'limit:user_id', occurrences: 2, status: 'open' });
  });

  it('does not attach a second phone, until the workspace lifts the limit', async () => {
    const c = await resolve(ctx, ws, [id('user_id', 'u-phones'), id('phone', '+8613900000001')], { at });
    expect((await resolve(ctx, ws, [id('user_id', 'u-phones'), id('phone', '+8613900000002')], { at })).conflicts).toBe(1);
    const phones = () => ctx.db.selectFrom('identities').select('value').where('workspace_id', '=', ws).where('customer_id', '=', c.customerId).where('type', '=', 'phone').execute();
    expect(await phones()).toHaveLength(1);
    await setIdentityRules(ctx, ws, [{ type: 'phone', identifying: true, priority: 80, maxPerCustomer: null }], { actor: systemActor });
    expect((await resolve(ctx, ws, [id('user_id', 'u-phones'), id('phone', '+8613900000002')], { at })).conflicts).toBe(0);
    expect(await phones()).toHaveLength(2);
    await setIdentityRules(ctx, ws, [{ type: 'phone', identifying: true, priority: 80, maxPerCustomer: 1 }], { actor: systemActor });
  });

  it('keeps non-identifying types out of the graph', async () => {
    await setIdentityRules(ctx, ws, [{ type: 'device_model', identifying: false, priority: 1, maxPerCustomer: null }], { actor: systemActor });
    const a = await resolve(ctx, ws, [id('anonymous_id', 'dm-1'), id('device_model', 'iPhone15')], { at });
    const b = await resolve(ctx, ws, [id('anonymous_id', 'dm-2'), id('device_model', 'iPhone15')], { at });
    expect(a.customerId).not.toBe(b.customerId);
    expect(await ownerOf('device_model', 'iPhone15')).toBeUndefined();
    await expect(setIdentityRules(ctx, ws, [{ type: 'user_id', identifying: false, priority: 1, maxPerCustomer: 1 }], { actor: systemActor })).rejects.toThrow(/always identifies/);
  });

  it('refuses empty, placeholder and absurd identifier values', () => {
    for (const [type, value] of [
      ['anonymous_id', ''],
      ['anonymous_id', '   '],
      ['anonymous_id', 'undefined'],
      ['user_id', 'null'],
      ['user_id', 'x'.repeat(201)],
      ['user_id', 'a\u0000b'],
      ['phone', '12345'],
      ['email', 'not-an-email'],
    ]) {
      expect(normalizeIdentifier(type, value)).toHaveProperty('error');
    }
    expect(normalizeIdentifier('phone', '138 0013 8000')).toEqual({ type: 'phone', collection: '', value: '+8613800138000' });
    expect(normalizeIdentifier('email', ' Li@Example.CN ')).toEqual({ type: 'email', collection: '', value: 'li@example.cn' });
  });
});

describe('resolveMany', () => {
  it('settles known and brand-new people in bulk and leaves the rest to resolve()', async () => {
    const rules = await loadIdentityRules(ctx.db, ws);
    const known = await resolve(ctx, ws, [id('user_id', 'bulk-known'), id('anonymous_id', 'bulk-known-a'), id('anonymous_id', 'bulk-known-b'), id('anonymous_id', 'bulk-known-c')], { at });
    const other = await resolve(ctx, ws, [id('user_id', 'bulk-other')], { at });
    await resolve(ctx, ws, [id('user_id', 'bulk-third'), id('anonymous_id', 'bulk-other-a')], { at });
    const found = await resolveMany(
      ctx,
      ws,
      [
        { identifiers: [id('anonymous_id', 'bulk-known-a')], at },
        { identifiers: [id('anonymous_id', 'bulk-new-a'), id('user_id', 'bulk-new')], at: new Date('2026-06-02T00:00:00Z') },
        { identifiers: [id('anonymous_id', 'bulk-new-a'), id('phone', '+8613512345678')], at: new Date('2026-06-03T00:00:00Z') },
        { identifiers: [id('user_id', 'bulk-other'), id('anonymous_id', 'bulk-known-b')], at }, // two customers: a merge
        { identifiers: [id('user_id', 'bulk-x'), id('user_id', 'bulk-y')], at }, // two member ids for one new person
        { identifiers: [id('anonymous_id', 'bulk-known-c'), id('anonymous_id', 'bulk-fresh')], at }, // a new id next to a known one: attached
        { identifiers: [id('anonymous_id', 'bulk-other-a'), id('user_id', 'bulk-second')], at }, // a second member id: over the limit
      ],
      rules,
    );
    expect(found[0]).toBe(known.customerId);
    expect(found[1]).toBeTruthy();
    expect(found[2]).toBe(found[1]);
    expect(found.slice(3)).toEqual([null, null, known.customerId, null]);
    expect(await ownerOf('phone', ctx.secrets.blindIndex('phone', '+8613512345678'))).toBe(found[1]);
    const created = await ctx.db.selectFrom('customers').selectAll().where('workspace_id', '=', ws).where('id', '=', found[1]!).executeTakeFirstOrThrow();
    expect(created).toMatchObject({ first_seen_at: new Date('2026-06-02T00:00:00Z'), last_seen_at: new Date('2026-06-03T00:00:00Z') });
    expect(other.customerId).not.toBe(known.customerId);
    expect(await ownerOf('user_id', 'bulk-x')).toBeUndefined();
    expect(await ownerOf('anonymous_id', 'bulk-fresh')).toBe(known.customerId);
    expect(await ownerOf('user_id', 'bulk-second')).toBeUndefined();
    // Sets sharing an id are one person: one unsettled set leaves its whole group to resolve().
    const grouped = await resolveMany(ctx, ws, [{ identifiers: [id('anonymous_id', 'bulk-known-a')], at }, { identifiers: [id('anonymous_id', 'bulk-known-a'), id('user_id', 'bulk-other')], at }], rules);
    expect(grouped).toEqual([null, null]);
  });
});

describe("the identity graph's workspace", () => {
  it('refuses customers and identities of an unknown workspace, keeps rows in theirs, and goes with a deleted workspace', async () => {
    const doomed = (await seedWorkspace(ctx, 'oneid-doomed')).id;
    const rules = await loadIdentityRules(ctx.db, doomed);
    const [customer] = await resolveMany(ctx, doomed, [{ identifiers: [id('user_id', 'doomed-u'), id('phone', '+8613700000001')], at }], rules);
    expect(customer).toBeTruthy();

    const nowhere = '01900000-0000-7000-8000-00000000dead';
    await expect(resolveMany(ctx, nowhere, [{ identifiers: [id('user_id', 'nowhere-u')], at }], rules)).rejects.toMatchObject({ code: '23503' });
    const stray = (t: 'customers' | 'identities') => ctx.db.selectFrom(t).select((eb) => eb.fn.countAll<number>().as('n')).where('workspace_id', '=', nowhere).executeTakeFirstOrThrow();
    expect(Number((await stray('customers')).n) + Number((await stray('identities')).n)).toBe(0);
    await expect(ctx.db.updateTable('identities').set({ workspace_id: ws }).where('workspace_id', '=', doomed).execute()).rejects.toMatchObject({ code: '23503' });
    await expect(ctx.db.updateTable('customers').set({ workspace_id: ws }).where('workspace_id', '=', doomed).execute()).rejects.toMatchObject({ code: '23503' });
    // Other columns still update as before.
    await ctx.db.updateTable('customers').set({ city: '杭州' }).where('workspace_id', '=', doomed).execute();

    await ctx.db.deleteFrom('workspaces').where('id', '=', doomed).execute();
    const left = (t: 'customers' | 'identities') => ctx.db.selectFrom(t).select((eb) => eb.fn.countAll<number>().as('n')).where('workspace_id', '=', doomed).executeTakeFirstOrThrow();
    expect(Number((await left('customers')).n)).toBe(0);
    expect(Number((await left('identities')).n)).toBe(0);
    expect(await liveCustomers()).toBeGreaterThan(0); // other workspaces keep theirs
  });
});

describe("the identity graph's workspace, under concurrency", () => {
  it.runIf(storeKind === 'postgres')('keeps a workspace from being deleted while a transaction inserts into its graph', async () => {
    const held = (await seedWorkspace(ctx, 'oneid-held')).id;
    const rules = await loadIdentityRules(ctx.db, held);
    const other = await secondPool();
    try {
      let release!: () => void;
      const released = new Promise<void>((r) => (release = r));
      let inserted!: () => void;
      const insertedYet = new Promise<void>((r) => (inserted = r));
      const writer = inTransaction(ctx, async (tx) => {
        await resolveMany(tx, held, [{ identifiers: [id('user_id', 'held-u')], at }], rules);
        inserted();
        await released;
      });
      await insertedYet;
      const deleting = other.transaction().execute(async (trx) => {
        await sql`SET LOCAL lock_timeout = '300ms'`.execute(trx);
        await trx.deleteFrom('workspaces').where('id', '=', held).execute();
      });
      await expect(deleting).rejects.toMatchObject({ code: '55P03' }); // lock_not_available: the insert holds it
      release();
      await writer;
      await other.deleteFrom('workspaces').where('id', '=', held).execute();
      const left = await ctx.db.selectFrom('identities').select('value').where('workspace_id', '=', held).execute();
      expect(left).toEqual([]);
    } finally {
      await other.destroy();
    }
  });
});

describe('resolveMany in large chunks', () => {
  const person = (prefix: string, i: number) => [id('user_id', `${prefix}-u${i}`), id('phone', `+86136${String(i).padStart(8, '0')}`), id('wechat_unionid', `${prefix}-w${i}`, 'users')];

  it('takes a bounded number of locks on PostgreSQL (none on PGlite) and stores the ids sealed', async () => {
    const rules = await loadIdentityRules(ctx.db, ws);
    const sets = Array.from({ length: 6000 }, (_, i) => ({ identifiers: person('big', i), at }));
    const { found, locks } = await inTransaction(ctx, async (tx) => {
      const found = await resolveMany(tx, ws, sets, rules);
      const { rows } = await sql<{ n: number }>`SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid()`.execute(tx.db);
      return { found, locks: rows[0].n };
    });
    expect(locks).toBe(storeKind === 'postgres' ? 1 : 0); // 18,000 ids: the workspace's graph as one lock
    expect(new Set(found).size).toBe(6000);
    expect(await ownerOf('user_id', 'big-u42')).toBe(found[42]);
    const phone = await ctx.db.selectFrom('identities').selectAll().where('workspace_id', '=', ws).where('type', '=', 'phone').where('value', '=', ctx.secrets.blindIndex('phone', '+8613600000042')).executeTakeFirstOrThrow();
    expect(phone.customer_id).toBe(found[42]);
    expect(ctx.secrets.decrypt(phone.value_enc!)).toBe('+8613600000042');
    expect(await resolveMany(ctx, ws, sets, rules)).toEqual(found);
  });

  it('bounds the locks of a transaction that links many people one by one', async () => {
    const locks = await inTransaction(ctx, async (tx) => {
      for (let i = 0; i < 250; i++) await resolve(tx, ws, person('many', 200_000 + i), { at });
      const { rows } = await sql<{ n: number }>`SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid()`.execute(tx.db);
      return rows[0].n;
    });
    // 750 identifiers: past 512 keys the workspace's graph is held as one lock instead.
    if (storeKind === 'postgres') expect(locks).toBeLessThanOrEqual(513);
    else expect(locks).toBe(0);
    expect(await ownerOf('user_id', 'many-u200249')).toBeTruthy();
  });

  it('ends with one customer per person when bulk chunks and single links race from separate pools', async () => {
    const other = storeKind === 'postgres' ? await secondPool() : null;
    const ctx2 = other ? { ...ctx, db: other } : ctx;
    try {
      const rules = await loadIdentityRules(ctx.db, ws);
      const people = Array.from({ length: 400 }, (_, i) => person('bulkrace', 100_000 + i));
      const chunk = (from: number, to: number) => people.slice(from, to).map((identifiers) => ({ identifiers, at }));
      await Promise.all([
        resolveMany(ctx, ws, chunk(0, 300), rules), // 900 ids: locks the whole graph
        resolveMany(ctx2, ws, chunk(100, 400), rules),
        resolveMany(ctx, ws, chunk(250, 300), rules), // 150 ids: locks them one by one
        ...people.slice(150, 200).map((p) => resolve(ctx2, ws, [p[1], p[0]], { at })),
      ]);
      for (const p of people) {
        const owners = await Promise.all(p.map((i) => ownerOf(i.type, i.type === 'phone' ? ctx.secrets.blindIndex('phone', i.value) : i.value)));
        expect(new Set(owners).size).toBe(1);
        expect(owners[0]).toBeTruthy();
        expect(await rootCustomer(ctx.db, ws, owners[0]!)).toBe(owners[0]);
      }
    } finally {
      await other?.destroy();
    }
  });
});

describe('history after merges', () => {
  it('counts the orders of merged customers under the survivor, and gives them back on unmerge', async () => {
    const a = await resolve(ctx, ws, [id('anonymous_id', 'h-a')], { at });
    const b = await resolve(ctx, ws, [id('user_id', 'h-b')], { at });
    await updateProfiles(ctx, ws, new Map([[a.customerId, [{ at: new Date('2026-05-02T00:00:00Z'), traits: { city: '杭州', name: '王小二', skin: 'dry' } }]]]));
    await updateProfiles(ctx, ws, new Map([[b.customerId, [{ at: new Date('2026-05-01T00:00:00Z'), traits: { city: '北京' } }]]]));
    await insertOrder(ctx, ws, { orderId: 'h-o1', customerId: a.customerId, at: '2026-05-03T00:00:00Z', totalFen: 1000 });
    await insertOrder(ctx, ws, { orderId: 'h-o2', customerId: b.customerId, at: '2026-05-04T00:00:00Z', totalFen: 2500 });

    const r = await resolve(ctx, ws, [id('anonymous_id', 'h-a'), id('user_id', 'h-b')], { at });
    expect(r.merged).toEqual([a.customerId]);
    expect((await orderStats(ctx, ws, [b.customerId])).get(b.customerId)).toMatchObject({ ordersCount: 2, totalSpentFen: 3500 });
    const survivor = await ctx.db.selectFrom('customers').selectAll().where('workspace_id', '=', ws).where('id', '=', b.customerId).executeTakeFirstOrThrow();
    expect(survivor.city).toBe('杭州'); // the newer value wins
    expect(survivor.traits).toMatchObject({ skin: 'dry' });
    expect(ctx.secrets.decrypt(survivor.name_enc!)).toBe('王小二');

    await pushAliases(ctx);
    expect(await buyers([a.customerId, b.customerId])).toBe(1);

    const merge = await ctx.db.selectFrom('identity_merges').select('id').where('workspace_id', '=', ws).where('merged_id', '=', a.customerId).executeTakeFirstOrThrow();
    await unmerge(ctx, ws, merge.id, { actor: systemActor });
    expect(await rootCustomer(ctx.db, ws, a.customerId)).toBe(a.customerId);
    expect(await ownerOf('anonymous_id', 'h-a')).toBe(a.customerId);
    expect((await orderStats(ctx, ws, [b.customerId])).get(b.customerId)).toMatchObject({ ordersCount: 1, totalSpentFen: 2500 });
    expect(await buyers([a.customerId, b.customerId])).toBe(2);
    const restored = await ctx.db.selectFrom('customers').selectAll().where('workspace_id', '=', ws).where('id', '=', b.customerId).executeTakeFirstOrThrow();
    expect(restored.city).toBe('北京');
    expect(restored.name_enc).toBeNull();
    expect(restored.traits).not.toHaveProperty('skin');
    await expect(unmerge(ctx, ws, merge.id, { actor: systemActor })).rejects.toMatchObject({ status: 409 });
  });

  it('follows chains: a customer merged into one that is merged later belongs to the last survivor', async () => {
    const a = await resolve(ctx, ws, [id('anonymous_id', 'chain-a')], { at });
    const b = await resolve(ctx, ws, [id('anonymous_id', 'chain-b'), id('anonymous_id', 'chain-a')], { at });
    expect(b.merged).toEqual([]); // same customer: chain-b attached to a
    const c = await resolve(ctx, ws, [id('wechat_openid', 'chain-o', 'wx-app')], { at });
    const d = await resolve(ctx, ws, [id('user_id', 'chain-u')], { at });
    await resolve(ctx, ws, [id('wechat_openid', 'chain-o', 'wx-app'), id('anonymous_id', 'chain-b')], { at });
    await resolve(ctx, ws, [id('user_id', 'chain-u'), id('wechat_openid', 'chain-o', 'wx-app')], { at });
    const root = await rootCustomer(ctx.db, ws, a.customerId);
    expect(root).toBe(d.customerId);
    expect(await rootCustomer(ctx.db, ws, c.customerId)).toBe(d.customerId);
    await insertOrder(ctx, ws, { orderId: 'chain-o1', customerId: a.customerId, at: '2026-05-05T00:00:00Z', totalFen: 100 });
    await insertOrder(ctx, ws, { orderId: 'chain-o2', customerId: c.customerId, at: '2026-05-05T00:00:00Z', totalFen: 100 });
    await pushAliases(ctx);
    expect(await buyers([a.customerId, c.customerId, d.customerId])).toBe(1);
  });
});

/** Distinct buyers among the given original customer ids, counted through the events-store remap. */
async function buyers(ids: string[]): Promise<number> {
  const remap = remappedCustomer(ctx.events, 'o.customer_id');
  const [row] = await ctx.events.query<{ n: number }>(
    `SELECT uniqExact(${remap.customer}) AS n FROM ${ctx.events.table('orders')} AS o FINAL ${remap.join}
     WHERE o.workspace_id = {ws:UUID} AND o.customer_id IN {ids:Array(UUID)}`,
    { ws, ids },
  );
  return Number(row.n);
}

describe('concurrent linking', () => {
  it('ends with one customer per person when separate connection pools race over the same identifiers', async () => {
    // On PostgreSQL a second pool is a second set of sessions, as a second process would have.
    const other = storeKind === 'postgres' ? await secondPool() : null;
    const ctx2 = other ? { ...ctx, db: other } : ctx;
    try {
      const people = Array.from({ length: 25 }, (_, i) => ({
        user: id('user_id', `race-u${i}`),
        anon: id('anonymous_id', `race-a${i}`),
        phone: id('phone', `+86137${String(i).padStart(8, '0')}`),
        openid: id('wechat_openid', `race-o${i}`, 'wx-mp'),
      }));
      await Promise.all(
        people.flatMap((p) => [
          resolve(ctx, ws, [p.anon, p.openid], { at }),
          resolve(ctx2, ws, [p.phone, p.anon], { at }),
          resolve(ctx, ws, [p.openid, p.user], { at }),
          resolve(ctx2, ws, [p.user, p.phone], { at }),
        ]),
      );
      for (const p of people) {
        const owners = await Promise.all([p.user, p.anon, p.openid].map((i) => ownerOf(i.type, i.value)));
        expect(new Set(owners).size).toBe(1);
        expect(await rootCustomer(ctx.db, ws, owners[0]!)).toBe(owners[0]);
      }
      const conflicts = await ctx.db.selectFrom('identity_conflicts').select('id').where('workspace_id', '=', ws).where('value', 'like', 'race-%').execute();
      expect(conflicts).toEqual([]);
    } finally {
      await other?.destroy();
    }
  });
});

async function secondPool(): Promise<Kysely<StateDB>> {
  const { rows } = await sql<{ db: string }>`select current_database() as db`.execute(ctx.db);
  const url = new URL(TEST_DATABASE_URL);
  url.pathname = `/${rows[0].db}`;
  return new Kysely<StateDB>({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: url.toString(), max: 10 }) }) });
}
