import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { drainInbox } from '../../src/ingest/index.js';
import { apiKey, bearer, seedWorkspace, type TestApp, testApp } from '../support/app.js';
import { send, writeKey } from '../ingest/support.js';

let t: TestApp;
let ws: string;
let key: string;
let admin: string;
let viewer: string;

beforeAll(async () => {
  t = await testApp();
  ws = (await seedWorkspace(t.ctx, 'identity-api')).id;
  key = await writeKey(t.ctx, ws);
  admin = await apiKey(t.ctx, ws, 'admin');
  viewer = await apiKey(t.ctx, ws, 'viewer');
});
afterAll(() => t?.close());

const get = (url: string, k = admin) => t.app.inject({ url, headers: bearer(k) });
const post = (url: string, payload?: object, k = admin) => t.app.inject({ method: 'POST', url, headers: bearer(k), ...(payload ? { payload } : {}) });
async function ingest(batch: object[]) {
  expect((await send(t, key, '/v1/batch', { batch })).json().rejected).toEqual([]);
  await drainInbox(t.ctx);
}
const customerOf = async (type: string, value: string) => (await get(`/api/customers/by-identifier/${type}/${value}`)).json();
const openConflicts = async () => (await get('/api/identity/conflicts?status=open')).json().items as { id: string; identifier: { type: string; value: string }; customerId: string; otherCustomerId: string | null; reason: string }[];

describe('conflicts', () => {
  it('lists refused links and lets an operator merge the two customers', async () => {
    await ingest([
      { type: 'identify', userId: 'wife', traits: { phone: '13700000001' } },
      { type: 'identify', userId: 'husband', anonymousId: 'family-ipad' },
      { type: 'track', userId: 'wife', anonymousId: 'family-ipad', event: 'Product Viewed' },
    ]);
    const wife = await customerOf('user_id', 'wife');
    const husband = await customerOf('user_id', 'husband');
    expect(wife.id).not.toBe(husband.id);
    const [c] = (await openConflicts()).filter((x) => x.identifier.value === 'family-ipad');
    expect(c).toMatchObject({ customerId: wife.id, otherCustomerId: husband.id, reason: 'limit:user_id', identifier: { type: 'anonymous_id' } });

    expect((await post(`/api/identity/conflicts/${c.id}/resolve`, { action: 'merge' }, viewer)).statusCode).toBe(403);
    expect((await post(`/api/identity/conflicts/${c.id}/resolve`, { action: 'merge' })).statusCode).toBe(204);
    const merged = await customerOf('user_id', 'husband');
    expect(merged.id).toBe(wife.id);
    expect(merged.identifiers.filter((i: { type: string }) => i.type === 'user_id')).toHaveLength(2);
    expect((await post(`/api/identity/conflicts/${c.id}/resolve`, { action: 'dismiss' })).json()).toMatchObject({ status: 409 });
    const audit = (await get('/api/audit')).json().items.find((e: { action: string }) => e.action === 'identity.conflict.merge');
    expect(audit).toMatchObject({ actor: { type: 'apikey' }, entityId: c.id });
  });

  it('assigns a recycled phone number to the customer who has it now', async () => {
    await ingest([{ type: 'identify', userId: 'old-owner', timestamp: '2026-01-01T00:00:00Z', traits: { phone: '13600000002' } }]);
    await ingest([{ type: 'identify', userId: 'new-owner', traits: { phone: '13600000002' } }]);
    const newOwner = await customerOf('user_id', 'new-owner');
    const [c] = (await openConflicts()).filter((x) => x.customerId === newOwner.id);
    expect(c).toMatchObject({ identifier: { type: 'phone', value: '+8613600000002' }, reason: 'limit:user_id' });
    const masked = (await get('/api/identity/conflicts', viewer)).json().items.find((x: { id: string }) => x.id === c.id);
    expect(masked.identifier.value).toBe('136****0002');
    expect((await post(`/api/identity/conflicts/${c.id}/resolve`, { action: 'assign' })).statusCode).toBe(204);
    expect((await customerOf('phone', '13600000002')).id).toBe(newOwner.id);
    expect((await customerOf('user_id', 'old-owner')).identifiers).not.toContainEqual(expect.objectContaining({ type: 'phone' }));
  });

  it('dismisses, and refuses a merge for a conflict about a new identifier', async () => {
    await ingest([{ type: 'identify', userId: 'two-unionids', context: { externalIds: [{ id: 'union-a', type: 'wechat_unionid' }] } }]);
    await ingest([{ type: 'identify', userId: 'two-unionids', context: { externalIds: [{ id: 'union-b', type: 'wechat_unionid' }] } }]);
    const [c] = (await openConflicts()).filter((x) => x.identifier.value === 'union-b');
    expect(c).toMatchObject({ otherCustomerId: null, reason: 'limit:wechat_unionid' });
    expect((await post(`/api/identity/conflicts/${c.id}/resolve`, { action: 'merge' })).statusCode).toBe(400);
    expect((await post(`/api/identity/conflicts/${c.id}/resolve`, { action: 'dismiss' })).statusCode).toBe(204);
    expect((await get('/api/identity/conflicts?status=resolved')).json().items.map((x: { id: string }) => x.id)).toContain(c.id);
    expect((await post(`/api/identity/conflicts/${c.id}/resolve`, { action: 'explode' })).statusCode).toBe(400);
  });
});

describe('merges and unmerge', () => {
  it('shows the merge history and splits a wrong merge through the API', async () => {
    await ingest([
      { type: 'track', anonymousId: 'shop-pc', event: 'Order Completed', properties: { order_id: 'U-1', total: 10 } },
      { type: 'identify', userId: 'unmerge-me', traits: { phone: '13500000003' } },
    ]);
    const anon = await customerOf('anonymous_id', 'shop-pc');
    await ingest([{ type: 'alias', userId: 'unmerge-me', previousId: 'shop-pc' }]);
    const member = await customerOf('user_id', 'unmerge-me');
    expect(member.computed.ordersCount).toBe(1);
    const [merge] = (await get(`/api/customers/${member.id}/merges`)).json().items;
    expect(merge).toMatchObject({ survivorId: member.id, mergedId: anon.id, cause: { type: 'anonymous_id', value: 'shop-pc' } });
    expect((await get(`/api/customers/${anon.id}`)).json().id).toBe(member.id); // a merged id leads to the survivor

    expect((await post(`/api/identity/merges/${merge.id}/unmerge`, undefined, viewer)).statusCode).toBe(403);
    expect((await post(`/api/identity/merges/${merge.id}/unmerge`)).statusCode).toBe(204);
    expect((await customerOf('anonymous_id', 'shop-pc')).id).toBe(anon.id);
    expect((await customerOf('user_id', 'unmerge-me')).computed.ordersCount).toBe(0);
    expect((await get(`/api/customers/${member.id}/merges`)).json().items[0]).toMatchObject({ id: merge.id, unmergedBy: 'admin key' });
    expect((await post(`/api/identity/merges/${merge.id}/unmerge`)).statusCode).toBe(409);
  });
});

describe('rules', () => {
  it('shows the defaults and changes a type, audited', async () => {
    const rules = (await get('/api/identity/rules')).json().rules;
    expect(rules[0]).toEqual({ type: 'user_id', identifying: true, priority: 100, maxPerCustomer: 1 });
    expect(rules.find((r: { type: string }) => r.type === 'anonymous_id')).toMatchObject({ maxPerCustomer: null });
    const res = await t.app.inject({ method: 'PUT', url: '/api/identity/rules', headers: bearer(admin), payload: { rules: [{ type: 'taobao_buyer', identifying: true, priority: 95, maxPerCustomer: 1 }] } });
    expect(res.json().rules[1]).toEqual({ type: 'taobao_buyer', identifying: true, priority: 95, maxPerCustomer: 1 });
    const bad = await t.app.inject({ method: 'PUT', url: '/api/identity/rules', headers: bearer(admin), payload: { rules: [{ type: 'anonymous_id', identifying: false, priority: 1, maxPerCustomer: 0 }] } });
    expect(bad.statusCode).toBe(400);
    expect((await t.app.inject({ method: 'PUT', url: '/api/identity/rules', headers: bearer(viewer), payload: { rules: [] } })).statusCode).toBe(403);
  });
});
