import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DAY_MS } from '../../src/core/index.js';
import { campaignsTick } from '../../src/campaigns/index.js';
import { conversionLift } from '../../src/reports/index.js';
import { bearer } from '../support/app.js';
import { approvedCampaign, type CampaignWorld, campaignWorld, merge, order } from '../campaigns/support.js';

let w: CampaignWorld;
let id: string;
let report: any;
const T0 = Date.parse('2026-06-15T04:00:00Z'); // the send starts at the test clock's time
const at = (ms: number) => new Date(T0 + ms);
const H = 3_600_000;

/**
 * Hand-built outcome: 12 recipients, h0–h3 in the holdout, a0–a3 got variant A, b0–b3 variant B.
 * The split is set by hand (the hash decides it in real sends) so the expected numbers are fixed.
 */
beforeAll(async () => {
  w = await campaignWorld('camp-report', 12);
  id = await approvedCampaign(w, { attributionDays: 7 });
  await w.t.app.inject({ method: 'POST', url: `/api/campaigns/${id}/send`, headers: bearer(w.keys.operator) });
  await campaignsTick(w.t.ctx);
  const db = w.t.ctx.db;
  const rs = await db.selectFrom('campaign_recipients').selectAll().where('campaign_id', '=', id).orderBy('customer_id').execute();
  const names = ['h0', 'h1', 'h2', 'h3', 'a0', 'a1', 'a2', 'a3', 'b0', 'b1', 'b2', 'b3'];
  const who: Record<string, string> = {};
  rs.forEach((r, i) => (who[names[i]] = r.customer_id));
  for (const r of rs) if (r.message_id) await db.deleteFrom('messages').where('id', '=', r.message_id).execute();
  await db.deleteFrom('campaign_recipients').where('campaign_id', '=', id).execute();
  const { enqueueMessage } = await import('../../src/messages/index.js');
  const status: Record<string, { status: string; sent?: boolean; delivered?: boolean; clicked?: boolean; reason?: string }> = {
    a0: { status: 'delivered', sent: true, delivered: true, clicked: true },
    a1: { status: 'delivered', sent: true, delivered: true },
    a2: { status: 'failed', reason: 'provider error 500' },
    a3: { status: 'suppressed', reason: 'frequency_cap' },
    b0: { status: 'delivered', sent: true, delivered: true },
    b1: { status: 'delivered', sent: true, delivered: true },
    b2: { status: 'sent', sent: true },
    b3: { status: 'queued' },
  };
  for (const name of names) {
    const variant = name[0] === 'h' ? 'holdout' : name[0].toUpperCase();
    let messageId: string | null = null;
    if (variant !== 'holdout') {
      const s = status[name];
      const m = await enqueueMessage(db, { workspaceId: w.ws.id, customerId: who[name], channel: 'sms', templateId: w.templates.smsA, idempotencyKey: `test:${id}:${name}`, source: { kind: 'campaign', id, variant }, vars: {}, golden: false, marketing: true, now: at(0) });
      await db
        .updateTable('messages')
        .set({ status: s.status as never, reason_code: s.status === 'suppressed' ? s.reason! : null, reason: s.reason ?? null, sent_at: s.sent ? at(H) : null, delivered_at: s.delivered ? at(H) : null, clicked_at: s.clicked ? at(2 * H) : null })
        .where('id', '=', m.id)
        .execute();
      messageId = m.id;
    }
    await db.insertInto('campaign_recipients').values({ workspace_id: w.ws.id, campaign_id: id, customer_id: who[name], variant, message_id: messageId, assigned_at: at(0) }).execute();
  }
  const ctx = w.t.ctx;
  const ws = w.ws.id;
  // Holdout: h0 buys in the window; h1 bought an hour before the send.
  await order(ctx, ws, { id: 'h0-1', customerId: who.h0, at: at(2 * DAY_MS), totalFen: 10_000 });
  await order(ctx, ws, { id: 'h1-1', customerId: who.h1, at: at(-H), totalFen: 5_000 });
  // A: a0 buys twice in the window, one order partly refunded; a1 only after the window; a2's order was refunded in full.
  await order(ctx, ws, { id: 'a0-1', customerId: who.a0, at: at(3 * H), totalFen: 20_000, refundedFen: 5_000 });
  await order(ctx, ws, { id: 'a0-2', customerId: who.a0, at: at(6 * DAY_MS), totalFen: 3_000 });
  await order(ctx, ws, { id: 'a1-1', customerId: who.a1, at: at(7 * DAY_MS + H), totalFen: 9_999 });
  await order(ctx, ws, { id: 'a2-1', customerId: who.a2, at: at(DAY_MS), totalFen: 7_000, status: 'refunded' });
  // B: b0 buys, and so does a customer later merged into b0; b1 buys; b3 buys, then is merged into b2 (both recipients).
  const alias = w.others[0];
  await order(ctx, ws, { id: 'b0-1', customerId: who.b0, at: at(DAY_MS), totalFen: 6_000 });
  await order(ctx, ws, { id: 'alias-1', customerId: alias, at: at(2 * DAY_MS), totalFen: 4_000 });
  await merge(ctx, ws, alias, who.b0);
  await order(ctx, ws, { id: 'b1-1', customerId: who.b1, at: at(5 * DAY_MS), totalFen: 2_000 });
  await order(ctx, ws, { id: 'b3-1', customerId: who.b3, at: at(4 * DAY_MS), totalFen: 1_000 });
  await merge(ctx, ws, who.b3, who.b2);
  // Someone outside the campaign buys in the window: not counted anywhere.
  await order(ctx, ws, { id: 'other-1', customerId: w.others[1], at: at(DAY_MS), totalFen: 50_000 });

  const r = await w.t.app.inject({ url: `/api/campaigns/${id}/report`, headers: bearer(w.keys.analyst) });
  expect(r.statusCode, r.body).toBe(200);
  report = r.json();
}, 120_000);
afterAll(() => w?.t.close());

describe('campaign report', () => {
  it('counts delivery outcomes per variant, suppressions by reason', () => {
    const a = report.variants.find((v: { key: string }) => v.key === 'A');
    expect(a).toMatchObject({ recipients: 4, sent: 2, delivered: 2, failed: 1, pending: 0, suppressed: 1, suppressedByReason: { frequency_cap: 1 }, clicked: 1 });
    const b = report.variants.find((v: { key: string }) => v.key === 'B');
    expect(b).toMatchObject({ sent: 3, delivered: 2, failed: 0, pending: 1, suppressed: 0, clicked: 0 });
    expect(report.holdout).toMatchObject({ recipients: 4, sent: 0, delivered: 0 });
    expect(report.window).toEqual({ from: '2026-06-15T04:00:00.000Z', to: '2026-06-22T04:00:00.000Z' });
  });

  it('converts on orders in the window after the send, net of refunds, merged customers once', () => {
    expect(report.holdout).toMatchObject({ converted: 1, revenueFen: 10_000, conversionRate: 0.25, revenuePerRecipientFen: 2_500 });
    const a = report.variants.find((v: { key: string }) => v.key === 'A');
    expect(a).toMatchObject({ recipients: 4, converted: 1, revenueFen: 18_000 });
    const b = report.variants.find((v: { key: string }) => v.key === 'B');
    // b3 was merged into b2: 3 people; b0 with its merged alias counts once.
    expect(b).toMatchObject({ recipients: 3, converted: 3, revenueFen: 13_000 });
    expect(report.treated).toMatchObject({ recipients: 7, converted: 4, revenueFen: 31_000 });
    expect(report.all).toMatchObject({ recipients: 11, converted: 5, revenueFen: 41_000 });
    expect(report.treated.revenuePerRecipientFen).toBeCloseTo(31_000 / 7, 6);
  });

  it('lift vs holdout with its 95% interval', () => {
    const expected = conversionLift({ n: 7, conversions: 4 }, { n: 4, conversions: 1 });
    expect(report.lift.conversion.difference).toBeCloseTo(4 / 7 - 0.25, 10);
    expect(report.lift.conversion.differenceCi).toEqual(expected.differenceCi);
    expect(report.lift.conversion.relativeLift).toBeCloseTo(4 / 7 / 0.25 - 1, 10);
    expect(report.lift.revenuePerRecipientFen.difference).toBeCloseTo(31_000 / 7 - 2_500, 6);
    expect(report.lift.revenuePerRecipientFen.differenceCi).toHaveLength(2);
  });

  it('404s for another workspace or an unknown id', async () => {
    const r = await w.t.app.inject({ url: `/api/campaigns/0190f000-0000-7000-8000-000000000009/report`, headers: bearer(w.keys.analyst) });
    expect(r.statusCode).toBe(404);
  });
});
