import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeCustomers } from '../../src/customers/index.js';
import { apiKey, bearer, customer, seedWorkspace, type TestApp, testApp } from '../support/app.js';
import { insertOrder } from '../support/events.js';

let t: TestApp;
let ws: { id: string };
let admin: string;
const zhang = customer({
  name: '张小凡',
  phone: '13812345678',
  email: 'Xiaofan@Example.com',
  city: '上海',
  traits: { skin_type: '油皮', name: 'should not be kept in clear' },
  identifiers: [
    { type: 'user_id', value: 'M10001' },
    { type: 'wechat_unionid', value: 'oUnion_zhang' },
    { type: 'wechat_openid', value: 'oMp_zhang', collection: 'wx_mp_app' },
    { type: 'phone', value: '13812345678' },
  ],
});

beforeAll(async () => {
  t = await testApp();
  ws = await seedWorkspace(t.ctx, 'cust');
  admin = await apiKey(t.ctx, ws.id, 'admin');
  const others = Array.from({ length: 45 }, (_, i) => customer({ name: `李${String.fromCharCode(0x4e00 + i)}`, phone: `139000000${String(i).padStart(2, '0')}` }));
  await writeCustomers(t.ctx, ws.id, [zhang, ...others]);
  await insertOrder(t.ctx, ws.id, { orderId: 'A1', customerId: zhang.id, at: '2026-06-01T02:00:00Z', totalFen: 19900, products: [{ sku: 'LIP-01', name: '丝绒口红', quantity: 1, priceFen: 19900 }] });
  await insertOrder(t.ctx, ws.id, { orderId: 'A2', customerId: zhang.id, at: '2026-06-05T02:00:00Z', totalFen: 9900 });
  await insertOrder(t.ctx, ws.id, { orderId: 'A3', customerId: zhang.id, at: '2026-06-07T02:00:00Z', totalFen: 5000, status: 'refunded' });
});
afterAll(() => t?.close());

const list = async (query: string) => (await t.app.inject({ url: `/api/customers?${query}`, headers: bearer(admin) })).json();

describe('customer storage', () => {
  it('keeps personal data only as ciphertext', async () => {
    const raw = await sql<Record<string, unknown>>`select * from customers where id = ${zhang.id}`.execute(t.ctx.db);
    const text = JSON.stringify(raw.rows);
    for (const clear of ['张小凡', '13812345678', 'xiaofan@example.com', 'should not be kept']) expect(text).not.toContain(clear);
    const ids = JSON.stringify((await sql`select * from identities where customer_id = ${zhang.id}`.execute(t.ctx.db)).rows);
    expect(ids).not.toContain('13812345678');
    expect(ids).toContain('oUnion_zhang');
  });

  it('writing the same customers again adds nothing', async () => {
    const before = await t.ctx.db.selectFrom('customers').select((eb) => eb.fn.countAll<number>().as('n')).where('workspace_id', '=', ws.id).executeTakeFirstOrThrow();
    expect(await writeCustomers(t.ctx, ws.id, [zhang])).toBe(0);
    const after = await t.ctx.db.selectFrom('customers').select((eb) => eb.fn.countAll<number>().as('n')).where('workspace_id', '=', ws.id).executeTakeFirstOrThrow();
    expect(Number(after.n)).toBe(Number(before.n));
  });
});

describe('customer list', () => {
  it('pages with a cursor through every customer exactly once, newest first', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { items: { id: string }[]; nextCursor: string | null } = await list(`limit=20${cursor ? `&cursor=${cursor}` : ''}`);
      seen.push(...page.items.map((c) => c.id));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toHaveLength(46);
    expect(new Set(seen).size).toBe(46);
    expect([...seen].sort().reverse()).toEqual(seen);
  });

  it.each([
    ['full name', '张小凡'],
    ['part of the name', '小凡'],
    ['phone in any format', '138-1234-5678'],
    ['last four digits', '5678'],
    ['email, any case', 'XIAOFAN@example.com'],
    ['member id', 'M10001'],
    ['unionid', 'oUnion_zhang'],
    ['customer id', zhang.id],
  ])('finds a customer by %s', async (_label, q) => {
    const page = await list(`q=${encodeURIComponent(q)}`);
    expect(page.items.map((c: { id: string }) => c.id)).toEqual([zhang.id]);
  });

  it('finds nothing for a name that is not there, and rejects a bad cursor', async () => {
    expect((await list(`q=${encodeURIComponent('王')}`)).items).toEqual([]);
    const bad = await t.app.inject({ url: '/api/customers?cursor=abc', headers: bearer(admin) });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().errors[0].path).toBe('cursor');
  });
});

describe('customer detail', () => {
  it('shows profile, identifiers, order stats after refunds and recent orders', async () => {
    const res = await t.app.inject({ url: `/api/customers/${zhang.id}`, headers: bearer(admin) });
    expect(res.statusCode).toBe(200);
    const c = res.json();
    expect(c).toMatchObject({ name: '张小凡', phone: '+8613812345678', email: 'xiaofan@example.com', city: '上海', traits: { skin_type: '油皮' } });
    expect(c.traits.name).toBeUndefined();
    expect(c.identifiers).toEqual(
      expect.arrayContaining([
        { type: 'user_id', value: 'M10001' },
        { type: 'wechat_openid', value: 'oMp_zhang', collection: 'wx_mp_app' },
        { type: 'phone', value: '+8613812345678' },
      ]),
    );
    expect(c.stats).toEqual({ ordersCount: 2, totalSpentFen: 19900 + 9900, aovFen: 14900, lastOrderAt: '2026-06-07T02:00:00.000Z' });
    expect(c.orders.map((o: { orderId: string }) => o.orderId)).toEqual(['A3', 'A2', 'A1']);
    expect(c.orders[2].products[0]).toMatchObject({ sku: 'LIP-01', quantity: 1, priceFen: 19900 });
  });

  it('masks identifiers too for a viewer, and 404s unknown ids', async () => {
    const viewer = await apiKey(t.ctx, ws.id, 'viewer');
    const c = (await t.app.inject({ url: `/api/customers/${zhang.id}`, headers: bearer(viewer) })).json();
    expect(c.phone).toBe('138****5678');
    expect(c.identifiers).toContainEqual({ type: 'phone', value: '138****5678' });
    expect((await t.app.inject({ url: '/api/customers/0190a0b0-0000-7000-8000-000000000009', headers: bearer(admin) })).statusCode).toBe(404);
    expect((await t.app.inject({ url: '/api/customers/not-a-uuid', headers: bearer(admin) })).statusCode).toBe(404);
  });
});
