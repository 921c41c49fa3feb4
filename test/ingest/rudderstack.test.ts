import Analytics from '@rudderstack/rudder-sdk-node';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startIngestWorker } from '../../src/ingest/index.js';
import { apiKey, bearer, seedWorkspace, type TestApp, testApp } from '../support/app.js';
import { writeKey } from './support.js';

// RudderStack's Node SDK, pointed at Siyu as its data plane, works unchanged: it posts gzipped
// batches to /v1/batch with the write key as Basic user name and a batch-level sentAt.
let t: TestApp;
let key: string;
let admin: string;
let host: string;
let stopWorker: () => Promise<void>;

beforeAll(async () => {
  t = await testApp();
  const ws = await seedWorkspace(t.ctx, 'rudder');
  key = await writeKey(t.ctx, ws.id);
  admin = await apiKey(t.ctx, ws.id, 'admin');
  host = await t.app.listen({ port: 0, host: '127.0.0.1' });
  stopWorker = startIngestWorker(t.ctx, { intervalMs: 20 });
});
afterAll(async () => {
  await stopWorker?.();
  await t?.close();
});

const api = (url: string) => t.app.inject({ url, headers: bearer(admin) });

async function eventually<T>(probe: () => Promise<T | undefined>): Promise<T> {
  for (let i = 0; i < 300; i++) {
    const value = await probe();
    if (value !== undefined) return value;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('timed out waiting for the ingest worker');
}

it('stores what @rudderstack/rudder-sdk-node sends as one customer with its orders', async () => {
  const errors: unknown[] = [];
  const client = new Analytics(key, { dataPlaneUrl: host, flushAt: 50, flushInterval: 60_000, errorHandler: (err) => errors.push(err), logLevel: 'error' });

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
    const res = await api('/api/customers/by-identifier/user_id/member-2002');
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
    const items = (await api(`/api/customers/${customer.id}/timeline`)).json().items as { kind: string; type?: string }[];
    return items.length >= 5 ? items : undefined;
  });
  expect(timeline.map((i) => (i.kind === 'order' ? 'order' : i.type)).sort()).toEqual(['group', 'identify', 'order', 'page', 'screen']);
});

it('reports an unknown write key to the SDK as an error and stores nothing', async () => {
  const errors: { response?: { status: number } }[] = [];
  const client = new Analytics('not-a-key', { dataPlaneUrl: host, flushAt: 50, flushInterval: 60_000, retryCount: 0, errorHandler: (err) => errors.push(err), logLevel: 'error' });
  client.track({ userId: 'member-x', event: 'Product Viewed' });
  await client.flush().catch(() => undefined);
  expect(errors.map((e) => e.response?.status)).toEqual([401]);
  expect((await api('/api/customers/by-identifier/user_id/member-x')).statusCode).toBe(404);
});
