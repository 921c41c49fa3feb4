import { Analytics } from '@segment/analytics-node';
import RudderAnalytics from '@rudderstack/rudder-sdk-node';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { ManualClock } from '../../src/core/index.js';
import { startIngestWorker } from '../../src/ingest/index.js';
import { apiKey, bearer, seedWorkspace, type TestApp, testApp } from '../support/app.js';
import { writeKey } from './support.js';

// Done when: the official Segment Node client, pointed at Siyu, identifies a member with a unionid,
// tracks anonymous page views and an order on another device, aliases them, and the API shows one
// customer with every id, the merged timeline and the right order totals. RudderStack's Node SDK,
// pointed at Siyu as its data plane, works unchanged too (gzipped batches with a batch-level sentAt).
let t: TestApp;
let key: string;
let admin: string;
let rudderKey: string;
let rudderAdmin: string;
let host: string;
let stopWorker: () => Promise<void>;

beforeAll(async () => {
  t = await testApp({ config: { ingestThreads: 1 } }); // requests accepted on an intake thread, as in production
  const ws = await seedWorkspace(t.ctx, 'segment');
  key = await writeKey(t.ctx, ws.id);
  admin = await apiKey(t.ctx, ws.id, 'admin');
  const rudder = await seedWorkspace(t.ctx, 'rudder');
  rudderKey = await writeKey(t.ctx, rudder.id);
  rudderAdmin = await apiKey(t.ctx, rudder.id, 'admin');
  host = await t.app.listen({ port: 0, host: '127.0.0.1' });
  stopWorker = startIngestWorker(t.ctx, { intervalMs: 20 });
});
afterAll(async () => {
  await stopWorker?.();
  await t?.close();
});

/** Delivers what was sent so far and lets a minute pass on the server's clock (it stamps receivedAt). */
async function later(analytics: Analytics) {
  await analytics.flush();
  (t.ctx.clock as ManualClock).advance(60_000);
}

const api = (url: string, as = admin) => t.app.inject({ url, headers: bearer(as) });

async function eventually<T>(probe: () => Promise<T | undefined>): Promise<T> {
  for (let i = 0; i < 300; i++) {
    const value = await probe();
    if (value !== undefined) return value;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('timed out waiting for the ingest worker');
}

it('merges what @segment/analytics-node sends from two devices into one customer', async () => {
  const analytics = new Analytics({ writeKey: key, host, flushAt: 3, flushInterval: 50 });
  const failures: unknown[] = [];
  analytics.on('error', (err) => failures.push(err));

  // Device 1: the member signs in to the mini program.
  analytics.identify({
    userId: 'member-1001',
    traits: { name: '林小雨', phone: '138 0013 8000', skinType: 'combination' },
    context: { externalIds: [{ id: 'o6_bmjrPTlm6_2sgVt7hMZOPfL2M', type: 'wechat_unionid', collection: 'users', encoding: 'none' }] },
  });
  analytics.track({ userId: 'member-1001', event: 'Order Completed', properties: { order_id: 'T-1', total: 199, products: [{ sku: 'LIP-01', name: '丝绒口红', price: 199, quantity: 1 }] } });
  await later(analytics);

  // Device 2: browsing anonymously from a 小红书 note, then an order that is partly refunded.
  const campaign = { source: 'xiaohongshu', medium: 'note', name: '618' };
  analytics.page({ anonymousId: 'h5-device-2', name: '新品页', properties: { url: 'https://shop.example.cn/new' }, context: { campaign } });
  analytics.page({ anonymousId: 'h5-device-2', name: '商品详情', properties: { url: 'https://shop.example.cn/p/LIP-02' } });
  analytics.track({ anonymousId: 'h5-device-2', event: 'Order Completed', properties: { order_id: 'T-2', revenue: '99.00', products: [{ sku: 'LIP-02', price: 99, quantity: 1 }] } });
  analytics.track({ anonymousId: 'h5-device-2', event: 'Order Refunded', properties: { order_id: 'T-2', total: 20 } });
  await later(analytics);

  // The member signs in on device 2.
  analytics.alias({ userId: 'member-1001', previousId: 'h5-device-2' });
  await analytics.closeAndFlush();
  expect(failures).toEqual([]);

  const customer = await eventually(async () => {
    const res = await api('/api/customers/by-identifier/anonymous_id/h5-device-2');
    const body = res.statusCode === 200 ? res.json() : undefined;
    return body?.identifiers.some((i: { type: string }) => i.type === 'user_id') && body.computed.ordersCount === 2 ? body : undefined;
  });
  expect(customer.identifiers).toEqual(
    expect.arrayContaining([
      { type: 'user_id', value: 'member-1001' },
      { type: 'anonymous_id', value: 'h5-device-2' },
      { type: 'phone', value: '+8613800138000' },
      { type: 'wechat_unionid', value: 'o6_bmjrPTlm6_2sgVt7hMZOPfL2M', collection: 'users' },
    ]),
  );
  expect(customer.traits).toMatchObject({ name: '林小雨', phone: '+8613800138000', skinType: 'combination' });
  expect(customer.computed).toMatchObject({ ordersCount: 2, totalSpentFen: 19900 + 9900 - 2000, aovFen: Math.round(27800 / 2), firstChannel: 'xiaohongshu', lastChannel: 'xiaohongshu' });
  for (const [type, value] of [
    ['user_id', 'member-1001'],
    ['wechat_unionid', 'o6_bmjrPTlm6_2sgVt7hMZOPfL2M'],
    ['phone', '13800138000'],
  ]) {
    expect((await api(`/api/customers/by-identifier/${type}/${value}`)).json().id).toBe(customer.id);
  }

  const list = (await api('/api/customers')).json();
  expect(list.items).toHaveLength(1);
  expect(list.items[0]).toMatchObject({ id: customer.id, ordersCount: 2, totalSpentFen: 27800 });

  const timeline = (await api(`/api/customers/${customer.id}/timeline`)).json();
  const kinds = timeline.items.map((i: { kind: string; type: string; id: string }) => (i.kind === 'order' ? `order ${i.id}` : i.type));
  expect(kinds.sort()).toEqual(['alias', 'identify', 'order T-1', 'order T-2', 'page', 'page'].sort());
  expect(timeline.items.find((i: { id: string }) => i.id === 'T-2').order).toMatchObject({ totalFen: 9900, refundedFen: 2000, status: 'completed' });
  const pages = (await api(`/api/customers/${customer.id}/timeline?event=Order%20Completed`)).json();
  expect(pages.items.map((i: { id: string }) => i.id).sort()).toEqual(['T-1', 'T-2']);

  const merges = (await api(`/api/customers/${customer.id}/merges`)).json().items;
  expect(merges).toHaveLength(1);
  expect(merges[0]).toMatchObject({ survivorId: customer.id, cause: { type: 'anonymous_id', value: 'h5-device-2' }, unmergedAt: null });
  expect((await api('/api/dashboard')).json()).toMatchObject({ customers: 1, orders30d: 2, buyers30d: 1 });
});

it('stores what @rudderstack/rudder-sdk-node sends as one customer with its orders', async () => {
  const errors: unknown[] = [];
  const client = new RudderAnalytics(rudderKey, { dataPlaneUrl: host, flushAt: 50, flushInterval: 60_000, errorHandler: (err) => errors.push(err), logLevel: 'error' });

  client.identify({
    userId: 'member-2002',
    traits: { name: '周晓晴', phone: '13900139000', city: '杭州' },
    context: { externalIds: [{ id: 'oUnion-rudder-1', type: 'wechat_unionid', collection: 'users' }] },
  });
  client.page({ anonymousId: 'rs-device-9', userId: 'member-2002', name: '会员中心', properties: { url: 'https://shop.example.cn/member' }, context: { campaign: { source: 'douyin', medium: 'live' } } });
  client.screen({ userId: 'member-2002', name: '小程序首页' });
  client.track({ userId: 'member-2002', event: 'Order Completed', properties: { order_id: 'RS-1', total: 259, products: [{ sku: 'CRM-01', name: '面霜', price: 259, quantity: 1 }] } });
  client.group({ userId: 'member-2002', groupId: 'vip-club', traits: { name: 'VIP' } });
  await client.flush();
  expect(errors).toEqual([]);

  const customer = await eventually(async () => {
    const res = await api('/api/customers/by-identifier/user_id/member-2002', rudderAdmin);
    const body = res.statusCode === 200 ? res.json() : undefined;
    return body?.computed.ordersCount === 1 && body.identifiers.some((i: { type: string }) => i.type === 'anonymous_id') ? body : undefined;
  });
  expect(customer.identifiers).toEqual(
    expect.arrayContaining([
      { type: 'user_id', value: 'member-2002' },
      { type: 'anonymous_id', value: 'rs-device-9' },
      { type: 'phone', value: '+8613900139000' },
      { type: 'wechat_unionid', value: 'oUnion-rudder-1', collection: 'users' },
    ]),
  );
  expect(customer.traits).toMatchObject({ name: '周晓晴', city: '杭州' });
  expect(customer.computed).toMatchObject({ ordersCount: 1, totalSpentFen: 25900, firstChannel: 'douyin' });

  const timeline = await eventually(async () => {
    const items = (await api(`/api/customers/${customer.id}/timeline`, rudderAdmin)).json().items as { kind: string; type?: string }[];
    return items.length >= 5 ? items : undefined;
  });
  expect(timeline.map((i) => (i.kind === 'order' ? 'order' : i.type)).sort()).toEqual(['group', 'identify', 'order', 'page', 'screen']);
});

it('reports an unknown write key to the SDK as an error and stores nothing', async () => {
  const errors: { response?: { status: number } }[] = [];
  const client = new RudderAnalytics('not-a-key', { dataPlaneUrl: host, flushAt: 50, flushInterval: 60_000, retryCount: 0, errorHandler: (err) => errors.push(err), logLevel: 'error' });
  client.track({ userId: 'member-x', event: 'Product Viewed' });
  await client.flush().catch(() => undefined);
  expect(errors.map((e) => e.response?.status)).toEqual([401]);
  expect((await api('/api/customers/by-identifier/user_id/member-x', rudderAdmin)).statusCode).toBe(404);
});
