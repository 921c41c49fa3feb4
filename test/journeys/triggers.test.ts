import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testStores, type TestCtx } from '../support/stores.js';
import { customer, seedCustomers, seedWorkspace } from '../support/app.js';
import { chTime } from '../../src/store/index.js';
import { createSegment } from '../../src/segments/index.js';
import { enterJourney, pauseJourney, resumeJourney, runJourneysOnce } from '../../src/journeys/index.js';
import type { LoyaltyGrants } from '../../src/loyalty/index.js';
import { advance, by, DAY, HOUR, liveJourney, manual, messagesOf, runsOf, smsTemplate, trackEvent } from './support.js';

let ctx: TestCtx;
let ws: { id: string; timezone: string };
let tmpl: string;
const people: string[] = [];
let segmentId: string;

beforeAll(async () => {
  ctx = await testStores();
  ws = await seedWorkspace(ctx, 'jtrig');
  const recs = await seedCustomers(
    ctx,
    ws.id,
    Array.from({ length: 12 }, (_, i) => customer({ name: `客户${i}`, ...(i < 2 ? { birthday: '1990-06-16' } : {}), traits: i === 2 ? { points_expire_at: '2026-06-18T00:00:00Z' } : {} })),
  );
  people.push(...recs.map((r) => r.id));
  tmpl = (await smsTemplate(ctx, ws.id, 'hi')).id;
  segmentId = (await createSegment(ctx, ws, { name: '高价值', rule: { type: 'trait', field: 'city', op: 'eq', value: '上海' } }, by)).id;
});
afterAll(() => ctx?.close());

const one = (id = 's') => [{ id, kind: 'send', channel: 'sms', templateId: tmpl }];

describe('journey triggers', () => {
  it('segment entered and WeCom contact added (by live code) are events', async () => {
    const seg = await liveJourney(ctx, ws.id, { trigger: { kind: 'segment', segmentId, on: 'entered' }, start: 's', steps: one() }, 'seg');
    const code = '0195f0a0-0000-7000-8000-0000000000aa';
    const add = await liveJourney(ctx, ws.id, { trigger: { kind: 'contact_added' }, start: 's', steps: one() }, 'add');
    advance(ctx, 1000);
    await trackEvent(ctx, ws.id, { messageId: 'se1', customerId: people[3], event: 'Segment Entered', properties: { segment_id: segmentId } });
    await trackEvent(ctx, ws.id, { messageId: 'se2', customerId: people[4], event: 'Segment Entered', properties: { segment_id: 'other' } });
    await trackEvent(ctx, ws.id, { messageId: 'wa1', customerId: people[5], event: 'WeCom Contact Added', properties: { live_code_id: code } });
    await runJourneysOnce(ctx);
    expect((await runsOf(ctx, ws.id, seg.id)).map((r) => r.customer_id)).toEqual([people[3]]);
    expect((await runsOf(ctx, ws.id, add.id)).map((r) => [r.customer_id, r.status])).toEqual([[people[5], 'completed']]);
  });

  it('date triggers: birthdays yearly and points expiring in 3 days, at the local time, once a day', async () => {
    // 2026-06-15T04:00Z = 12:00 in Shanghai.
    const bday = await liveJourney(ctx, ws.id, { trigger: { kind: 'date', trait: 'birthday', offsetDays: -1, at: '10:00', yearly: true }, reentry: { mode: 'every', days: 300 }, start: 's', steps: one() }, 'bday');
    const pts = await liveJourney(ctx, ws.id, { trigger: { kind: 'date', trait: 'points_expire_at', offsetDays: -3, at: '13:00', yearly: false }, start: 's', steps: one() }, 'pts');
    await runJourneysOnce(ctx);
    await runJourneysOnce(ctx);
    expect((await runsOf(ctx, ws.id, bday.id)).map((r) => r.customer_id).sort()).toEqual([people[0], people[1]].sort());
    expect(await runsOf(ctx, ws.id, pts.id)).toHaveLength(0);
    advance(ctx, HOUR);
    await runJourneysOnce(ctx);
    expect(await runsOf(ctx, ws.id, pts.id)).toHaveLength(1);
    advance(ctx, 365 * DAY);
    await runJourneysOnce(ctx);
    expect(await runsOf(ctx, ws.id, bday.id)).toHaveLength(4);
  });

  it('schedule: each cron tick the segment members enter, re-entry every N days', async () => {
    const members = [people[6], people[7], people[8]];
    await ctx.events.insert(
      'audience_state',
      members.map((cid) => ({ workspace_id: ws.id, audience: `segment:${segmentId}`, customer_id: cid, value: '1', changed_at: chTime(ctx.clock.now()), version: 1 })),
    );
    const j = await liveJourney(ctx, ws.id, { trigger: { kind: 'schedule', cron: '0 9 * * *', segmentId }, reentry: { mode: 'every', days: 2 }, start: 's', steps: one() }, 'daily');
    await runJourneysOnce(ctx);
    expect(await runsOf(ctx, ws.id, j.id)).toHaveLength(0);
    advance(ctx, DAY); // past 09:00 local on the next day
    await runJourneysOnce(ctx);
    await runJourneysOnce(ctx);
    expect(await runsOf(ctx, ws.id, j.id)).toHaveLength(3);
    advance(ctx, DAY);
    await runJourneysOnce(ctx);
    expect(await runsOf(ctx, ws.id, j.id)).toHaveLength(3);
    advance(ctx, DAY);
    await runJourneysOnce(ctx);
    expect(await runsOf(ctx, ws.id, j.id)).toHaveLength(6);
  });

  it('exit events end runs; paused journeys hold runs; always re-enters only when not in flight', async () => {
    const j = await liveJourney(
      ctx,
      ws.id,
      { ...manual({ start: 'w', steps: [{ id: 'w', kind: 'wait', duration: { days: 2 }, next: 's' }, ...one()] }), reentry: { mode: 'always' }, exits: [{ event: 'Unsubscribed' }] },
      'exits',
    );
    const [a, b] = [people[9], people[10]];
    expect((await enterJourney(ctx, ws.id, j.id, [a, b])).entered).toBe(2);
    expect((await enterJourney(ctx, ws.id, j.id, [a])).entered).toBe(0);
    await runJourneysOnce(ctx);
    advance(ctx, HOUR);
    await trackEvent(ctx, ws.id, { messageId: 'un1', customerId: a, event: 'Unsubscribed' });
    await runJourneysOnce(ctx);
    await pauseJourney(ctx, ws.id, j.id, by);
    advance(ctx, 3 * DAY);
    await runJourneysOnce(ctx);
    let runs = await runsOf(ctx, ws.id, j.id);
    expect(Object.fromEntries(runs.map((r) => [r.customer_id, r.status]))).toEqual({ [a]: 'exited', [b]: 'waiting' });
    await resumeJourney(ctx, ws.id, j.id, by);
    await runJourneysOnce(ctx);
    runs = await runsOf(ctx, ws.id, j.id);
    expect(runs.find((r) => r.customer_id === b)?.status).toBe('completed');
    expect((await enterJourney(ctx, ws.id, j.id, [a])).entered).toBe(1);
  });

  it('a failing step retries with backoff, then parks the run without blocking others', async () => {
    const j = await liveJourney(ctx, ws.id, manual({ start: 'g', steps: [{ id: 'g', kind: 'grant', reward: { type: 'points', points: 10, reason: 'hi' }, next: 's' }, ...one()] }), 'fails');
    await enterJourney(ctx, ws.id, j.id, [people[11], people[0]]);
    let calls = 0;
    const grants: LoyaltyGrants = {
      grantCoupon: () => Promise.reject(new Error('no')),
      grantPoints: (trx, input) => {
        calls++;
        if (input.customerId === people[11]) return Promise.reject(new Error('loyalty system down'));
        return Promise.resolve({ id: 'x', points: 10, created: true });
      },
    };
    await runJourneysOnce(ctx, { grants });
    let runs = await runsOf(ctx, ws.id, j.id);
    expect(runs.find((r) => r.customer_id === people[0])?.status).toBe('completed');
    expect(runs.find((r) => r.customer_id === people[11])).toMatchObject({ status: 'active', attempts: 1 });
    for (let i = 0; i < 6; i++) {
      advance(ctx, 7 * HOUR);
      await runJourneysOnce(ctx, { grants });
    }
    runs = await runsOf(ctx, ws.id, j.id);
    const parked = runs.find((r) => r.customer_id === people[11])!;
    expect(parked.status).toBe('parked');
    expect(parked.exit_reason).toContain('loyalty system down');
    expect(calls).toBeGreaterThanOrEqual(6); // each pass tries it once unguarded, then once isolated
    expect((await messagesOf(ctx, ws.id, people[11])).filter((m) => m.run_id === parked.id)).toHaveLength(0);
  });
});
