import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { computeRfmSnapshot, type Rule } from '../../src/segments/index.js';
import { apiKey, bearer, customer, seedCustomers, seedWorkspace, type TestApp, testApp } from '../support/app.js';
import { merge, order, track } from './support.js';

// The clock stands at 2026-06-15 12:00 in Asia/Shanghai (04:00 UTC). "The last 30 days" are the
// local days 2026-05-17 … 2026-06-15, starting at 2026-05-16 16:00 UTC.
let t: TestApp;
let ws: { id: string };
let admin: string;
const ids: Record<string, string> = {};
const names = new Map<string, string>();

const people = {
  zhang: { city: '上海', traits: { skin_type: '油皮', member_level: '金卡', vip: true, points: 1200 }, firstSeenAt: '2025-01-10T02:00:00Z' },
  li: { city: '北京', traits: { skin_type: '干皮', points: 50 }, firstSeenAt: '2026-06-01T02:00:00Z' },
  wang: { city: '杭州', traits: { skin_type: '混合' }, firstSeenAt: '2025-03-01T02:00:00Z' },
  wang2: { city: '杭州', traits: {}, firstSeenAt: '2025-04-01T02:00:00Z' }, // merged into wang
  zhao: { city: '成都', traits: {}, firstSeenAt: '2024-01-01T02:00:00Z' },
  sun: { city: '广州', traits: {}, firstSeenAt: '2026-05-31T16:00:00Z' }, // 2026-06-01 00:00 local
  zhou: { city: '广州', traits: {}, firstSeenAt: '2026-05-31T15:59:59.999Z' }, // 2026-05-31 23:59 local
  wu: { city: '深圳', traits: {}, firstSeenAt: '2025-06-01T02:00:00Z' },
  zheng: { city: '深圳', traits: {}, firstSeenAt: '2025-06-01T02:00:00Z' },
} as const;

beforeAll(async () => {
  t = await testApp();
  ws = await seedWorkspace(t.ctx, 'rules');
  admin = await apiKey(t.ctx, ws.id, 'admin');
  for (const [name, p] of Object.entries(people)) {
    const [c] = await seedCustomers(t.ctx, ws.id, [customer({ name, city: p.city, traits: p.traits, firstSeenAt: new Date(p.firstSeenAt) })]);
    ids[name] = c.id;
    names.set(c.id, name);
  }
  await t.ctx.db.updateTable('customers').set({ consent: JSON.stringify({ sms: { granted: true, at: '2026-01-01T00:00:00Z' } }) }).where('id', '=', ids.zhang).execute();
  const ctx = t.ctx;
  const viewed = (id: string, who: string, at: string, category = '面霜') => track(ctx, ws.id, { id, customerId: ids[who], event: 'Product Viewed', at, properties: { category, price: 299, product: { sku: 'HY-CRM-001' } } });
  await viewed('v1', 'zhang', '2026-06-10T02:00:00Z');
  await viewed('v2', 'zhang', '2026-06-11T02:00:00Z');
  await viewed('v3', 'zhang', '2026-06-12T02:00:00Z');
  await viewed('v3', 'zhang', '2026-06-12T02:00:00Z'); // a re-delivered event counts once
  await viewed('v4', 'li', '2026-06-05T02:00:00Z');
  await viewed('v5', 'wang2', '2026-06-08T02:00:00Z'); // before the merge, under the merged id
  await viewed('v6', 'wang2', '2026-06-09T02:00:00Z');
  await viewed('v7', 'wang', '2026-06-13T02:00:00Z');
  await viewed('v8', 'zhou', '2026-05-16T15:59:59.999Z'); // 2026-05-16 23:59 local: outside 30 days
  await viewed('v9', 'sun', '2026-05-16T16:00:00.000Z'); // 2026-05-17 00:00 local: inside
  await viewed('v10', 'zhao', '2026-06-14T02:00:00Z', '口红');
  await order(ctx, ws.id, { id: 'o1', customerId: ids.zhang, at: '2026-06-12T03:00:00Z', totalFen: 29900, skus: ['HY-CRM-001'], categories: ['面霜'] });
  await order(ctx, ws.id, { id: 'o2', customerId: ids.zhang, at: '2026-01-12T03:00:00Z', totalFen: 12900, skus: ['HY-LIP-001'], categories: ['口红'] });
  await order(ctx, ws.id, { id: 'o3', customerId: ids.li, at: '2026-06-06T03:00:00Z', totalFen: 29900, status: 'refunded', skus: ['HY-CRM-001'], categories: ['面霜'] });
  await order(ctx, ws.id, { id: 'o4', customerId: ids.wang2, at: '2026-04-01T03:00:00Z', totalFen: 50000, categories: ['精华'] });
  await order(ctx, ws.id, { id: 'o5', customerId: ids.wang, at: '2026-05-01T03:00:00Z', totalFen: 60000, refundedFen: 10000, categories: ['精华'] });
  // A then B: wu pays 2 hours after adding to cart, zheng 30 hours after.
  await track(ctx, ws.id, { id: 's1', customerId: ids.wu, event: 'Product Added', at: '2026-06-01T02:00:00Z' });
  await track(ctx, ws.id, { id: 's2', customerId: ids.wu, event: 'Order Completed', at: '2026-06-01T04:00:00Z' });
  await track(ctx, ws.id, { id: 's3', customerId: ids.zheng, event: 'Product Added', at: '2026-06-01T02:00:00Z' });
  await track(ctx, ws.id, { id: 's4', customerId: ids.zheng, event: 'Order Completed', at: '2026-06-02T08:00:00Z' });
  await track(ctx, ws.id, { id: 's5', customerId: ids.zheng, event: 'Order Completed', at: '2026-05-31T08:00:00Z' }); // before the add: not "then"
  await merge(ctx, ws.id, ids.wang2, ids.wang);
}, 120_000);
afterAll(() => t?.close());

async function preview(rule: unknown) {
  return t.app.inject({ method: 'POST', url: '/api/segments/preview', headers: bearer(admin), payload: { rule } });
}

async function matches(rule: Rule): Promise<string[]> {
  const res = await preview(rule);
  expect(res.statusCode, res.body).toBe(200);
  const body = res.json();
  expect(body.sample.length).toBe(Math.min(10, body.count));
  return body.sample.map((c: { id: string }) => names.get(c.id)).sort();
}

const everyoneLive = Object.keys(people).filter((n) => n !== 'wang2').sort();
const except = (...out: string[]) => everyoneLive.filter((n) => !out.includes(n));
const viewedCream = (extra: object = {}): Rule => ({ type: 'event', event: 'Product Viewed', where: [{ property: 'category', op: 'eq', value: '面霜' }], time: { lastDays: 30 }, ...extra }) as Rule;

describe('traits and computed traits', () => {
  it.each<[string, Rule, string[]]>([
    ['text equals', { type: 'trait', field: 'city', op: 'eq', value: '上海' }, ['zhang']],
    ['text in a list', { type: 'trait', field: 'skin_type', op: 'in', value: ['油皮', '干皮'] }, ['li', 'zhang']],
    ['an empty text in the list matches only customers who have the trait', { type: 'trait', field: 'skin_type', op: 'in', value: ['', '油皮'] }, ['zhang']],
    ['equals the empty text: nobody has it', { type: 'trait', field: 'skin_type', op: 'eq', value: '' }, []],
    ['text differs (only customers who have the trait)', { type: 'trait', field: 'skin_type', op: 'neq', value: '油皮' }, ['li', 'wang']],
    ['contains', { type: 'trait', field: 'member_level', op: 'contains', value: '金' }, ['zhang']],
    ['number ≥', { type: 'trait', field: 'points', op: 'gte', value: 100 }, ['zhang']],
    ['not (number ≥) includes customers without the trait', { type: 'not', rule: { type: 'trait', field: 'points', op: 'gte', value: 100 } }, except('zhang')],
    ['boolean', { type: 'trait', field: 'vip', op: 'eq', value: true }, ['zhang']],
    ['exists', { type: 'trait', field: 'points', op: 'exists' }, ['li', 'zhang']],
    ['first seen on or after a local date', { type: 'trait', field: 'first_seen_at', op: 'after', value: '2026-05-31' }, ['li', 'sun']],
    ['first seen between local dates', { type: 'trait', field: 'first_seen_at', op: 'between', value: ['2026-05-31', '2026-05-31'] }, ['zhou']],
    ['first seen within the last 15 local days', { type: 'trait', field: 'first_seen_at', op: 'within_last', value: 15 }, ['li', 'sun']],
    ['orders (net, merged customers together) ≥ 2', { type: 'computed', field: 'order_count', op: 'gte', value: 2 }, ['wang', 'zhang']],
    ['no orders at all (zero counts)', { type: 'computed', field: 'order_count', op: 'eq', value: 0 }, except('zhang', 'wang')],
    ['spent ≥ 1000 yuan across a merge, net of refunds', { type: 'computed', field: 'total_spent_fen', op: 'gte', value: 100_000 }, ['wang']],
    ['last order within 30 days', { type: 'computed', field: 'last_order_at', op: 'within_last', value: 30 }, ['zhang']],
    ['days since first seen ≤ 14', { type: 'computed', field: 'days_since_first_seen', op: 'lte', value: 14 }, ['li', 'sun']],
    ['consent granted', { type: 'consent', channel: 'sms', granted: true }, ['zhang']],
  ])('%s', async (_label, rule, expected) => {
    expect(await matches(rule)).toEqual(expected);
  });
});

describe('events and orders', () => {
  it.each<[string, Rule, string[]]>([
    ['viewed 面霜 in the last 30 local days (merged ids resolved, day boundary exact)', viewedCream(), ['li', 'sun', 'wang', 'zhang']],
    ['viewed 面霜 ≥ 3 times (histories of merged customers add up, duplicates once)', viewedCream({ count: { op: 'gte', value: 3 } }), ['wang', 'zhang']],
    ['did not view 面霜', viewedCream({ did: false }), except('li', 'sun', 'wang', 'zhang')],
    ['viewed < 2 times (zero views included)', viewedCream({ count: { op: 'lt', value: 2 } }), except('wang', 'zhang')],
    ['viewed between local dates', { type: 'event', event: 'Product Viewed', time: { from: '2026-05-17', to: '2026-05-17' } }, ['sun']],
    ['nested and numeric property filters', { type: 'event', event: 'Product Viewed', where: [{ property: 'product.sku', op: 'eq', value: 'HY-CRM-001' }, { property: 'price', op: 'gt', value: 200 }] }, ['li', 'sun', 'wang', 'zhang', 'zhao', 'zhou']],
    ['bought 面霜 (a refunded order is no purchase)', { type: 'orders', metric: 'count', op: 'gte', value: 1, product: { categories: ['面霜'] } }, ['zhang']],
    ['bought by SKU in the last 30 days', { type: 'orders', metric: 'count', op: 'gte', value: 1, product: { skus: ['HY-CRM-001', 'nope'] }, time: { lastDays: 30 } }, ['zhang']],
    ['spent between 100 and 1000 yuan in 2026', { type: 'orders', metric: 'sum_fen', op: 'between', value: [10_000, 99_999], time: { from: '2026-01-01', to: '2026-12-31' } }, ['zhang']],
    ['viewed the same product ≥ 3 times in 14 days (犹豫用户)', { type: 'event', event: 'Product Viewed', per: 'product.sku', count: { op: 'gte', value: 3 }, time: { lastDays: 14 } }, ['wang', 'zhang']],
    ['added to cart then paid within 24 hours', { type: 'sequence', first: { event: 'Product Added' }, then: { event: 'Order Completed' }, withinHours: 24 }, ['wu']],
    ['… within 48 hours', { type: 'sequence', first: { event: 'Product Added' }, then: { event: 'Order Completed' }, withinHours: 48 }, ['wu', 'zheng']],
  ])('%s', async (_label, rule, expected) => {
    expect(await matches(rule)).toEqual(expected);
  });

  it('combines with and / or / not', async () => {
    const rule: Rule = {
      type: 'or',
      rules: [
        { type: 'and', rules: [viewedCream(), { type: 'not', rule: { type: 'orders', metric: 'count', op: 'gte', value: 1, product: { categories: ['面霜'] }, time: { lastDays: 30 } } }] },
        { type: 'trait', field: 'city', op: 'eq', value: '成都' },
      ],
    };
    expect(await matches(rule)).toEqual(['li', 'sun', 'wang', 'zhao']);
  });

  it('matches RFM segments of the latest snapshot', async () => {
    const snap = await computeRfmSnapshot(t.ctx, { id: ws.id, timezone: 'Asia/Shanghai' });
    const rows = await t.ctx.events.query<{ customer_id: string; segment: string }>(`SELECT toString(customer_id) AS customer_id, segment FROM ${t.ctx.events.table('rfm_scores')} WHERE snapshot_id = {s:UUID}`, { s: snap.id });
    expect(rows.map((r) => names.get(r.customer_id)).sort()).toEqual(['wang', 'zhang']);
    const segment = rows.find((r) => r.customer_id === ids.wang)!.segment;
    expect(await matches({ type: 'rfm', segments: [segment as never] })).toEqual(rows.filter((r) => r.segment === segment).map((r) => names.get(r.customer_id)).sort());
  });

  it('binds every value: SQL in a value is just text', async () => {
    const evil = "上海') OR 1=1 --";
    expect(await matches({ type: 'trait', field: 'city', op: 'eq', value: evil })).toEqual([]);
    expect(await matches({ type: 'event', event: "x' OR '1'='1", where: [{ property: "category') OR (1=1", op: 'eq', value: '面霜' }] })).toEqual([]);
  });
});

describe('invalid rules are a 400 pointing at the node', () => {
  it.each<[string, unknown, string]>([
    ['unknown trait', { type: 'and', rules: [{ type: 'trait', field: 'city', op: 'eq', value: '上海' }, { type: 'trait', field: 'shoe_size', op: 'eq', value: '38' }] }, 'body.rule.rules.1.field'],
    ['operator for another type', { type: 'trait', field: 'city', op: 'gt', value: 3 }, 'body.rule.op'],
    ['value of the wrong type', { type: 'trait', field: 'points', op: 'gte', value: 'many' }, 'body.rule.value'],
    ['exists on a count', { type: 'not', rule: { type: 'computed', field: 'order_count', op: 'exists' } }, 'body.rule.rule.op'],
    ['empty group', { type: 'and', rules: [{ type: 'or', rules: [] }] }, 'body.rule.rules.0.rules'],
    ['reversed dates', { type: 'event', event: 'Product Viewed', time: { from: '2026-06-02', to: '2026-06-01' } }, 'body.rule.time'],
    ['unknown tag', { type: 'tag', tagId: '0190a0b0-0000-7000-8000-000000000009' }, 'body.rule.tagId'],
    ['unknown segment', { type: 'segment', segmentId: '0190a0b0-0000-7000-8000-000000000009' }, 'body.rule.segmentId'],
    ['unknown node type', { type: 'magic' }, 'body.rule.type'],
    ['per without a count', { type: 'event', event: 'Product Viewed', per: 'product.sku' }, 'body.rule.count'],
  ])('%s', async (_label, rule, path) => {
    const res = await preview(rule);
    expect(res.statusCode).toBe(400);
    expect(res.json().errors.map((e: { path: string }) => e.path)).toContain(path);
  });
});

describe('segments', () => {
  const create = (name: string, rule: unknown) => t.app.inject({ method: 'POST', url: '/api/segments', headers: bearer(admin), payload: { name, rule } });

  it('uses other segments live, and refuses a cycle without saving anything', async () => {
    const shanghai = (await create('上海客户', { type: 'trait', field: 'city', op: 'eq', value: '上海' })).json();
    expect(shanghai.members).toBe(1);
    const vip = (await create('上海VIP', { type: 'and', rules: [{ type: 'segment', segmentId: shanghai.id }, { type: 'trait', field: 'vip', op: 'eq', value: true }] })).json();
    expect(await matches({ type: 'segment', segmentId: vip.id })).toEqual(['zhang']);
    const cyclic = await t.app.inject({
      method: 'PUT',
      url: `/api/segments/${shanghai.id}`,
      headers: bearer(admin),
      payload: { name: '上海客户', rule: { type: 'or', rules: [{ type: 'trait', field: 'city', op: 'eq', value: '上海' }, { type: 'segment', segmentId: vip.id }] } },
    });
    expect(cyclic.statusCode).toBe(400);
    expect(cyclic.json().errors[0].path).toBe('body.rule.rules.1.segmentId');
    expect(cyclic.json().errors[0].message).toMatch(/cycle/);
    const kept = (await t.app.inject({ url: `/api/segments/${shanghai.id}`, headers: bearer(admin) })).json();
    expect(kept.rule).toEqual({ type: 'trait', field: 'city', op: 'eq', value: '上海' });
    expect((await t.app.inject({ method: 'DELETE', url: `/api/segments/${shanghai.id}`, headers: bearer(admin) })).statusCode).toBe(409);
    const bad = await create('坏规则', { type: 'trait', field: 'shoe_size', op: 'eq', value: '38' });
    expect(bad.statusCode).toBe(400);
    expect((await t.app.inject({ url: '/api/segments', headers: bearer(admin) })).json().items.map((s: { name: string }) => s.name)).not.toContain('坏规则');
  });
});
