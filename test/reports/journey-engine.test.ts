import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { enterJourney, runJourneysOnce } from '../../src/journeys/index.js';
import { apiKey, bearer, customer, seedCustomers, seedWorkspace, type TestApp, testApp } from '../support/app.js';
import { advance, HOUR, liveJourney, manual, runsOf, smsTemplate, trackEvent } from '../journeys/support.js';

/** Journey analytics over runs the real engine made: a holdout, a send, a goal; holdout runs measured too. */
let t: TestApp;
let ws: string;
let key: string;
const people: string[] = [];

beforeAll(async () => {
  t = await testApp();
  ws = (await seedWorkspace(t.ctx, 'journey-engine-reports')).id;
  key = await apiKey(t.ctx, ws, 'analyst');
  const recs = await seedCustomers(t.ctx, ws, Array.from({ length: 30 }, (_, i) => customer({ name: `客户${i}`, phone: `1350000${String(i).padStart(4, '0')}` })));
  people.push(...recs.map((r) => r.id));
}, 120_000);
afterAll(() => t?.close());

describe('journey analytics on engine runs', () => {
  it('agrees with the runs and the engine live counts', async () => {
    const tmpl = await smsTemplate(t.ctx, ws, 'hello');
    const j = await liveJourney(
      t.ctx,
      ws,
      manual({
        start: 'h',
        steps: [
          { id: 'h', kind: 'holdout', percent: 30, next: 'w' },
          { id: 'w', kind: 'wait', duration: { hours: 1 }, next: 's' },
          { id: 's', kind: 'send', channel: 'sms', templateId: tmpl.id },
        ],
        goal: { event: 'Order Completed', withinDays: 7 },
      }),
      'holdout-goal',
    );
    await enterJourney(t.ctx, ws, j.id, people);
    await runJourneysOnce(t.ctx);
    let runs = await runsOf(t.ctx, ws, j.id);
    const hold = runs.filter((r) => r.holdout).map((r) => r.customer_id);
    const treated = runs.filter((r) => !r.holdout).map((r) => r.customer_id);
    expect(hold.length).toBeGreaterThan(0);
    expect(treated.length).toBeGreaterThan(2);

    // Mid-journey: treated runs wait at w.
    let a = (await t.app.inject({ url: `/api/journeys/${j.id}/analytics`, headers: bearer(key) })).json();
    expect(a.steps.w.waiting).toBe(treated.length);
    expect(a.steps.h).toMatchObject({ entered: 30, exited: hold.length, passed: treated.length });

    // Two treated and one holdout customer buy.
    advance(t.ctx, 10 * 60_000);
    const buyers = [treated[0], treated[1], hold[0]];
    for (const [i, c] of buyers.entries()) await trackEvent(t.ctx, ws, { messageId: `o${i}`, customerId: c, event: 'Order Completed', properties: { order_id: `o${i}`, total: 100 } });
    await runJourneysOnce(t.ctx);
    advance(t.ctx, HOUR);
    await runJourneysOnce(t.ctx);
    await runJourneysOnce(t.ctx);

    runs = await runsOf(t.ctx, ws, j.id);
    a = (await t.app.inject({ url: `/api/journeys/${j.id}/analytics`, headers: bearer(key) })).json();
    const conv = (h: boolean) => runs.filter((r) => r.holdout === h && r.converted_at !== null);
    expect(a.comparison.treated).toMatchObject({ runs: treated.length, converted: conv(false).length });
    expect(a.comparison.holdout).toMatchObject({ runs: hold.length, converted: conv(true).length });
    expect(a.comparison.treated.converted).toBe(2);
    expect(a.comparison.treated.revenueFen).toBe(conv(false).reduce((s, r) => s + Number(r.conversion_value_fen ?? 0), 0));
    const byStatus: Record<string, number> = {};
    for (const r of runs) byStatus[r.status] = (byStatus[r.status] ?? 0) + 1;
    expect(a.totals).toEqual({ runs: 30, byStatus });

    const live = (await t.app.inject({ url: `/api/journeys/${j.id}/steps`, headers: bearer(key) })).json();
    for (const [step, c] of Object.entries(live) as [string, Record<string, number>][]) {
      expect(a.steps[step], step).toMatchObject({ entered: c.entered, passed: c.passed, exited: c.exited, converted: c.converted, waiting: c.waiting });
    }

    const path = (await t.app.inject({ url: `/api/journeys/${j.id}/customers/${treated[5] ?? treated[2]}/path`, headers: bearer(key) })).json();
    expect(path.runs).toHaveLength(1);
    expect(path.runs[0].steps.map((s: { stepId: string }) => s.stepId)).toEqual(['h', 'w', 's']);
    expect(path.runs[0].messages).toHaveLength(1);
  });
});
