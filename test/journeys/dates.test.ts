import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { manualClock } from '../../src/core/index.js';
import { testStores, type TestCtx } from '../support/stores.js';
import { customer, seedCustomers, seedWorkspace } from '../support/app.js';
import { runJourneysOnce } from '../../src/journeys/index.js';
import { liveJourney, runsOf, smsTemplate } from './support.js';

const clock = manualClock('2026-11-30T02:00:00Z');
let ctx: TestCtx;
let ws: { id: string; timezone: string };
let people: string[];
let tmpl: string;

beforeAll(async () => {
  ctx = await testStores({ clock });
  ws = await seedWorkspace(ctx, 'jdates');
  await ctx.db.updateTable('workspaces').set({ timezone: 'Asia/Shanghai' }).where('id', '=', ws.id).execute();
  people = (
    await seedCustomers(ctx, ws.id, [
      customer({ name: '甲', traits: { points_expire_at: '2026-12-04T17:00:00Z' } }), // 2026-12-05 01:00 in Shanghai
      customer({ name: '乙', traits: { points_expire_at: '2026-12-04' } }),
      customer({ name: '丙', traits: { points_expire_at: '2026-12-05T10:00:00+08:00' } }),
      customer({ name: '丁', traits: { points_expire_at: 'not a date' } }),
    ])
  ).map((r) => r.id);
  tmpl = (await smsTemplate(ctx, ws.id, 'pts')).id;
});
afterAll(() => ctx?.close());

describe('date triggers with a time part', () => {
  it('compare the workspace-local date (Asia/Shanghai): expiry at 2026-12-04T17:00Z is 12-05', async () => {
    const j = await liveJourney(ctx, ws.id, { trigger: { kind: 'date', trait: 'points_expire_at', offsetDays: -3, at: '09:00', yearly: false }, start: 's', steps: [{ id: 's', kind: 'send', channel: 'sms', templateId: tmpl }] }, 'pts');
    const day = async (iso: string) => {
      clock.set(iso);
      await runJourneysOnce(ctx);
      return (await runsOf(ctx, ws.id, j.id)).map((r) => r.customer_id);
    };
    expect(await day('2026-11-30T02:00:00Z')).toEqual([]); // 11-30 10:00 local
    expect(await day('2026-12-01T02:00:00Z')).toEqual([people[1]]); // 12-01: expires 12-04
    expect((await day('2026-12-02T02:00:00Z')).sort()).toEqual([people[1], people[0], people[2]].sort()); // 12-02: expire 12-05 local
    expect(await day('2026-12-03T02:00:00Z')).toHaveLength(3);
  });
});
