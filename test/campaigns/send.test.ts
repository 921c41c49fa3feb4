import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ManualClock } from '../../src/core/index.js';
import { HOLDOUT, assignVariant, campaignsTick } from '../../src/campaigns/index.js';
import { enqueueMessage } from '../../src/messages/index.js';
import { bearer } from '../support/app.js';
import { approvedCampaign, type CampaignWorld, campaignWorld, merge } from './support.js';

let w: CampaignWorld;
let clock: ManualClock;
beforeAll(async () => {
  w = await campaignWorld('camp-send', 12);
  clock = w.t.ctx.clock as ManualClock;
}, 120_000);
afterAll(() => w?.t.close());

const post = (key: string, url: string, payload?: object) => w.t.app.inject({ method: 'POST', url, headers: bearer(key), ...(payload === undefined ? {} : { payload }) });
const get = (url: string) => w.t.app.inject({ url, headers: bearer(w.keys.operator) });

async function recipients(id: string) {
  return w.t.ctx.db.selectFrom('campaign_recipients').selectAll().where('campaign_id', '=', id).orderBy('customer_id').execute();
}
async function messages(id: string) {
  return w.t.ctx.db.selectFrom('messages').selectAll().where('source_kind', '=', 'campaign').where('source_id', '=', id).execute();
}

describe('variant and holdout split', () => {
  it('is deterministic and close to the weights', () => {
    const variants = [
      { key: 'A', templateId: 't', weight: 1 },
      { key: 'B', templateId: 't', weight: 3 },
    ];
    const counts: Record<string, number> = { A: 0, B: 0, [HOLDOUT]: 0 };
    const campaign = '0190f000-0000-7000-8000-000000000001';
    for (let i = 0; i < 20_000; i++) {
      const customer = `0190f000-0000-7000-8000-${String(i).padStart(12, '0')}`;
      const v = assignVariant(campaign, customer, 10, variants);
      expect(assignVariant(campaign, customer, 10, variants)).toBe(v);
      counts[v]++;
    }
    expect(counts[HOLDOUT] / 20_000).toBeCloseTo(0.1, 1);
    expect(Math.abs(counts[HOLDOUT] / 20_000 - 0.1)).toBeLessThan(0.01);
    // Among the treated, A:B = 1:3.
    expect(Math.abs(counts.A / (counts.A + counts.B) - 0.25)).toBeLessThan(0.015);
    // Another campaign splits the same customers differently.
    const other = '0190f000-0000-7000-8000-000000000002';
    let same = 0;
    for (let i = 0; i < 1000; i++) {
      const customer = `0190f000-0000-7000-8000-${String(i).padStart(12, '0')}`;
      if (assignVariant(campaign, customer, 50, variants) === assignVariant(other, customer, 50, variants)) same++;
    }
    expect(same).toBeLessThan(700);
  });
});

describe('sending', () => {
  it('sends now: every segment member once, holdout without a message, variants on the messages', async () => {
    const id = await approvedCampaign(w);
    expect((await post(w.keys.operator, `/api/campaigns/${id}/send`)).json().status).toBe('scheduled');
    expect(await campaignsTick(w.t.ctx)).toBe(1);
    const c = (await get(`/api/campaigns/${id}`)).json();
    expect(c).toMatchObject({ status: 'sent', recipients: 12, startedAt: clock.now().toISOString(), sentAt: clock.now().toISOString() });
    const rs = await recipients(id);
    expect(rs.map((r) => r.customer_id).sort()).toEqual([...w.customers].sort());
    for (const r of rs) expect(r.variant).toBe(assignVariant(id, r.customer_id, 20, [{ key: 'A', templateId: '', weight: 1 }, { key: 'B', templateId: '', weight: 1 }]));
    const ms = await messages(id);
    const treated = rs.filter((r) => r.variant !== HOLDOUT);
    expect(ms.length).toBe(treated.length);
    for (const r of rs) {
      if (r.variant === HOLDOUT) expect(r.message_id).toBeNull();
      else {
        const m = ms.find((x) => x.id === r.message_id)!;
        expect(m).toMatchObject({ customer_id: r.customer_id, idempotency_key: `c:${id}:${r.customer_id}`, variant: r.variant, channel: 'sms', status: 'queued', marketing: true });
        expect(m.template_id).toBe(r.variant === 'A' ? w.templates.smsA : w.templates.smsB);
      }
    }
    expect(await campaignsTick(w.t.ctx)).toBe(0);
    expect((await messages(id)).length).toBe(treated.length);
    const audit = await w.t.ctx.db.selectFrom('audit_log').select('action').where('entity_id', '=', id).execute();
    expect(audit.map((a) => a.action).sort()).toEqual(['campaign.approve', 'campaign.create', 'campaign.send', 'campaign.sent', 'campaign.start', 'campaign.submit']);
  });

  it('sends a scheduled campaign at its time (workspace zone), not before', async () => {
    clock.set('2026-06-16T04:00:00Z');
    const id = await approvedCampaign(w, { schedule: { mode: 'at', at: '2026-06-16T20:00' }, holdoutPercent: 0 });
    expect((await post(w.keys.operator, `/api/campaigns/${id}/send`)).json()).toMatchObject({ status: 'scheduled', dueAt: '2026-06-16T12:00:00.000Z' });
    expect(await campaignsTick(w.t.ctx)).toBe(0);
    clock.set('2026-06-16T11:59:59Z');
    expect(await campaignsTick(w.t.ctx)).toBe(0);
    expect(await recipients(id)).toHaveLength(0);
    clock.set('2026-06-16T12:00:30Z');
    expect(await campaignsTick(w.t.ctx)).toBe(1);
    expect((await messages(id)).length).toBe(12);
    expect((await get(`/api/campaigns/${id}`)).json().status).toBe('sent');
  });

  it('resumes a send that died part-way without queuing anyone twice', async () => {
    clock.set('2026-06-17T04:00:00Z');
    const id = await approvedCampaign(w);
    await post(w.keys.operator, `/api/campaigns/${id}/send`);
    // A message queued by an earlier attempt whose transaction got as far as the outbox.
    const someone = w.customers[7];
    const variant = assignVariant(id, someone, 20, [{ key: 'A', templateId: '', weight: 1 }, { key: 'B', templateId: '', weight: 1 }]);
    const early = variant === HOLDOUT ? null : await enqueueMessage(w.t.ctx.db, { workspaceId: w.ws.id, customerId: someone, channel: 'sms', templateId: variant === 'A' ? w.templates.smsA : w.templates.smsB, idempotencyKey: `c:${id}:${someone}`, source: { kind: 'campaign', id, variant }, vars: {}, golden: false, marketing: true, now: clock.now() });

    // The worker stops after one batch of 5 (as if killed): the lease keeps others away until it expires.
    await campaignsTick(w.t.ctx, { batchSize: 5, maxBatches: 1 });
    expect(await recipients(id)).toHaveLength(5);
    expect((await get(`/api/campaigns/${id}`)).json()).toMatchObject({ status: 'sending', recipients: 5 });
    clock.advance(60_000);
    expect(await campaignsTick(w.t.ctx, { batchSize: 5 })).toBe(0);
    expect(await recipients(id)).toHaveLength(5);

    clock.advance(5 * 60_000);
    expect(await campaignsTick(w.t.ctx, { batchSize: 5 })).toBe(1);
    const rs = await recipients(id);
    expect(rs).toHaveLength(12);
    const ms = await messages(id);
    expect(ms.length).toBe(rs.filter((r) => r.variant !== HOLDOUT).length);
    expect(new Set(ms.map((m) => m.customer_id)).size).toBe(ms.length);
    if (early) expect(rs.find((r) => r.customer_id === someone)!.message_id).toBe(early.id);
    expect((await get(`/api/campaigns/${id}`)).json()).toMatchObject({ status: 'sent', recipients: 12 });
  });

  it('a worker shutting down hands the campaign back at once, and another resumes it', async () => {
    clock.set('2026-06-17T08:00:00Z');
    const id = await approvedCampaign(w, { holdoutPercent: 0 });
    await post(w.keys.operator, `/api/campaigns/${id}/send`);
    let checks = 0;
    await campaignsTick(w.t.ctx, { batchSize: 4, shouldStop: () => checks++ >= 2 }); // stops after one batch
    expect(await recipients(id)).toHaveLength(4);
    const c = await w.t.ctx.db.selectFrom('campaigns').select(['status', 'claimed_until']).where('id', '=', id).executeTakeFirstOrThrow();
    expect(c).toEqual({ status: 'sending', claimed_until: null });
    expect(await campaignsTick(w.t.ctx, { batchSize: 4 })).toBe(1); // no lease to wait for
    expect(await messages(id)).toHaveLength(12);
  });

  it('cancel stops what has not been queued', async () => {
    clock.set('2026-06-18T04:00:00Z');
    const id = await approvedCampaign(w, { holdoutPercent: 0 });
    await post(w.keys.operator, `/api/campaigns/${id}/send`);
    await campaignsTick(w.t.ctx, { batchSize: 4, maxBatches: 1 });
    expect((await post(w.keys.operator, `/api/campaigns/${id}/cancel`)).json().status).toBe('cancelled');
    clock.advance(10 * 60_000);
    await campaignsTick(w.t.ctx, { batchSize: 4 });
    expect(await recipients(id)).toHaveLength(4);
    expect(await messages(id)).toHaveLength(4);
    expect((await get(`/api/campaigns/${id}`)).json().status).toBe('cancelled');
  });

  it('skips a member merged into another customer after the segment was computed', async () => {
    clock.set('2026-06-18T08:00:00Z');
    const id = await approvedCampaign(w, { holdoutPercent: 0 });
    await post(w.keys.operator, `/api/campaigns/${id}/send`);
    await campaignsTick(w.t.ctx, { batchSize: 3, maxBatches: 1 });
    // One not queued yet (the send walks ClickHouse's UUID order, not the text order) merges into one queued.
    const queued = (await recipients(id)).map((r) => r.customer_id);
    expect(queued).toHaveLength(3);
    const last = w.customers.find((c) => !queued.includes(c))!;
    await merge(w.t.ctx, w.ws.id, last, queued[0]);
    clock.advance(10 * 60_000);
    expect(await campaignsTick(w.t.ctx, { batchSize: 3 })).toBe(1);
    const rs = await recipients(id);
    expect(rs.map((r) => r.customer_id)).not.toContain(last);
    expect(rs).toHaveLength(11);
    expect(await messages(id)).toHaveLength(11);
    await w.t.ctx.db.updateTable('customers').set({ merged_into: null }).where('id', '=', last).execute();
  });

  it('sends to the audience as of the send: members who joined after approval are included', async () => {
    clock.set('2026-06-19T04:00:00Z');
    const id = await approvedCampaign(w, { holdoutPercent: 0 });
    const { seedCustomers, customer } = await import('../support/app.js');
    const [late] = await seedCustomers(w.t.ctx, w.ws.id, [customer({ name: '新客', city: '上海', phone: '13600000001' })]);
    await post(w.keys.operator, `/api/campaigns/${id}/send`);
    await campaignsTick(w.t.ctx);
    expect((await recipients(id)).map((r) => r.customer_id)).toContain(late.id);
  });
});
