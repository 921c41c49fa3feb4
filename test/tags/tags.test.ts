import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ManualClock } from '../../src/core/index.js';
import { changedCustomers, refreshCustomers } from '../../src/segments/index.js';
import { apiKey, bearer, customer, seedCustomers, seedWorkspace, type TestApp, testApp } from '../support/app.js';
import { merge, order, track } from '../segments/support.js';

// The clock stands at 2026-06-15 12:00 in Asia/Shanghai (04:00 UTC).
let t: TestApp;
let ws: { id: string; timezone: string };
let admin: string;
const ids: Record<string, string> = {};
const api = (method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, payload?: unknown) => t.app.inject({ method, url, headers: bearer(admin), payload: payload as object });

beforeAll(async () => {
  t = await testApp();
  ws = { ...(await seedWorkspace(t.ctx, 'tags')), timezone: 'Asia/Shanghai' };
  admin = await apiKey(t.ctx, ws.id, 'admin');
  const names = ['an', 'bo', 'chen', 'dai', 'alias'];
  for (const [i, name] of names.entries()) {
    const [c] = await seedCustomers(t.ctx, ws.id, [
      customer({ name, city: i < 2 ? '上海' : '北京', phone: `1391111000${i}`, identifiers: [{ type: 'user_id', value: `M-${name}` }, { type: 'phone', value: `1391111000${i}` }] }),
    ]);
    ids[name] = c.id;
  }
  const view = (id: string, who: string, at: string, sku = 'HY-SER-001') => track(t.ctx, ws.id, { id, customerId: ids[who], event: 'Product Viewed', at, properties: { product_id: sku } });
  await view('v1', 'chen', '2026-06-10T02:00:00Z');
  await view('v2', 'chen', '2026-06-11T02:00:00Z');
  await view('v3', 'chen', '2026-06-12T02:00:00Z');
  await view('v4', 'dai', '2026-06-10T02:00:00Z');
  await view('v5', 'dai', '2026-06-11T02:00:00Z');
  await view('v6', 'dai', '2026-06-12T02:00:00Z');
  await order(t.ctx, ws.id, { id: 'o1', customerId: ids.dai, at: '2026-06-12T03:00:00Z', totalFen: 35900, skus: ['HY-SER-001'] });
  await track(t.ctx, ws.id, { id: 'add1', customerId: ids.an, event: 'Product Added', at: '2026-06-13T02:00:00Z' });
}, 120_000);
afterAll(() => t?.close());

const tagNames = async (customerId: string) => (await api('GET', `/api/customers/${customerId}/tags`)).json().tags.map((x: { name: string }) => x.name).sort();

describe('manual tags', () => {
  let skin: { id: string };
  let oily: { id: string };
  let dry: { id: string };

  it('keeps one tag per customer in an exclusive group, with history of who did what', async () => {
    skin = (await api('POST', '/api/tag-groups', { name: '肤质', exclusive: true })).json();
    oily = (await api('POST', '/api/tags', { groupId: skin.id, name: '油皮' })).json();
    dry = (await api('POST', '/api/tags', { groupId: skin.id, name: '干皮' })).json();
    expect((await api('POST', `/api/tags/${oily.id}/add`, { customerIds: [ids.an, ids.bo] })).json()).toMatchObject({ entered: 2 });
    expect((await api('POST', `/api/tags/${oily.id}/add`, { customerIds: [ids.an] })).json()).toMatchObject({ changed: 0 });
    await api('POST', `/api/tags/${dry.id}/add`, { customerIds: [ids.bo] });
    expect(await tagNames(ids.an)).toEqual(['油皮']);
    expect(await tagNames(ids.bo)).toEqual(['干皮']);
    const history = (await api('GET', `/api/tags/${oily.id}/history`)).json().items;
    expect(history.map((h: { customerId: string; added: boolean; source: string }) => [h.customerId === ids.bo ? 'bo' : 'an', h.added, h.source]).sort()).toEqual([
      ['an', true, 'manual'],
      ['bo', false, 'exclusive:干皮'],
      ['bo', true, 'manual'],
    ]);
    expect(history[0].actor).toBe('admin key');
    const groups = (await api('GET', '/api/tag-groups')).json().items;
    expect(groups[0].tags.map((x: { name: string; members: number }) => [x.name, x.members]).sort()).toEqual([['干皮', 1], ['油皮', 1]]);
  });

  it('tags a whole segment and the rows of a CSV, and rules can use tags', async () => {
    const vip = (await api('POST', '/api/tag-groups', { name: '运营' })).json();
    const beijing = (await api('POST', '/api/segments', { name: '北京客户', rule: { type: 'trait', field: 'city', op: 'eq', value: '北京' } })).json();
    const invite = (await api('POST', '/api/tags', { groupId: vip.id, name: '待邀请入群' })).json();
    expect((await api('POST', `/api/tags/${invite.id}/add`, { segmentId: beijing.id })).json().entered).toBe(3);
    const salon = (await api('POST', '/api/tags', { groupId: vip.id, name: '沙龙嘉宾' })).json();
    const csv = `手机号\n139-1111-0000\nM-bo\n${ids.chen}\n13900000000\nnobody\n`;
    const imported = (await api('POST', `/api/tags/${salon.id}/import`, { csv })).json();
    expect(imported).toMatchObject({ matched: 3, entered: 3, unmatched: [{ line: 5, value: '13900000000' }, { line: 6, value: 'nobody' }] });
    const preview = (await api('POST', '/api/segments/preview', { rule: { type: 'and', rules: [{ type: 'tag', tagId: salon.id }, { type: 'not', rule: { type: 'tag', tagId: invite.id } }] } })).json();
    expect(preview.sample.map((c: { id: string }) => c.id).sort()).toEqual([ids.an, ids.bo].sort());
    const used = await api('POST', '/api/segments', { name: '嘉宾', rule: { type: 'tag', tagId: salon.id } });
    expect(used.statusCode).toBe(201);
    expect((await api('DELETE', `/api/tags/${salon.id}`)).statusCode).toBe(409);
  });

  it('follows merges: the survivor carries the tags of the customer merged into it', async () => {
    await api('POST', `/api/tags/${oily.id}/add`, { customerIds: [ids.alias] });
    await merge(t.ctx, ws.id, ids.alias, ids.dai);
    expect(await tagNames(ids.dai)).toContain('油皮');
    const preview = (await api('POST', '/api/segments/preview', { rule: { type: 'tag', tagId: oily.id } })).json();
    expect(preview.sample.map((c: { id: string }) => c.id).sort()).toEqual([ids.an, ids.dai].sort());
  });

  it('refuses unknown customers without tagging anyone', async () => {
    const res = await api('POST', `/api/tags/${dry.id}/add`, { customerIds: [ids.an, '0190a0b0-0000-7000-8000-000000000009'] });
    expect(res.statusCode).toBe(400);
    expect(await tagNames(ids.an)).toEqual(['油皮', '沙龙嘉宾'].sort());
  });
});

describe('rule tags', () => {
  it('computes 兴趣用户 and 犹豫用户 from behaviour and follows new events', async () => {
    const behaviour = (await api('POST', '/api/tag-groups', { name: '行为' })).json();
    const interested = await api('POST', '/api/tags', {
      groupId: behaviour.id,
      name: '兴趣用户',
      rule: { type: 'or', rules: [{ type: 'event', event: 'Product Added', time: { lastDays: 7 } }, { type: 'event', event: 'Product Favorited', time: { lastDays: 7 } }] },
    });
    expect(interested.statusCode, interested.body).toBe(201);
    expect(interested.json()).toMatchObject({ kind: 'rule', members: 1 });
    const hesitant = (
      await api('POST', '/api/tags', {
        groupId: behaviour.id,
        name: '犹豫用户',
        rule: {
          type: 'and',
          rules: [
            { type: 'event', event: 'Product Viewed', per: 'product_id', count: { op: 'gte', value: 3 }, time: { lastDays: 14 } },
            { type: 'not', rule: { type: 'orders', metric: 'count', op: 'gte', value: 1, time: { lastDays: 14 } } },
          ],
        },
      })
    ).json();
    expect(hesitant.members).toBe(1);
    expect(await tagNames(ids.chen)).toContain('犹豫用户');

    // chen favourites a product: within a minute chen is 兴趣用户 too.
    (t.ctx.clock as ManualClock).advance(2 * 60_000);
    await changedCustomers(t.ctx, ws.id);
    await track(t.ctx, ws.id, { id: 'fav1', customerId: ids.chen, event: 'Product Favorited', at: t.ctx.clock.now().toISOString() });
    await refreshCustomers(t.ctx, ws, await changedCustomers(t.ctx, ws.id));
    expect(await tagNames(ids.chen)).toContain('兴趣用户');
    const history = (await api('GET', `/api/tags/${interested.json().id}/history`)).json().items;
    expect(history[0]).toMatchObject({ customerId: ids.chen, added: true, source: 'rule', actor: '兴趣用户' });

    expect((await api('POST', `/api/tags/${hesitant.id}/add`, { customerIds: [ids.an] })).statusCode).toBe(409);
    const self = await api('PUT', `/api/tags/${hesitant.id}`, { groupId: behaviour.id, name: '犹豫用户', rule: { type: 'tag', tagId: hesitant.id } });
    expect(self.statusCode).toBe(400);
    expect(self.json().errors[0].message).toMatch(/cycle/);
  });
});
