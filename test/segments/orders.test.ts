import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Rule } from '../../src/segments/index.js';
import { apiKey, bearer, customer, seedCustomers, seedWorkspace, type TestApp, testApp } from '../support/app.js';
import { merge, order } from './support.js';

// Order conditions read per-customer aggregates (per stored customer first, then through OneID):
// only the newest version of an order counts, a row stored twice counts once, a refund that
// arrives as a later version takes the order out, and a merge after the orders adds histories up.
// The clock stands at 2026-06-15 12:00 in Asia/Shanghai (04:00 UTC).
let t: TestApp;
let ws: { id: string };
let admin: string;
const ids: Record<string, string> = {};
const names = new Map<string, string>();

beforeAll(async () => {
  t = await testApp();
  ws = await seedWorkspace(t.ctx, 'order-aggregates');
  admin = await apiKey(t.ctx, ws.id, 'admin');
  for (const name of ['ann', 'ann2', 'bo', 'cy']) {
    const [c] = await seedCustomers(t.ctx, ws.id, [customer({ name, firstSeenAt: new Date('2025-01-01T00:00:00Z') })]);
    ids[name] = c.id;
    names.set(c.id, name);
  }
  const ctx = t.ctx;
  // ann: a partial refund as version 2 (net 6,000), an order stored twice (re-import of the same
  // version), and an order refunded in full by a later version.
  await order(ctx, ws.id, { id: 'a1', customerId: ids.ann, at: '2026-03-01T03:00:00Z', totalFen: 10_000, categories: ['面霜'] });
  await order(ctx, ws.id, { id: 'a1', customerId: ids.ann, at: '2026-03-01T03:00:00Z', totalFen: 10_000, refundedFen: 4_000, categories: ['面霜'], version: 2 });
  await order(ctx, ws.id, { id: 'a2', customerId: ids.ann, at: '2026-06-01T03:00:00Z', totalFen: 20_000, categories: ['精华'] });
  await order(ctx, ws.id, { id: 'a2', customerId: ids.ann, at: '2026-06-01T03:00:00Z', totalFen: 20_000, categories: ['精华'] });
  await order(ctx, ws.id, { id: 'a3', customerId: ids.ann, at: '2026-06-10T03:00:00Z', totalFen: 5_000, categories: ['面霜'] });
  await order(ctx, ws.id, { id: 'a3', customerId: ids.ann, at: '2026-06-10T03:00:00Z', totalFen: 5_000, status: 'refunded', categories: ['面霜'], version: 2 });
  // ann2 bought before being merged into ann; bo bought once; cy never.
  await order(ctx, ws.id, { id: 'b1', customerId: ids.ann2, at: '2026-01-05T03:00:00Z', totalFen: 30_000, categories: ['口红'] });
  await order(ctx, ws.id, { id: 'c1', customerId: ids.bo, at: '2026-06-14T03:00:00Z', totalFen: 8_000, categories: ['面霜'] });
}, 120_000);
afterAll(() => t?.close());

async function matches(rule: Rule): Promise<string[]> {
  const res = await t.app.inject({ method: 'POST', url: '/api/segments/preview', headers: bearer(admin), payload: { rule } });
  expect(res.statusCode, res.body).toBe(200);
  return res.json().sample.map((c: { id: string }) => names.get(c.id)).sort();
}

const computed = (field: string, op: string, value?: unknown) => ({ type: 'computed', field, op, ...(value === undefined ? {} : { value }) }) as Rule;

describe('order aggregates', () => {
  it('count the newest version of each order once, without refunded ones', async () => {
    expect(await matches(computed('order_count', 'eq', 2))).toEqual(['ann']);
    expect(await matches(computed('total_spent_fen', 'eq', 26_000))).toEqual(['ann']);
    expect(await matches(computed('last_order_at', 'between', ['2026-06-01', '2026-06-01']))).toEqual(['ann']);
    expect(await matches({ type: 'orders', metric: 'count', op: 'gte', value: 1, product: { categories: ['面霜'] }, time: { lastDays: 30 } })).toEqual(['bo']);
    expect(await matches({ type: 'orders', metric: 'sum_fen', op: 'eq', value: 6_000, product: { categories: ['面霜'] } })).toEqual(['ann']);
  });

  it('add up the histories of customers merged after their orders', async () => {
    expect(await matches(computed('order_count', 'eq', 1))).toEqual(['ann2', 'bo']);
    await merge(t.ctx, ws.id, ids.ann2, ids.ann);
    expect(await matches(computed('order_count', 'eq', 3))).toEqual(['ann']);
    expect(await matches(computed('total_spent_fen', 'eq', 56_000))).toEqual(['ann']);
    expect(await matches(computed('aov_fen', 'between', [18_666, 18_667]))).toEqual(['ann']);
    expect(await matches(computed('first_order_at', 'before', '2026-02-01'))).toEqual(['ann']);
    expect(await matches(computed('days_since_first_order', 'gte', 161))).toEqual(['ann']);
    expect(await matches(computed('order_count', 'eq', 0))).toEqual(['cy']);
  });

  // Counts that mean "bought" or "did not buy" are compiled to the set of buyers (no count per
  // customer); they must agree with the counted form (between), after the merge above.
  it('read "bought" and "did not buy" from the buyers, with merges and refunds', async () => {
    const count = (op: string, value: unknown, product?: string) =>
      ({ type: 'orders', metric: 'count', op, value, ...(product ? { product: { categories: [product] } } : {}) }) as Rule;
    for (const [op, value] of [['gte', 1], ['gt', 0], ['gt', 0.5], ['neq', 0]] as const) {
      expect(await matches(count(op, value)), `${op} ${value}`).toEqual(['ann', 'bo']);
      expect(await matches(count(op, value, '口红')), `${op} ${value} 口红`).toEqual(['ann']);
    }
    for (const [op, value] of [['eq', 0], ['lt', 1], ['lte', 0], ['lte', 0.5]] as const) {
      expect(await matches(count(op, value)), `${op} ${value}`).toEqual(['cy']);
      expect(await matches(count(op, value, '口红')), `${op} ${value} 口红`).toEqual(['bo', 'cy']);
    }
    expect(await matches(count('between', [1, 1_000], '面霜'))).toEqual(['ann', 'bo']);
    expect(await matches(count('gte', 1, '面霜'))).toEqual(['ann', 'bo']);
    expect(await matches(count('gte', 2, '面霜'))).toEqual([]);
  });
});
