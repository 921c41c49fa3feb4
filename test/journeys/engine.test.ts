import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testStores, type TestCtx } from '../support/stores.js';
import { customer, seedCustomers, seedWorkspace } from '../support/app.js';
import { enterJourney, runJourneysOnce, updateJourney, publishJourney, getJourney } from '../../src/journeys/index.js';
import { advance, by, DAY, HOUR, liveJourney, manual, messagesOf, runsOf, smsTemplate, trackEvent } from './support.js';

let ctx: TestCtx;
let ws: { id: string; timezone: string };
let tmpl: { id: string };
let coupon: { id: string };
const people: string[] = [];

beforeAll(async () => {
  ctx = await testStores();
  ws = await seedWorkspace(ctx, 'jeng');
  const recs = await seedCustomers(ctx, ws.id, Array.from({ length: 120 }, (_, i) => customer({ name: `客户${i}`, phone: `1380000${String(i).padStart(4, '0')}` })));
  people.push(...recs.map((r) => r.id));
  tmpl = await smsTemplate(ctx, ws.id, 'hello');
  coupon = await smsTemplate(ctx, ws.id, 'coupon', '券 {{grant.coupon.code}} 减 {{grant.coupon.amount}}');
});
afterAll(() => ctx?.close());

describe('journey engine', () => {
  it('runs wait, send, grant and task steps with the clock, each once', async () => {
    const j = await liveJourney(
      ctx,
      ws.id,
      manual({
        start: 'hi',
        steps: [
          { id: 'hi', kind: 'send', channel: 'sms', templateId: tmpl.id, next: 'w' },
          { id: 'w', kind: 'wait', duration: { days: 1 }, next: 'g' },
          { id: 'g', kind: 'grant', reward: { type: 'coupon', couponKey: 'c20', amountFen: 2000, validDays: 7 }, next: 'c' },
          { id: 'c', kind: 'send', channel: 'sms', templateId: coupon.id, next: 't' },
          { id: 't', kind: 'task', title: '回访', dueHours: 24 },
        ],
      }),
      'plan',
    );
    const c = people[0];
    expect(await enterJourney(ctx, ws.id, j.id, [c, c])).toEqual({ entered: 1, skipped: 0 });
    await runJourneysOnce(ctx);
    expect((await messagesOf(ctx, ws.id, c)).map((m) => m.step_id)).toEqual(['hi']);
    let [run] = await runsOf(ctx, ws.id, j.id);
    expect(run.status).toBe('waiting');
    expect(run.step_id).toBe('w');
    await runJourneysOnce(ctx);
    advance(ctx, 23 * HOUR);
    await runJourneysOnce(ctx);
    expect(await messagesOf(ctx, ws.id, c)).toHaveLength(1);
    advance(ctx, HOUR);
    await runJourneysOnce(ctx);
    const msgs = await messagesOf(ctx, ws.id, c);
    expect(msgs.map((m) => m.step_id)).toEqual(['hi', 'c']);
    expect(msgs[1].idempotency_key).toBe(`j:${run.id}:c`);
    expect((msgs[1].vars as { grant: { coupon: { amount: number } } }).grant.coupon.amount).toBe(20);
    [run] = await runsOf(ctx, ws.id, j.id);
    expect(run.status).toBe('completed');
    const grants = await ctx.db.selectFrom('coupon_grants').selectAll().where('workspace_id', '=', ws.id).execute();
    expect(grants).toHaveLength(1);
    const tasks = await ctx.db.selectFrom('staff_tasks').selectAll().where('workspace_id', '=', ws.id).execute();
    expect(tasks.map((t) => t.title)).toEqual(['回访']);
    const steps = await ctx.db.selectFrom('journey_steps').select(['step_id', 'outcome']).where('run_id', '=', run.id).orderBy('seq').execute();
    expect(steps).toEqual([
      { step_id: 'hi', outcome: 'passed' },
      { step_id: 'w', outcome: 'passed' },
      { step_id: 'g', outcome: 'passed' },
      { step_id: 'c', outcome: 'passed' },
      { step_id: 't', outcome: 'passed' },
    ]);
    // once: no second entry
    expect((await enterJourney(ctx, ws.id, j.id, [c])).entered).toBe(0);
  });

  it('enters on an event once per message, waits for an event, converts on the goal with the order value', async () => {
    const j = await liveJourney(
      ctx,
      ws.id,
      {
        trigger: { kind: 'event', event: 'Product Viewed', where: [{ property: 'category', op: 'eq', value: '面霜' }] },
        reentry: { mode: 'always' },
        start: 'we',
        steps: [
          { id: 'we', kind: 'wait_event', event: 'Cart Viewed', timeout: { hours: 2 }, next: 'yes', timeoutNext: 'no' },
          { id: 'yes', kind: 'send', channel: 'sms', templateId: tmpl.id },
          { id: 'no', kind: 'wait', duration: { days: 3 }, next: 'late' },
          { id: 'late', kind: 'send', channel: 'sms', templateId: tmpl.id },
        ],
        goal: { event: 'Order Completed', withinDays: 7 },
        exits: [],
      },
      'browse',
    );
    const [a, b, c] = [people[1], people[2], people[3]];
    await trackEvent(ctx, ws.id, { messageId: 'pv1', customerId: a, event: 'Product Viewed', properties: { category: '面霜' } });
    await trackEvent(ctx, ws.id, { messageId: 'pv2', customerId: b, event: 'Product Viewed', properties: { category: '面霜' } });
    await trackEvent(ctx, ws.id, { messageId: 'pv3', customerId: c, event: 'Product Viewed', properties: { category: '口红' } });
    await runJourneysOnce(ctx);
    await runJourneysOnce(ctx); // the same events read again enter nobody twice
    let runs = await runsOf(ctx, ws.id, j.id);
    expect(runs.map((r) => r.customer_id).sort()).toEqual([a, b].sort());
    expect(runs.every((r) => r.status === 'waiting')).toBe(true);
    advance(ctx, 60_000);
    await trackEvent(ctx, ws.id, { messageId: 'cv1', customerId: a, event: 'Cart Viewed' });
    await runJourneysOnce(ctx);
    expect((await messagesOf(ctx, ws.id, a)).map((m) => m.step_id)).toEqual(['yes']);
    advance(ctx, 2 * HOUR);
    await runJourneysOnce(ctx);
    runs = await runsOf(ctx, ws.id, j.id);
    expect(runs.find((r) => r.customer_id === b)?.step_id).toBe('no');
    advance(ctx, HOUR);
    await trackEvent(ctx, ws.id, { messageId: 'o1', customerId: b, event: 'Order Completed', properties: { order_id: 'o1', total: 199.5 } });
    await runJourneysOnce(ctx);
    runs = await runsOf(ctx, ws.id, j.id);
    const rb = runs.find((r) => r.customer_id === b)!;
    expect(rb.status).toBe('converted');
    expect(Number(rb.conversion_value_fen)).toBe(19950);
    advance(ctx, 4 * DAY);
    await runJourneysOnce(ctx);
    expect(await messagesOf(ctx, ws.id, b)).toHaveLength(0);
  });

  it('branches, splits deterministically and keeps a holdout', async () => {
    const j = await liveJourney(
      ctx,
      ws.id,
      manual({
        start: 'h',
        steps: [
          { id: 'h', kind: 'holdout', percent: 20, next: 'b' },
          { id: 'b', kind: 'branch', condition: { type: 'reachable', channel: 'sms' }, yes: 's', no: 'x' },
          { id: 's', kind: 'split', arms: [{ key: 'A', weight: 50, next: 'a1' }, { key: 'B', weight: 50, next: 'b1' }] },
          { id: 'a1', kind: 'send', channel: 'sms', templateId: tmpl.id },
          { id: 'b1', kind: 'set_trait', trait: 'journey_arm', value: 'B' },
          { id: 'x', kind: 'exit' },
        ],
      }),
      'ab',
    );
    // 80 people: the 20% holdout is a hash of the random ids, so none held out has odds of 1 in 10^8.
    const ids = people.slice(40, 120);
    await enterJourney(ctx, ws.id, j.id, ids);
    await runJourneysOnce(ctx);
    const runs = await runsOf(ctx, ws.id, j.id);
    const hold = runs.filter((r) => r.status === 'holdout');
    expect(hold.length).toBeGreaterThan(0);
    expect(hold.length).toBeLessThan(40);
    const treated = runs.filter((r) => r.status !== 'holdout');
    expect(treated.every((r) => r.status === 'completed' && (r.arm === 'A' || r.arm === 'B'))).toBe(true);
    const armB = treated.filter((r) => r.arm === 'B').map((r) => r.customer_id);
    const traits = await ctx.db.selectFrom('customers').select(['id', 'traits']).where('id', 'in', armB.length ? armB : [people[0]]).execute();
    if (armB.length) expect(traits.every((t) => (t.traits as Record<string, unknown>).journey_arm === 'B')).toBe(true);
    const msgs = (await messagesOf(ctx, ws.id)).filter((m) => runs.some((r) => r.id === m.run_id));
    expect(msgs.length).toBe(treated.filter((r) => r.arm === 'A').length);
  });

  it('publishing a new version leaves runs in flight on theirs', async () => {
    const graph = (next: string) =>
      manual({
        start: 'w',
        steps: [
          { id: 'w', kind: 'wait', duration: { hours: 1 }, next },
          next === 'v1' ? { id: 'v1', kind: 'send', channel: 'sms', templateId: tmpl.id } : { id: 'v2', kind: 'exit' },
        ],
      });
    const j = await liveJourney(ctx, ws.id, { ...graph('v1'), reentry: { mode: 'always' } }, 'versions');
    await enterJourney(ctx, ws.id, j.id, [people[5]]);
    await runJourneysOnce(ctx);
    await updateJourney(ctx, ws.id, j.id, { graph: { ...graph('v2'), reentry: { mode: 'always' } } }, by);
    expect((await getJourney(ctx, ws.id, j.id)).liveVersion).toBe(1);
    await publishJourney(ctx, ws.id, j.id, by);
    await enterJourney(ctx, ws.id, j.id, [people[6]]);
    advance(ctx, HOUR);
    await runJourneysOnce(ctx);
    const runs = await runsOf(ctx, ws.id, j.id);
    expect(runs.map((r) => [r.version, r.status])).toEqual([
      [1, 'completed'],
      [2, 'waiting'],
    ]);
    advance(ctx, HOUR);
    await runJourneysOnce(ctx);
    expect((await runsOf(ctx, ws.id, j.id))[1].status).toBe('exited');
  });

  it('two workers claiming at once execute each run once', async () => {
    const j = await liveJourney(ctx, ws.id, manual({ start: 's', steps: [{ id: 's', kind: 'send', channel: 'sms', templateId: tmpl.id }] }), 'race');
    await enterJourney(ctx, ws.id, j.id, people.slice(20, 40));
    const [x, y] = await Promise.all([runJourneysOnce(ctx, { batch: 3, triggers: false }), runJourneysOnce(ctx, { batch: 3, triggers: false })]);
    expect(x.executed + y.executed).toBe(20);
    const runs = await runsOf(ctx, ws.id, j.id);
    const steps = await ctx.db.selectFrom('journey_steps').select('run_id').where('journey_id', '=', j.id).execute();
    expect(steps).toHaveLength(20);
    const msgs = (await messagesOf(ctx, ws.id)).filter((m) => runs.some((r) => r.id === m.run_id));
    expect(msgs).toHaveLength(20);
  });
});
