import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiKey, bearer, customer, seedCustomers, seedWorkspace, type TestApp, testApp } from '../support/app.js';
import { insertEvent, insertOrder } from '../support/events.js';

// The test clock stands at 2026-06-15 04:00 UTC = 12:00 in Asia/Shanghai.
let t: TestApp;
let key: string;

beforeAll(async () => {
  t = await testApp();
  const ws = await seedWorkspace(t.ctx, 'dash');
  const other = await seedWorkspace(t.ctx, 'other');
  key = await apiKey(t.ctx, ws.id, 'viewer');
  const [a, b] = await seedCustomers(t.ctx, ws.id, [customer({ name: '王五' }), customer({ name: '赵六' })]);
  await seedCustomers(t.ctx, other.id, [customer({ name: '别家' })]);
  await insertEvent(t.ctx, ws.id, { messageId: 'm1', customerId: a.id, event: 'Product Viewed', at: '2026-06-14T16:30:00Z' }); // 00:30 local today
  await insertEvent(t.ctx, ws.id, { messageId: 'm2', customerId: a.id, event: 'Product Viewed', at: '2026-06-14T15:59:00Z' }); // 23:59 local yesterday
  await insertEvent(t.ctx, other.id, { messageId: 'm3', customerId: a.id, event: 'Product Viewed', at: '2026-06-15T01:00:00Z' });
  await insertOrder(t.ctx, ws.id, { orderId: 'o-today', customerId: a.id, at: '2026-06-14T17:00:00Z', totalFen: 12900 });
  await insertOrder(t.ctx, ws.id, { orderId: 'o-refunded', customerId: b.id, at: '2026-06-10T02:00:00Z', totalFen: 5000, status: 'refunded' });
  await insertOrder(t.ctx, ws.id, { orderId: 'o-29-days', customerId: b.id, at: '2026-05-16T16:00:00Z', totalFen: 990 }); // 05-17 00:00 local
  await insertOrder(t.ctx, ws.id, { orderId: 'o-30-days', customerId: b.id, at: '2026-05-16T15:59:00Z', totalFen: 100000 }); // 05-16 local: outside
  await insertOrder(t.ctx, other.id, { orderId: 'o-other', customerId: a.id, at: '2026-06-15T01:00:00Z', totalFen: 777 });
});
afterAll(() => t?.close());

describe('dashboard', () => {
  it('counts customers, events since local midnight and 30 local days of orders', async () => {
    const res = await t.app.inject({ url: '/api/dashboard', headers: bearer(key) });
    expect(res.statusCode).toBe(200);
    const d = res.json();
    expect(d).toMatchObject({ timezone: 'Asia/Shanghai', customers: 2, eventsToday: 1, orders30d: 3, gmv30dFen: 12900 + 5000 + 990 });
    expect(d.aov30dFen).toBe(Math.round((12900 + 5000 + 990) / 3));
    expect(d.daily).toHaveLength(30);
    expect(d.daily[0]).toEqual({ date: '2026-05-17', orders: 1, gmvFen: 990 });
    expect(d.daily[29]).toEqual({ date: '2026-06-15', orders: 1, gmvFen: 12900 });
    expect(d.daily.find((x: { date: string }) => x.date === '2026-06-10')).toEqual({ date: '2026-06-10', orders: 1, gmvFen: 5000 });
  });

  it('a later version of an order replaces the earlier one', async () => {
    const ws = await t.ctx.db.selectFrom('workspaces').select('id').where('slug', '=', 'dash').executeTakeFirstOrThrow();
    const a = (await t.ctx.db.selectFrom('customers').select('id').where('workspace_id', '=', ws.id).executeTakeFirstOrThrow()).id;
    await t.ctx.events.insert('orders', [
      { workspace_id: ws.id, order_id: 'o-today', customer_id: a, status: 'completed', ordered_at: '2026-06-14 17:00:00.000', total_fen: 15900, discount_fen: 0, refunded_fen: 0, channel: 'mp', staff_userid: '', products: '[]', skus: [], categories: [], version: 2 },
    ]);
    const d = (await t.app.inject({ url: '/api/dashboard', headers: bearer(key) })).json();
    expect(d.orders30d).toBe(3);
    expect(d.daily[29].gmvFen).toBe(15900);
  });
});
