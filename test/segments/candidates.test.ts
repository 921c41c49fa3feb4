import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Rule } from '../../src/segments/index.js';
import { apiKey, bearer, customer, seedCustomers, seedWorkspace, type TestApp, testApp } from '../support/app.js';
import { merge, order, track } from './support.js';

// A rule that is an AND with a small positive set (an event in 30 days, an RFM segment…) is
// tested on that set's members only (its candidates), reading their trait values from
// trait_index and only their history rows; product properties of events come from columns of
// events. A one-condition OR is tested on every profile, reading traits from the profile's map:
// both must always agree. The clock stands at 2026-06-15 12:00 in Asia/Shanghai (04:00 UTC).
let t: TestApp;
let ws: { id: string };
let admin: string;
const ids: Record<string, string> = {};
const names = new Map<string, string>();

const people: Record<string, Record<string, string | number | boolean>> = {
  an: { skin_type: '干皮', points: 120, vip: true, member_level: '金卡' },
  bo: { skin_type: '敏感', points: 8 },
  cy: { skin_type: '油皮', member_level: '银卡' },
  di: { skin_type: '干皮' }, // will change to 油皮
  ed: { skin_type: '敏感', vip: false }, // will lose skin_type
  fa: { points: 300 }, // will gain skin_type 干皮
  gu: { skin_type: '干皮' }, // merged into an
  hu: {},
};

async function setTraits(name: string, traits: Record<string, unknown>) {
  // Same updated_at as before (the clock stands still): the profile row keeps its version.
  await t.ctx.db
    .updateTable('customers')
    .set({ traits: JSON.stringify(traits), updated_at: t.ctx.clock.now() })
    .where('workspace_id', '=', ws.id)
    .where('id', '=', ids[name])
    .execute();
}

beforeAll(async () => {
  t = await testApp();
  ws = await seedWorkspace(t.ctx, 'candidates');
  admin = await apiKey(t.ctx, ws.id, 'admin');
  for (const [name, traits] of Object.entries(people)) {
    const [c] = await seedCustomers(t.ctx, ws.id, [customer({ name, city: name === 'hu' ? '北京' : '上海', traits, firstSeenAt: new Date('2025-01-01T00:00:00Z') })]);
    ids[name] = c.id;
    names.set(c.id, name);
  }
  const ctx = t.ctx;
  let n = 0;
  const viewed = (who: string, properties: Record<string, unknown>, at = '2026-06-10T02:00:00Z') =>
    track(ctx, ws.id, { id: `v${n++}`, customerId: ids[who], event: 'Product Viewed', at, properties });
  // Everyone viewed something in the last 30 days (the driving set of most rules below).
  for (const who of Object.keys(people)) await viewed(who, { category: '口红', product_id: 'LIP-1', name: '唇釉' });
  await viewed('an', { category: '面霜', product_id: 'CRM-1', name: '面霜 50ml' });
  await viewed('bo', { category: '面霜', product_id: 'CRM-1' });
  await viewed('cy', { category: 5 }); // a number: compared as its text, '5'
  await viewed('di', { category: '' });
  await viewed('ed', { product_id: 'CRM-2' }); // no category at all
  await viewed('gu', { category: '面霜' }); // under the id merged into an
  await viewed('hu', { category: '面霜' }, '2026-04-01T02:00:00Z'); // outside 30 days
  // Orders: an bought 面霜 (refunded by a later version); bo bought 面霜 twice, once stored twice;
  // cy's order names di in a later version (the newest version's customer counts); gu (merged into an) bought 精华.
  await order(ctx, ws.id, { id: 'o1', customerId: ids.an, at: '2026-06-01T03:00:00Z', totalFen: 10_000, categories: ['面霜'] });
  await order(ctx, ws.id, { id: 'o1', customerId: ids.an, at: '2026-06-01T03:00:00Z', totalFen: 10_000, status: 'refunded', categories: ['面霜'], version: 2 });
  await order(ctx, ws.id, { id: 'o2', customerId: ids.bo, at: '2026-06-02T03:00:00Z', totalFen: 20_000, categories: ['面霜'] });
  await order(ctx, ws.id, { id: 'o2', customerId: ids.bo, at: '2026-06-02T03:00:00Z', totalFen: 20_000, categories: ['面霜'] });
  await order(ctx, ws.id, { id: 'o3', customerId: ids.bo, at: '2026-06-03T03:00:00Z', totalFen: 30_000, refundedFen: 5_000, categories: ['面霜', '精华'] });
  await order(ctx, ws.id, { id: 'o4', customerId: ids.cy, at: '2026-06-04T03:00:00Z', totalFen: 40_000, categories: ['面霜'] });
  await order(ctx, ws.id, { id: 'o4', customerId: ids.di, at: '2026-06-04T03:00:00Z', totalFen: 40_000, categories: ['面霜'], version: 2 });
  await order(ctx, ws.id, { id: 'o5', customerId: ids.gu, at: '2026-05-20T03:00:00Z', totalFen: 50_000, categories: ['精华'] });
  await merge(ctx, ws.id, ids.gu, ids.an);
}, 120_000);
afterAll(() => t?.close());

async function preview(rule: Rule): Promise<{ count: number; names: string[] }> {
  const res = await t.app.inject({ method: 'POST', url: '/api/segments/preview', headers: bearer(admin), payload: { rule } });
  expect(res.statusCode, res.body).toBe(200);
  const body = res.json();
  return { count: body.count, names: body.sample.map((c: { id: string }) => names.get(c.id)).sort() };
}

/** The rule's matches, checked equal to the same rule tested on every profile. */
async function matches(rule: Rule): Promise<string[]> {
  const withCandidates = await preview(rule);
  const everyone = await preview({ type: 'or', rules: [rule] });
  expect(withCandidates, JSON.stringify(rule)).toEqual(everyone);
  return withCandidates.names;
}

const viewedAny: Rule = { type: 'event', event: 'Product Viewed', time: { lastDays: 30 } };
const withViewers = (r: Rule): Rule => ({ type: 'and', rules: [viewedAny, r] });
const trait = (field: string, op: string, value?: unknown) => ({ type: 'trait', field, op, ...(value === undefined ? {} : { value }) }) as Rule;
const viewedWhere = (property: string, op: string, value?: unknown) =>
  ({ type: 'event', event: 'Product Viewed', where: [{ property, op, ...(value === undefined ? {} : { value }) }], time: { lastDays: 30 } }) as Rule;
const live = ['an', 'bo', 'cy', 'di', 'ed', 'fa', 'hu'];

describe('rules tested on their candidates agree with the full scan', () => {
  it.each<[string, Rule, string[]]>([
    ['a trait value alone (no candidates: read from the profiles)', trait('skin_type', 'in', ['干皮', '敏感']), ['an', 'bo', 'di', 'ed']],
    ['… for the candidates of an event (read from trait_index)', withViewers(trait('skin_type', 'eq', '干皮')), ['an', 'di']],
    ['text differs', withViewers(trait('skin_type', 'neq', '干皮')), ['bo', 'cy', 'ed']],
    ['not in a list', withViewers(trait('skin_type', 'not_in', ['干皮'])), ['bo', 'cy', 'ed']],
    ['the empty text in the list', withViewers(trait('skin_type', 'in', ['', '油皮'])), ['cy']],
    ['contains', withViewers(trait('member_level', 'contains', '卡')), ['an', 'cy']],
    ['number ≥', withViewers(trait('points', 'gte', 100)), ['an', 'fa']],
    ['number between', withViewers(trait('points', 'between', [1, 200])), ['an', 'bo']],
    ['boolean', withViewers(trait('vip', 'eq', false)), ['ed']],
    ['exists', withViewers(trait('points', 'exists')), ['an', 'bo', 'fa']],
    ['not_exists', withViewers(trait('skin_type', 'not_exists')), ['fa', 'hu']],
    ['not (trait)', withViewers({ type: 'not', rule: trait('skin_type', 'eq', '干皮') }), ['bo', 'cy', 'ed', 'fa', 'hu']],
    ['a builtin column', withViewers(trait('city', 'eq', '北京')), ['hu']],
    ['viewed 面霜 (a column of events; merged ids resolved)', viewedWhere('category', 'eq', '面霜'), ['an', 'bo']],
    ['category in a list', viewedWhere('category', 'in', ['面霜', '口红']), live],
    ['category is not 口红 (events without one do not count)', viewedWhere('category', 'neq', '口红'), ['an', 'bo', 'cy', 'di']],
    ['category in a list with the empty text', viewedWhere('category', 'in', ['']), ['di']],
    ['a number as text', viewedWhere('category', 'eq', '5'), ['cy']],
    ['category exists', viewedWhere('category', 'exists'), live],
    ['product_id', viewedWhere('product_id', 'eq', 'CRM-2'), ['ed']],
    ['name contains', viewedWhere('name', 'contains', '面霜'), ['an']],
    ['did not buy 面霜 in 30 days (refund version, reassigned order, duplicate row)', withViewers({ type: 'not', rule: { type: 'orders', metric: 'count', op: 'gte', value: 1, product: { categories: ['面霜'] }, time: { lastDays: 30 } } }), ['an', 'cy', 'ed', 'fa', 'hu']],
    // Only cy is a candidate here: the order cy's first version names is di's now.
    ['… for a candidate whose order a later version gave to someone else', { type: 'and', rules: [viewedWhere('category', 'eq', '5'), { type: 'orders', metric: 'count', op: 'eq', value: 0, product: { categories: ['面霜'] } }] }, ['cy']],
    ['… and bought', { type: 'and', rules: [viewedWhere('category', 'eq', '5'), { type: 'orders', metric: 'sum_fen', op: 'gt', value: 0 }] }, []],
    ['bought, by amount (merged histories add up)', withViewers({ type: 'orders', metric: 'sum_fen', op: 'gte', value: 40_000 }), ['an', 'bo', 'di']],
    ['order count = 0', withViewers({ type: 'computed', field: 'order_count', op: 'eq', value: 0 }), ['cy', 'ed', 'fa', 'hu']],
    ['viewed 面霜 and did not buy it, dry or sensitive skin', { type: 'and', rules: [viewedWhere('category', 'eq', '面霜'), { type: 'not', rule: { type: 'orders', metric: 'count', op: 'gte', value: 1, product: { categories: ['面霜'] } } }, trait('skin_type', 'in', ['干皮', '敏感'])] }, ['an']],
    ['nested and, an or inside', { type: 'and', rules: [{ type: 'and', rules: [viewedAny, trait('points', 'exists')] }, { type: 'or', rules: [trait('vip', 'eq', true), trait('city', 'eq', '上海')] }] }, ['an', 'bo', 'fa']],
  ])('%s', async (_label, rule, expected) => {
    expect(await matches(rule)).toEqual(expected);
  });

  it('follows trait changes: a value replaced, removed or added, a profile stored twice', async () => {
    await setTraits('di', { skin_type: '油皮' });
    await setTraits('ed', { vip: false });
    await setTraits('fa', { points: 300, skin_type: '干皮' });
    expect(await matches(withViewers(trait('skin_type', 'eq', '干皮')))).toEqual(['an', 'fa']);
    expect(await matches(trait('skin_type', 'in', ['干皮', '敏感']))).toEqual(['an', 'bo', 'fa']);
    expect(await matches(withViewers(trait('skin_type', 'not_exists')))).toEqual(['ed', 'hu']);
    expect(await matches(withViewers(trait('skin_type', 'eq', '油皮')))).toEqual(['cy', 'di']);
    // The same profile rows stored again (as a sync overlapping the last one does) change nothing.
    const profiles = t.ctx.events.table('customer_profiles');
    await t.ctx.events.command(`INSERT INTO ${profiles} SELECT * FROM ${profiles} FINAL WHERE workspace_id = {ws:UUID}`, { ws: ws.id });
    expect(await matches(withViewers(trait('skin_type', 'eq', '干皮')))).toEqual(['an', 'fa']);
    // Back to the first value.
    await setTraits('di', { skin_type: '干皮' });
    expect(await matches(withViewers(trait('skin_type', 'eq', '干皮')))).toEqual(['an', 'di', 'fa']);
  });
});

describe('… in a workspace without merges (history read without the OneID remap)', () => {
  it('agree too', async () => {
    const plain = await seedWorkspace(t.ctx, 'candidates-plain');
    const key = await apiKey(t.ctx, plain.id, 'admin');
    const who: Record<string, string> = {};
    const byId = new Map<string, string>();
    for (const [name, traits] of Object.entries({ ka: { skin_type: '干皮' }, lu: { skin_type: '敏感' }, mo: { skin_type: '干皮' }, ni: {} })) {
      const [c] = await seedCustomers(t.ctx, plain.id, [customer({ name, traits, firstSeenAt: new Date('2025-01-01T00:00:00Z') })]);
      who[name] = c.id;
      byId.set(c.id, name);
    }
    let n = 0;
    for (const name of ['ka', 'lu', 'mo', 'ni']) await track(t.ctx, plain.id, { id: `p${n++}`, customerId: who[name], event: 'Product Viewed', at: '2026-06-10T02:00:00Z', properties: { category: name === 'ni' ? '口红' : '面霜' } });
    await order(t.ctx, plain.id, { id: 'q1', customerId: who.ka, at: '2026-06-01T03:00:00Z', totalFen: 10_000, categories: ['面霜'] });
    await order(t.ctx, plain.id, { id: 'q1', customerId: who.ka, at: '2026-06-01T03:00:00Z', totalFen: 10_000, status: 'refunded', categories: ['面霜'], version: 2 });
    await order(t.ctx, plain.id, { id: 'q2', customerId: who.lu, at: '2026-06-02T03:00:00Z', totalFen: 20_000, categories: ['面霜'] });
    await order(t.ctx, plain.id, { id: 'q2', customerId: who.mo, at: '2026-06-02T03:00:00Z', totalFen: 20_000, categories: ['面霜'], version: 2 });
    await order(t.ctx, plain.id, { id: 'q3', customerId: who.lu, at: '2026-06-03T03:00:00Z', totalFen: 30_000, categories: ['精华'] });
    await order(t.ctx, plain.id, { id: 'q3', customerId: who.lu, at: '2026-06-03T03:00:00Z', totalFen: 30_000, categories: ['精华'] });
    const run = async (rule: Rule) => {
      const res = await t.app.inject({ method: 'POST', url: '/api/segments/preview', headers: bearer(key), payload: { rule } });
      expect(res.statusCode, res.body).toBe(200);
      return res.json().sample.map((c: { id: string }) => byId.get(c.id)).sort();
    };
    const check = async (rule: Rule, expected: string[]) => {
      expect(await run(rule), JSON.stringify(rule)).toEqual(expected);
      expect(await run({ type: 'or', rules: [rule] }), JSON.stringify(rule)).toEqual(expected);
    };
    const boughtCream = { type: 'orders', metric: 'count', op: 'gte', value: 1, product: { categories: ['面霜'] } } as Rule;
    await check({ type: 'and', rules: [viewedWhere('category', 'eq', '面霜'), { type: 'not', rule: boughtCream }] }, ['ka', 'lu']);
    await check({ type: 'and', rules: [viewedAny, { type: 'computed', field: 'order_count', op: 'eq', value: 1 }] }, ['lu', 'mo']);
    await check({ type: 'and', rules: [viewedAny, { type: 'orders', metric: 'sum_fen', op: 'gte', value: 20_000 }] }, ['lu', 'mo']);
    await check({ type: 'and', rules: [boughtCream, trait('skin_type', 'eq', '干皮')] }, ['mo']);
    await check(trait('skin_type', 'in', ['干皮', '敏感']), ['ka', 'lu', 'mo']);
  });
});
