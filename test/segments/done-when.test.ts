import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDemo } from '../../src/demo/index.js';
import type { ManualClock } from '../../src/core/index.js';
import { changedCustomers, computeRfmSnapshot, refreshCustomers, type Rule } from '../../src/segments/index.js';
import { buildServer, type Server } from '../../src/api/index.js';
import { apiKey, bearer } from '../support/app.js';
import { type TestCtx, testStores } from '../support/stores.js';
import { localDay, rawAliases } from './reference.js';
import { order, track } from './support.js';

// Issue 5, "done when": on the demo brand, build "重要挽留 customers who viewed 面霜 in the last
// 30 days but did not buy", see its count follow the rule, export it, and watch it change after
// new events arrive. Expected counts come from the raw rows, computed here in TypeScript.
let ctx: TestCtx;
let app: Server;
let key: string;
let ws: { id: string; timezone: string };
const TZ = 'Asia/Shanghai';

const viewedCream: Rule = { type: 'event', event: 'Product Viewed', where: [{ property: 'category', op: 'eq', value: '面霜' }], time: { lastDays: 30 } };
const boughtCream: Rule = { type: 'orders', metric: 'count', op: 'gte', value: 1, product: { categories: ['面霜'] }, time: { lastDays: 30 } };
const winback: Rule = { type: 'rfm', segments: ['important_winback'] };
const target: Rule = { type: 'and', rules: [winback, viewedCream, { type: 'not', rule: boughtCream }] };

/** Live customers (by root) who did something in the last 30 local days, from raw rows. */
async function reference() {
  const aliases = await rawAliases(ctx, ws.id);
  const root = (id: string) => aliases.get(id) ?? id;
  const firstDay = localDay(ctx.clock.now(), TZ) - 29;
  const inWindow = (at: string) => localDay(new Date(`${at.replace(' ', 'T')}Z`), TZ) >= firstDay && new Date(`${at.replace(' ', 'T')}Z`) <= ctx.clock.now();
  const views = await ctx.events.query<{ customer_id: string; timestamp: string; properties: string }>(
    `SELECT toString(customer_id) AS customer_id, toString(timestamp) AS timestamp, properties FROM ${ctx.events.table('events')} WHERE workspace_id = {ws:UUID} AND event = 'Product Viewed'`,
    { ws: ws.id },
  );
  const viewed = new Set(views.filter((v) => inWindow(v.timestamp) && JSON.parse(v.properties).category === '面霜').map((v) => root(v.customer_id)));
  const orders = await ctx.events.query<{ order_id: string; customer_id: string; ordered_at: string; status: string; categories: string[]; version: number }>(
    `SELECT order_id, toString(customer_id) AS customer_id, toString(ordered_at) AS ordered_at, status, categories, version FROM ${ctx.events.table('orders')} WHERE workspace_id = {ws:UUID}`,
    { ws: ws.id },
  );
  const newest = new Map<string, (typeof orders)[number]>();
  for (const o of orders) if (!newest.has(o.order_id) || Number(o.version) > Number(newest.get(o.order_id)!.version)) newest.set(o.order_id, o);
  const bought = new Set([...newest.values()].filter((o) => o.status === 'completed' && o.categories.includes('面霜') && inWindow(o.ordered_at)).map((o) => root(o.customer_id)));
  const latest = await ctx.db.selectFrom('rfm_snapshots').select('id').where('workspace_id', '=', ws.id).where('status', '=', 'ready').orderBy('seq', 'desc').executeTakeFirstOrThrow();
  const scores = await ctx.events.query<{ customer_id: string }>(
    `SELECT toString(customer_id) AS customer_id FROM ${ctx.events.table('rfm_scores')} WHERE snapshot_id = {s:UUID} AND segment = 'important_winback'`,
    { s: latest.id },
  );
  const winbackSet = new Set(scores.map((s) => root(s.customer_id)));
  return { viewed, bought, winback: winbackSet, target: [...winbackSet].filter((c) => viewed.has(c) && !bought.has(c)) };
}

async function count(rule: Rule): Promise<number> {
  const res = await app.inject({ method: 'POST', url: '/api/segments/preview', headers: bearer(key), payload: { rule } });
  expect(res.statusCode, res.body).toBe(200);
  return res.json().count;
}

beforeAll(async () => {
  ctx = await testStores();
  const demo = await loadDemo(ctx, { customers: 2000 });
  ws = { id: demo.workspaceId, timezone: TZ };
  await computeRfmSnapshot(ctx, ws);
  app = await buildServer(ctx, { logger: false });
  key = await apiKey(ctx, ws.id, 'operator');
}, 300_000);
afterAll(async () => {
  await app?.close();
  await ctx?.close();
});

describe('the 重要挽留 who viewed 面霜 but did not buy, on the demo brand', () => {
  it('counts every step of the rule as the raw data says', async () => {
    const ref = await reference();
    expect(ref.target.length).toBeGreaterThan(0);
    expect(await count(winback)).toBe(ref.winback.size);
    expect(await count({ type: 'and', rules: [winback, viewedCream] })).toBe([...ref.winback].filter((c) => ref.viewed.has(c)).length);
    expect(await count(target)).toBe(ref.target.length);
  });

  it('is saved, exported, and follows new events', async () => {
    const created = await app.inject({ method: 'POST', url: '/api/segments', headers: bearer(key), payload: { name: '重要挽留-看了面霜未购买', rule: target } });
    expect(created.statusCode, created.body).toBe(201);
    const seg = created.json();
    const ref = await reference();
    expect(seg.members).toBe(ref.target.length);

    const csv = await app.inject({ url: `/api/segments/${seg.id}/export`, headers: bearer(key) });
    expect(csv.statusCode).toBe(200);
    expect(csv.headers['content-type']).toMatch(/^text\/csv/);
    const lines = csv.body.replace(/^\uFEFF/, '').trimEnd().split('\r\n');
    expect(lines[0]).toBe('customer_id,name,phone,city,channel,member_since');
    expect(lines.slice(1).map((l) => l.split(',')[0]).sort()).toEqual([...ref.target].sort());
    expect(lines[1]).toMatch(/\*\*\*\*/); // an operator sees masked phones

    // A 重要挽留 customer who has not looked at 面霜 lately does so now, and one member buys it.
    const newcomer = [...ref.winback].find((c) => !ref.viewed.has(c) && !ref.bought.has(c))!;
    const leaver = ref.target[0];
    (ctx.clock as ManualClock).advance(2 * 60_000);
    await changedCustomers(ctx, ws.id); // start watching from here
    const now = ctx.clock.now().toISOString();
    await track(ctx, ws.id, { id: 'done-when-view', customerId: newcomer, event: 'Product Viewed', at: now, properties: { category: '面霜' } });
    await track(ctx, ws.id, { id: 'done-when-buy', customerId: leaver, event: 'Order Completed', at: now, properties: {} });
    await order(ctx, ws.id, { id: 'DONE-WHEN-1', customerId: leaver, at: now, totalFen: 29900, categories: ['面霜'] });
    const changed = await changedCustomers(ctx, ws.id);
    expect(changed.sort()).toEqual([newcomer, leaver].sort());
    await refreshCustomers(ctx, ws, changed);

    const after = (await app.inject({ url: `/api/segments/${seg.id}`, headers: bearer(key) })).json();
    expect(after.members).toBe(ref.target.length);
    const events = await ctx.events.query<{ event: string; who: string; properties: string }>(
      `SELECT event, toString(customer_id) AS who, properties FROM ${ctx.events.table('events')} FINAL
       WHERE workspace_id = {ws:UUID} AND event IN ('Segment Entered', 'Segment Exited') AND customer_id IN {ids:Array(UUID)}`,
      { ws: ws.id, ids: [newcomer, leaver] },
    );
    expect(events.map((e) => [e.event, e.who]).sort()).toEqual(
      [
        ['Segment Entered', leaver],
        ['Segment Exited', leaver],
        ['Segment Entered', newcomer],
      ].sort(),
    );
    expect(JSON.parse(events[0].properties)).toEqual({ segment_id: seg.id, segment_name: '重要挽留-看了面霜未购买' });
    expect(await count(target)).toBe((await reference()).target.length);
  });
});
