import { afterAll, beforeAll, expect, it } from 'vitest';
import { formatDateInZone, manualClock, newId } from '../../src/core/index.js';
import { computeRfmSnapshot, pruneRfmSnapshots, rfmMovement } from '../../src/segments/index.js';
import { seedWorkspace } from '../support/app.js';
import { insertOrder } from '../support/events.js';
import { type TestCtx, testStores } from '../support/stores.js';

// Daily RFM snapshots are kept for 35 days, then the last of each local month for 24 months.
const clock = manualClock('2024-01-01T04:00:00Z');
let ctx: TestCtx;
let ws: { id: string; timezone: string };

beforeAll(async () => {
  ctx = await testStores({ clock });
  ws = await seedWorkspace(ctx, 'rfm-retention');
  // An order a month, so that every snapshot scores somebody.
  for (let month = 0; month < 30; month++) {
    await insertOrder(ctx, ws.id, { orderId: `R-${month}`, customerId: newId(), at: new Date(Date.UTC(2023, 11 + month, 1, 4)).toISOString(), totalFen: 19_900 });
  }
});
afterAll(() => ctx?.close());

const local = (at: Date) => formatDateInZone(at, ws.timezone);
const kept = async () => (await ctx.db.selectFrom('rfm_snapshots').select(['id', 'at']).where('workspace_id', '=', ws.id).orderBy('at').execute()).map((r) => ({ id: r.id, day: local(r.at) }));

it('keeps the last 35 days and the last snapshot of each of 24 months, and drops their scores', async () => {
  // Snapshots on the 5th, 15th and 25th of every month from 2024-01 to 2026-03, then daily from 2026-04-01.
  for (let month = 0; month < 27; month++) {
    for (const day of [5, 15, 25]) {
      clock.set(new Date(Date.UTC(2024, month, day, 4)).toISOString());
      await computeRfmSnapshot(ctx, ws);
    }
  }
  const lastDaily = Date.UTC(2026, 4, 10, 4); // 2026-05-10 12:00 in Shanghai
  for (let d = 39; d >= 0; d--) {
    clock.set(new Date(lastDaily - d * 86_400_000).toISOString());
    await computeRfmSnapshot(ctx, ws);
  }
  // A crashed run two days ago, never finished.
  await ctx.db.insertInto('rfm_snapshots').values({ workspace_id: ws.id, id: newId(), at: new Date(lastDaily - 2 * 86_400_000), status: 'computing', settings: '{}' }).execute();
  const before = await kept();

  const dropped = await pruneRfmSnapshots(ctx, ws);
  const after = await kept();
  expect(dropped).toBe(before.length - after.length);
  expect(after.length).toBeLessThan(before.length);
  const days = after.map((s) => s.day);
  // Daily: 2026-04-05 … 2026-05-10 (35 days back from the clock, inclusive).
  expect(days.filter((d) => d >= '2026-04-05')).toHaveLength(36);
  // Monthly: the last snapshot of each month from 2024-06 (24 months back from 2026-05) to 2026-03.
  const monthly = days.filter((d) => d < '2026-04-05');
  expect(monthly).toEqual([
    ...['2024-06', '2024-07', '2024-08', '2024-09', '2024-10', '2024-11', '2024-12'].map((m) => `${m}-25`),
    ...['01', '02', '03', '04', '05', '06', '07', '08', '09', '10', '11', '12'].map((m) => `2025-${m}-25`),
    '2026-01-25',
    '2026-02-25',
    '2026-03-25',
  ]);
  const scored = await ctx.events.query<{ id: string }>(`SELECT DISTINCT toString(snapshot_id) AS id FROM ${ctx.events.table('rfm_scores')} WHERE workspace_id = {ws:UUID}`, { ws: ws.id });
  expect(scored.map((r) => r.id).sort()).toEqual(after.map((s) => s.id).sort());

  // A date in a pruned month reads that month's last snapshot; pruning again drops nothing.
  const movement = await rfmMovement(ctx, ws, { date: '2025-03-10' }, { date: '2026-05-10' });
  expect(local(movement.from.at)).toBe('2025-02-25');
  expect(await pruneRfmSnapshots(ctx, ws)).toBe(0);
});
