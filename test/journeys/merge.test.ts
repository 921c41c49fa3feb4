import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testStores, type TestCtx } from '../support/stores.js';
import { customer, seedCustomers, seedWorkspace } from '../support/app.js';
import { inTransaction, mergeCustomers } from '../../src/identity/index.js';
import { enterJourney, runJourneysOnce } from '../../src/journeys/index.js';
import { advance, by, HOUR, liveJourney, manual, runsOf, smsTemplate, trackEvent } from './support.js';

let ctx: TestCtx;
let ws: { id: string; timezone: string };
let people: string[];
let tmpl: string;

beforeAll(async () => {
  ctx = await testStores();
  ws = await seedWorkspace(ctx, 'jmerge');
  people = (await seedCustomers(ctx, ws.id, Array.from({ length: 6 }, (_, i) => customer({ name: `客户${i}`, phone: `1390000000${i}` })))).map((r) => r.id);
  tmpl = (await smsTemplate(ctx, ws.id, 'hi')).id;
});
afterAll(() => ctx?.close());

const merge = (survivor: string, merged: string) =>
  inTransaction(ctx, (tx) => mergeCustomers(tx, ws.id, survivor, merged, { link: { id: { type: 'phone', collection: '', value: 'x' }, value: 'x', valueEnc: null } as never, at: ctx.clock.now(), actor: by.actor }));

const stepsOf = (runId: string) => ctx.db.selectFrom('journey_steps').select(['step_id', 'outcome']).where('workspace_id', '=', ws.id).where('run_id', '=', runId).orderBy('seq').execute();

describe('journeys after identity merges', () => {
  it('an event recorded under a merged-away customer counts for the survivor waiting for it (and the other way round)', async () => {
    const graph = manual({
      start: 'w',
      steps: [
        { id: 'w', kind: 'wait_event', event: 'Order Completed', timeout: { days: 3 }, next: 'yes', timeoutNext: 'no' },
        { id: 'yes', kind: 'send', channel: 'sms', templateId: tmpl },
        { id: 'no', kind: 'exit' },
      ],
    });
    const j = await liveJourney(ctx, ws.id, graph, 'wait');
    const [a, b, c, d] = people;
    await enterJourney(ctx, ws.id, j.id, [a, c]);
    await runJourneysOnce(ctx);
    expect((await runsOf(ctx, ws.id, j.id)).map((r) => r.status)).toEqual(['waiting', 'waiting']);
    advance(ctx, HOUR);
    await merge(a, b); // b merged into a (a is in the journey)
    await merge(d, c); // c (in the journey) merged into d
    advance(ctx, 1000);
    await trackEvent(ctx, ws.id, { messageId: 'oc-b', customerId: b, event: 'Order Completed', properties: { total: 88 } });
    await trackEvent(ctx, ws.id, { messageId: 'oc-d', customerId: d, event: 'Order Completed', properties: { total: 66 } });
    await runJourneysOnce(ctx);
    await runJourneysOnce(ctx);
    const runs = await runsOf(ctx, ws.id, j.id);
    for (const r of runs) {
      expect(r.status).toBe('completed');
      expect((await stepsOf(r.id)).map((s) => [s.step_id, s.outcome])).toEqual([
        ['w', 'event'],
        ['yes', 'passed'],
      ]);
    }
  });

  it('goals and event triggers count events of merged-away customers for the survivor', async () => {
    const [, , , , e, f] = people;
    await merge(e, f);
    const trig = await liveJourney(ctx, ws.id, { trigger: { kind: 'event', event: 'Product Viewed' }, reentry: { mode: 'once' }, exits: [], goal: { event: 'Order Completed', withinDays: 7 }, start: 'w', steps: [{ id: 'w', kind: 'wait', duration: { days: 2 } }] }, 'trig');
    advance(ctx, 1000);
    await trackEvent(ctx, ws.id, { messageId: 'pv-f', customerId: f, event: 'Product Viewed' });
    await runJourneysOnce(ctx);
    let runs = await runsOf(ctx, ws.id, trig.id);
    expect(runs.map((r) => [r.customer_id, r.status])).toEqual([[e, 'waiting']]);
    advance(ctx, HOUR);
    await trackEvent(ctx, ws.id, { messageId: 'oc-f', customerId: f, event: 'Order Completed', properties: { total: 120 } });
    await runJourneysOnce(ctx);
    runs = await runsOf(ctx, ws.id, trig.id);
    expect(runs.map((r) => [r.status, Number(r.conversion_value_fen)])).toEqual([['converted', 12000]]);
  });
});
