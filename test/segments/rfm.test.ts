import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDemo } from '../../src/demo/index.js';
import { systemActor } from '../../src/audit/index.js';
import { DAY_MS, type ManualClock } from '../../src/core/index.js';
import { type RfmSettings, computeRfmSnapshot, DEFAULT_RFM_SETTINGS, hasMerges, saveRfmSettings } from '../../src/segments/index.js';
import { buildServer } from '../../src/api/index.js';
import { apiKey, bearer, seedWorkspace } from '../support/app.js';
import { insertOrder } from '../support/events.js';
import { type TestCtx, testStores } from '../support/stores.js';
import { rawAliases, rawOrders, referenceRfm } from './reference.js';

// The clock stands at 2026-06-15 12:00 in Asia/Shanghai (04:00 UTC). With a 365-day window the
// first counted local day is 2025-06-16, which starts at 2025-06-15 16:00 UTC.
let ctx: TestCtx;
let ws: { id: string; timezone: string };
const TZ = 'Asia/Shanghai';
const edge = { justIn: '', justOut: '', yesterday: '', today: '', refunded: '', alias: '', survivor: '' };

async function storedScores(snapshotId: string) {
  const rows = await ctx.events.query<{ customer_id: string; recency_days: number; frequency: number; monetary_fen: number; r: number; f: number; m: number; segment: string }>(
    `SELECT toString(customer_id) AS customer_id, recency_days, frequency, monetary_fen, r, f, m, segment FROM ${ctx.events.table('rfm_scores')}
     WHERE workspace_id = {ws:UUID} AND snapshot_id = {id:UUID}`,
    { ws: ws.id, id: snapshotId },
  );
  return new Map(rows.map((r) => [r.customer_id, { recencyDays: Number(r.recency_days), frequency: Number(r.frequency), monetaryFen: Number(r.monetary_fen), r: Number(r.r), f: Number(r.f), m: Number(r.m), segment: r.segment }]));
}

async function expectMatchesReference(settings: RfmSettings) {
  await saveRfmSettings(ctx, ws.id, settings, { actor: systemActor });
  const snap = await computeRfmSnapshot(ctx, ws);
  const expected = referenceRfm(await rawOrders(ctx, ws.id), await rawAliases(ctx, ws.id), settings, ctx.clock.now(), TZ);
  const actual = await storedScores(snap.id);
  expect(actual.size).toBe(expected.size);
  expect(Object.fromEntries(actual)).toEqual(Object.fromEntries(expected));
  expect(snap.customers).toBe(expected.size);
  return { snap, expected };
}

beforeAll(async () => {
  ctx = await testStores();
  const demo = await loadDemo(ctx, { customers: 2000 });
  ws = { id: demo.workspaceId, timezone: TZ };
  const ids = (await ctx.db.selectFrom('customers').select('id').where('workspace_id', '=', ws.id).orderBy('id').limit(7).execute()).map((r) => r.id);
  [edge.justIn, edge.justOut, edge.yesterday, edge.today, edge.refunded, edge.alias, edge.survivor] = ids;
  // Hand-built rows on top of the demo history, at the local day boundaries that matter.
  const order = (orderId: string, customerId: string, at: string, totalFen: number, status?: 'refunded') => insertOrder(ctx, ws.id, { orderId, customerId, at, totalFen, status });
  await order('EDGE-IN', edge.justIn, '2025-06-15T16:00:00.000Z', 8_000_000); // 2025-06-16 00:00 local: first day of the window
  await order('EDGE-OUT', edge.justOut, '2025-06-15T15:59:59.999Z', 9_000_000); // 23:59:59.999 the day before: outside
  await order('EDGE-YESTERDAY', edge.yesterday, '2026-06-14T15:59:59.999Z', 100); // yesterday 23:59 local: recency 1
  await order('EDGE-TODAY', edge.today, '2026-06-14T16:00:00.000Z', 100); // today 00:00 local: recency 0
  await order('EDGE-REFUND', edge.refunded, '2026-06-10T02:00:00Z', 7_000_000, 'refunded');
  // A partial refund: a later version of the same order keeps it a purchase at its net amount.
  await order('EDGE-PARTIAL', edge.refunded, '2026-06-11T02:00:00Z', 50_000);
  await ctx.events.insert('orders', [
    { workspace_id: ws.id, order_id: 'EDGE-PARTIAL', customer_id: edge.refunded, status: 'completed', ordered_at: '2026-06-11 02:00:00.000', total_fen: 50_000, discount_fen: 0, refunded_fen: 20_000, channel: 'mp', staff_userid: '', products: '[]', skus: [], categories: [], version: 2 },
  ]);
  // OneID: the alias was merged into the survivor (the older alias version pointed elsewhere).
  await order('EDGE-ALIAS', edge.alias, '2026-06-12T02:00:00Z', 3_000_000);
  await order('EDGE-SURVIVOR', edge.survivor, '2026-05-12T02:00:00Z', 1_000_000);
  await ctx.events.insert('customer_aliases', [
    { workspace_id: ws.id, alias_id: edge.alias, customer_id: edge.justIn, version: 1 },
    { workspace_id: ws.id, alias_id: edge.alias, customer_id: edge.survivor, version: 2 },
  ]);
}, 300_000);
afterAll(() => ctx?.close());

describe('RFM equals an independent computation on the demo brand', () => {
  it('quintile scoring, high = above the mean', async () => {
    const { expected } = await expectMatchesReference(DEFAULT_RFM_SETTINGS);
    expect(expected.size).toBeGreaterThan(500);
    expect(new Set([...expected.values()].map((s) => s.segment)).size).toBe(8);
  });

  it('custom thresholds, high = above the median', async () => {
    await expectMatchesReference({ ...DEFAULT_RFM_SETTINGS, windowDays: 180, scoring: 'thresholds', compareTo: 'median' });
  });

  it('counts local days, refunds, versions and merges as the rules say', async () => {
    const { expected } = await expectMatchesReference(DEFAULT_RFM_SETTINGS);
    expect(expected.get(edge.justOut)?.monetaryFen ?? 0).toBeLessThan(9_000_000);
    expect(expected.get(edge.justIn)!.monetaryFen).toBeGreaterThanOrEqual(8_000_000);
    expect(expected.get(edge.today)!.recencyDays).toBe(0);
    expect(expected.get(edge.yesterday)!.recencyDays).toBeLessThanOrEqual(1);
    expect(expected.get(edge.refunded)!.monetaryFen).toBeLessThan(7_000_000);
    expect(expected.has(edge.alias)).toBe(false);
    expect(expected.get(edge.survivor)!.monetaryFen).toBeGreaterThanOrEqual(4_000_000);
  });
});

describe('RFM API', () => {
  it('summarises the 8 segments with customers and revenue that add up', async () => {
    await saveRfmSettings(ctx, ws.id, DEFAULT_RFM_SETTINGS, { actor: systemActor });
    const snap = await computeRfmSnapshot(ctx, ws);
    const app = await buildServer(ctx, { logger: false });
    try {
      const key = await apiKey(ctx, ws.id, 'viewer');
      const res = await app.inject({ url: '/api/rfm/summary', headers: bearer(key) });
      expect(res.statusCode).toBe(200);
      const body = res.json();
      expect(body.snapshot.id).toBe(snap.id);
      expect(body.segments.map((s: { key: string }) => s.key)).toHaveLength(8);
      expect(body.segments.find((s: { key: string }) => s.key === 'important_retain')).toMatchObject({ name: '重要保持客户', high: { r: false, f: true, m: true } });
      const sum = (k: string) => body.segments.reduce((a: number, s: Record<string, number>) => a + s[k], 0);
      expect(sum('customers')).toBe(snap.customers);
      expect(sum('revenueFen')).toBe(snap.revenueFen);

      const grid = (await app.inject({ url: '/api/rfm/grid', headers: bearer(key) })).json();
      expect(grid.cells).toHaveLength(25);
      expect(grid.cells.reduce((a: number, c: { customers: number }) => a + c.customers, 0)).toBe(snap.customers);

      const seg = body.segments.find((s: { customers: number }) => s.customers > 0);
      const page = (await app.inject({ url: `/api/rfm/customers?segment=${seg.key}&limit=200`, headers: bearer(key) })).json();
      expect(page.items.every((c: { segment: string }) => c.segment === seg.key)).toBe(true);
      expect(page.items.length).toBe(Math.min(200, seg.customers));
      expect(page.items[0].name).toMatch(/\*/); // a viewer sees masked names
    } finally {
      await app.close();
    }
  });

  it('counts customers moving between two snapshots', async () => {
    const clock = ctx.clock as ManualClock;
    const first = await computeRfmSnapshot(ctx, ws);
    clock.advance(40 * DAY_MS);
    await insertOrder(ctx, ws.id, { orderId: 'MOVE-1', customerId: edge.justOut, at: new Date(clock.now().getTime() - 3_600_000).toISOString(), totalFen: 9_999_999 });
    const second = await computeRfmSnapshot(ctx, ws);
    const before = await storedScores(first.id);
    const after = await storedScores(second.id);
    const app = await buildServer(ctx, { logger: false });
    try {
      const key = await apiKey(ctx, ws.id, 'viewer');
      const res = await app.inject({ url: `/api/rfm/movement?fromSnapshot=${first.id}&toDate=2026-07-25`, headers: bearer(key) });
      expect(res.statusCode).toBe(200);
      const body = res.json();
      expect(body.to.id).toBe(second.id);
      const ids = new Set([...before.keys(), ...after.keys()]);
      const expected = new Map<string, number>();
      for (const id of ids) {
        const k = `${before.get(id)?.segment ?? 'none'}>${after.get(id)?.segment ?? 'none'}`;
        expected.set(k, (expected.get(k) ?? 0) + 1);
      }
      expect(new Map(body.cells.map((c: { from: string; to: string; customers: number }) => [`${c.from}>${c.to}`, c.customers]))).toEqual(expected);
      expect(after.get(edge.justOut)!.segment).toMatch(/^important_/);
      // Drill into one cell of the movement: exactly the customers who made that move.
      const cell = body.cells.find((c: { from: string; to: string; customers: number }) => c.from !== c.to && c.from !== 'none' && c.customers > 0);
      const who = [...ids].filter((id) => (before.get(id)?.segment ?? 'none') === cell.from && (after.get(id)?.segment ?? 'none') === cell.to).sort();
      const drill = (await app.inject({ url: `/api/rfm/movement/customers?fromSnapshot=${first.id}&toSnapshot=${second.id}&fromSegment=${cell.from}&toSegment=${cell.to}&limit=200`, headers: bearer(key) })).json();
      expect(who.length).toBeLessThanOrEqual(200);
      expect(drill.items.map((c: { id: string }) => c.id).sort()).toEqual(who);
      const missing = await app.inject({ url: '/api/rfm/movement?toDate=2026-07-25', headers: bearer(key) });
      expect(missing.statusCode).toBe(400);
    } finally {
      await app.close();
      clock.set('2026-06-15T04:00:00Z');
    }
  });
});

describe('RFM without merges, then through a merge and an unmerge', () => {
  // A workspace of its own with no customer_aliases row (history is read without the OneID
  // remap), then one customer merged into another, then unmerged (its alias points to itself).
  it('equals the independent computation at every step', async () => {
    const other = await seedWorkspace(ctx, 'rfm-merges');
    const ws2 = { id: other.id, timezone: TZ };
    const people = Array.from({ length: 24 }, (_, i) => `0197a000-0000-7000-8000-${String(i).padStart(12, '0')}`);
    let seed = 7;
    const rand = (n: number) => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return Math.floor((seed / 2 ** 31) * n);
    };
    for (let i = 0; i < 90; i++) {
      const at = new Date(Date.UTC(2026, 5, 15, 4) - rand(400) * 86_400_000 - rand(86_400) * 1000).toISOString();
      await insertOrder(ctx, ws2.id, { orderId: `M-${i}`, customerId: people[rand(people.length)], at, totalFen: 1_000 + rand(500_000) });
    }
    // A partial refund and a full refund as later versions, a row stored twice, an order a later version gives to someone else.
    await insertOrder(ctx, ws2.id, { orderId: 'M-1', customerId: (await ownerOf(ws2.id, 'M-1'))!, at: await atOf(ws2.id, 'M-1'), totalFen: 400_000, refundedFen: 100_000, version: 2 });
    await insertOrder(ctx, ws2.id, { orderId: 'M-2', customerId: (await ownerOf(ws2.id, 'M-2'))!, at: await atOf(ws2.id, 'M-2'), totalFen: 5_000, status: 'refunded', version: 2 });
    await insertOrder(ctx, ws2.id, { orderId: 'M-3', customerId: (await ownerOf(ws2.id, 'M-3'))!, at: await atOf(ws2.id, 'M-3'), totalFen: 7_000 });
    await insertOrder(ctx, ws2.id, { orderId: 'M-4', customerId: people[0], at: await atOf(ws2.id, 'M-4'), totalFen: 9_000, version: 2 });
    const check = async () => {
      await saveRfmSettings(ctx, ws2.id, DEFAULT_RFM_SETTINGS, { actor: systemActor });
      const snap = await computeRfmSnapshot(ctx, ws2);
      const expected = referenceRfm(await rawOrders(ctx, ws2.id), await rawAliases(ctx, ws2.id), DEFAULT_RFM_SETTINGS, ctx.clock.now(), TZ);
      const rows = await ctx.events.query<{ customer_id: string; recency_days: number; frequency: number; monetary_fen: number; r: number; f: number; m: number; segment: string }>(
        `SELECT toString(customer_id) AS customer_id, recency_days, frequency, monetary_fen, r, f, m, segment FROM ${ctx.events.table('rfm_scores')} WHERE workspace_id = {ws:UUID} AND snapshot_id = {id:UUID}`,
        { ws: ws2.id, id: snap.id },
      );
      const actual = new Map(rows.map((r) => [r.customer_id, { recencyDays: Number(r.recency_days), frequency: Number(r.frequency), monetaryFen: Number(r.monetary_fen), r: Number(r.r), f: Number(r.f), m: Number(r.m), segment: r.segment }]));
      expect(Object.fromEntries(actual)).toEqual(Object.fromEntries(expected));
      return expected;
    };
    expect(await hasMerges(ctx.events, ws2.id)).toBe(false);
    const before = await check();
    expect(before.size).toBeGreaterThan(15);
    await ctx.events.insert('customer_aliases', [{ workspace_id: ws2.id, alias_id: people[1], customer_id: people[2], version: 1 }]);
    expect(await hasMerges(ctx.events, ws2.id)).toBe(true);
    const merged = await check();
    expect(merged.has(people[1])).toBe(false);
    await ctx.events.insert('customer_aliases', [{ workspace_id: ws2.id, alias_id: people[1], customer_id: people[1], version: 2 }]);
    expect(Object.fromEntries(await check())).toEqual(Object.fromEntries(before));
  });
});

async function ownerOf(wsId: string, orderId: string): Promise<string | undefined> {
  const [r] = await ctx.events.query<{ c: string }>(`SELECT toString(customer_id) AS c FROM ${ctx.events.table('orders')} WHERE workspace_id = {ws:UUID} AND order_id = {o:String}`, { ws: wsId, o: orderId });
  return r?.c;
}

async function atOf(wsId: string, orderId: string): Promise<string> {
  const [r] = await ctx.events.query<{ at: string }>(`SELECT toString(ordered_at) AS at FROM ${ctx.events.table('orders')} WHERE workspace_id = {ws:UUID} AND order_id = {o:String}`, { ws: wsId, o: orderId });
  return `${r.at.replace(' ', 'T')}Z`;
}
