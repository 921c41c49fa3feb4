import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { drainInbox } from '../../src/ingest/index.js';
import { apiKey, bearer, seedWorkspace, type TestApp, testApp } from '../support/app.js';
import { send, writeKey } from './support.js';

let t: TestApp;
let ws: string;
let key: string;
let admin: string;
let viewer: string;

beforeAll(async () => {
  t = await testApp();
  ws = (await seedWorkspace(t.ctx, 'profile')).id;
  key = await writeKey(t.ctx, ws);
  admin = await apiKey(t.ctx, ws, 'admin');
  viewer = await apiKey(t.ctx, ws, 'viewer');
});
afterAll(() => t?.close());

const api = (url: string, k = admin) => t.app.inject({ url, headers: bearer(k) });
async function ingest(batch: object[]) {
  const res = await send(t, key, '/v1/batch', { batch });
  expect(res.json().rejected).toEqual([]);
  await drainInbox(t.ctx);
}
const byUser = async (userId: string, k = admin) => (await api(`/api/customers/by-identifier/user_id/${userId}`, k)).json();

describe('orders', () => {
  it('de-duplicates by order_id, applies refunds once each, and counts net spend', async () => {
    const order = { type: 'track', userId: 'buyer-1', event: 'Order Completed', properties: { order_id: 'A-1', total: 300, discount: 30, currency: 'cny', products: [{ product_id: 'P1', name: '精华', price: 150, quantity: 2, category: '精华' }] } };
    await ingest([
      { ...order, messageId: 'oc-1', timestamp: '2026-06-10T02:00:00Z' },
      { ...order, messageId: 'oc-1-resent', timestamp: '2026-06-10T02:00:00Z' },
      { type: 'track', userId: 'buyer-1', event: 'Order Completed', messageId: 'oc-2', timestamp: '2026-06-11T02:00:00Z', properties: { order_id: 'A-2', revenue: '50.5' } },
    ]);
    const refund = { type: 'track', userId: 'buyer-1', event: 'Order Refunded', messageId: 'rf-1', timestamp: '2026-06-12T02:00:00Z', properties: { order_id: 'A-1', total: 100 } };
    await ingest([refund]);
    await ingest([{ ...refund, messageId: 'rf-1' }]); // a redelivery of the same refund
    expect((await byUser('buyer-1')).computed).toMatchObject({ ordersCount: 2, totalSpentFen: 30000 - 10000 + 5050, aovFen: Math.round(25050 / 2), lastOrderAt: '2026-06-11T02:00:00.000Z' });

    await ingest([{ ...refund, messageId: 'rf-2', properties: { order_id: 'A-2' } }]); // no amount: the whole order
    const c = await byUser('buyer-1');
    expect(c.computed).toMatchObject({ ordersCount: 1, totalSpentFen: 20000 });
    const orders = (await api(`/api/customers/${c.id}/timeline?event=Order%20Refunded`)).json().items.map((i: { order: object }) => i.order);
    expect(orders).toEqual([
      expect.objectContaining({ orderId: 'A-2', status: 'refunded', totalFen: 5050, refundedFen: 5050 }),
      expect.objectContaining({ orderId: 'A-1', status: 'completed', totalFen: 30000, discountFen: 3000, refundedFen: 10000, products: [{ sku: 'P1', name: '精华', category: '精华', quantity: 2, priceFen: 15000 }] }),
    ]);
  });

  it('handles a refund that arrives before its order', async () => {
    await ingest([{ type: 'track', userId: 'buyer-2', event: 'Order Refunded', messageId: 'early-rf', timestamp: '2026-06-12T03:00:00Z', properties: { order_id: 'B-1' } }]);
    expect((await byUser('buyer-2')).computed).toMatchObject({ ordersCount: 0, totalSpentFen: 0 });
    await ingest([{ type: 'track', userId: 'buyer-2', event: 'Order Completed', messageId: 'late-oc', timestamp: '2026-06-12T02:00:00Z', properties: { order_id: 'B-1', total: 88 } }]);
    expect((await byUser('buyer-2')).computed).toMatchObject({ ordersCount: 0, totalSpentFen: 0 });
  });

  it('refuses order events with missing ids or impossible amounts, naming the field', async () => {
    const res = await send(t, key, '/v1/batch', {
      batch: [
        { type: 'track', userId: 'u', event: 'Order Completed', properties: { total: 10 } },
        { type: 'track', userId: 'u', event: 'Order Completed', properties: { order_id: 'X', total: -5 } },
        { type: 'track', userId: 'u', event: 'Order Completed', properties: { order_id: 'X', total: 'lots' } },
        { type: 'track', userId: 'u', event: 'Order Completed', properties: { order_id: 'X', total: 1e12 } },
      ],
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().errors.map((e: { path: string }) => e.path)).toEqual(['batch.0.properties.order_id', 'batch.1.properties.total', 'batch.2.properties.total', 'batch.3.properties.total']);
  });
});

describe('traits and consent', () => {
  it('keeps the newest value by event time, whatever order events arrive in', async () => {
    await ingest([{ type: 'identify', userId: 'lww', timestamp: '2026-06-10T00:00:00Z', traits: { city: '上海', tier: 'gold', name: '新名字' } }]);
    await ingest([{ type: 'identify', userId: 'lww', timestamp: '2026-06-01T00:00:00Z', traits: { city: '南京', tier: 'silver', nickname: '小鱼', name: '旧名字' } }]);
    const c = await byUser('lww');
    expect(c.traits).toMatchObject({ city: '上海', tier: 'gold', nickname: '小鱼', name: '新名字' });
    await ingest([{ type: 'identify', userId: 'lww', timestamp: '2026-06-11T00:00:00Z', traits: { tier: null } }]);
    expect((await byUser('lww')).traits).not.toHaveProperty('tier');
  });

  it('keeps personal traits encrypted, masked for roles without pii:read, and out of the events store', async () => {
    await ingest([{ type: 'identify', userId: 'pii', messageId: 'pii-1', traits: { name: '欧阳娜娜', phone: '+86 139 1234 5678', email: 'Nana@Example.cn', address: { city: '成都', street: '春熙路 1 号' } } }]);
    const row = await t.ctx.db.selectFrom('customers').selectAll().where('workspace_id', '=', ws).where('id', '=', (await byUser('pii')).id).executeTakeFirstOrThrow();
    const stored = JSON.stringify(row);
    for (const clear of ['欧阳娜娜', '13912345678', 'nana@example.cn', '春熙路']) expect(stored).not.toContain(clear);
    expect(row.city).toBe('成都');
    expect((await byUser('pii')).traits).toMatchObject({ name: '欧阳娜娜', phone: '+8613912345678', email: 'nana@example.cn', address: { street: '春熙路 1 号' } });
    const masked = await byUser('pii', viewer);
    expect(masked.traits).toMatchObject({ name: '欧阳**', phone: '139****5678', email: 'n***@example.cn' });
    expect(masked.traits).not.toHaveProperty('address');
    expect(masked.identifiers).toContainEqual({ type: 'phone', value: '139****5678' });
    const [event] = await t.ctx.events.query<{ traits: string }>(`SELECT traits FROM ${t.ctx.events.table('events')} WHERE workspace_id = {ws:UUID} AND message_id = 'pii-1'`, { ws });
    expect(event.traits).toBe('{}');
  });

  it('records consent per channel by event time, and first and last channel from UTM', async () => {
    await ingest([
      { type: 'page', userId: 'utm', timestamp: '2026-06-02T00:00:00Z', context: { campaign: { source: 'douyin' } } },
      { type: 'page', userId: 'utm', timestamp: '2026-06-05T00:00:00Z', context: { campaign: { source: 'parcel_card' } } },
      { type: 'identify', userId: 'utm', timestamp: '2026-06-04T00:00:00Z', traits: { consent: { sms: true, wecom: true } } },
      { type: 'track', userId: 'utm', event: 'Unsubscribed', timestamp: '2026-06-06T00:00:00Z', context: { consent: { categoryPreferences: { sms: false } } } },
    ]);
    await ingest([{ type: 'page', userId: 'utm', timestamp: '2026-06-01T00:00:00Z', context: { campaign: { source: 'xiaohongshu' } } }]);
    const c = await byUser('utm');
    expect(c.computed).toMatchObject({ firstChannel: 'xiaohongshu', lastChannel: 'parcel_card', firstSeenAt: '2026-06-01T00:00:00.000Z', lastSeenAt: '2026-06-06T00:00:00.000Z' });
    expect(c.consent).toEqual({ sms: { granted: false, at: '2026-06-06T00:00:00.000Z' }, wecom: { granted: true, at: '2026-06-04T00:00:00.000Z' } });
    expect(c.traits).not.toHaveProperty('consent');
  });
});

describe('customer 360 API', () => {
  it('pages the timeline newest first and filters by event name', async () => {
    await ingest(Array.from({ length: 7 }, (_, i) => ({ type: 'track', userId: 'pager', event: i % 2 ? 'Product Viewed' : 'Product Added', messageId: `pg-${i}`, timestamp: `2026-06-0${i + 1}T00:00:00Z` })));
    const id = (await byUser('pager')).id;
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { items: { id: string }[]; nextCursor: string | null } = (await api(`/api/customers/${id}/timeline?limit=3${cursor ? `&cursor=${cursor}` : ''}`)).json();
      seen.push(...page.items.map((i) => i.id));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toEqual(['pg-6', 'pg-5', 'pg-4', 'pg-3', 'pg-2', 'pg-1', 'pg-0']);
    const viewed = (await api(`/api/customers/${id}/timeline?event=Product%20Viewed`)).json().items.map((i: { id: string }) => i.id);
    expect(viewed).toEqual(['pg-5', 'pg-3', 'pg-1']);
    expect((await api(`/api/customers/${id}/timeline?cursor=garbage`)).statusCode).toBe(400);
    expect((await api(`/api/customers/${'0'.repeat(8)}-0000-7000-8000-000000000000/timeline`)).statusCode).toBe(404);
  });

  it('finds customers by identifier, with clear answers for bad, unknown and ambiguous values', async () => {
    await ingest([
      { type: 'identify', userId: 'mp-1', context: { externalIds: [{ id: 'oSameOpenid', type: 'wechat_openid', collection: 'wx-mp' }] } },
      { type: 'identify', userId: 'mini-1', context: { externalIds: [{ id: 'oSameOpenid', type: 'wechat_openid', collection: 'wx-mini' }] } },
    ]);
    expect((await api('/api/customers/by-identifier/wechat_openid/oSameOpenid')).statusCode).toBe(409);
    expect((await api('/api/customers/by-identifier/wechat_openid/oSameOpenid?collection=wx-mini')).json().identifiers).toContainEqual({ type: 'user_id', value: 'mini-1' });
    expect((await api('/api/customers/by-identifier/user_id/nobody')).statusCode).toBe(404);
    expect((await api('/api/customers/by-identifier/phone/12345')).json()).toMatchObject({ status: 400, code: 'validation_failed' });
    expect((await api('/api/customers/by-identifier/Bad%20Type/x')).statusCode).toBe(400);
  });
});
