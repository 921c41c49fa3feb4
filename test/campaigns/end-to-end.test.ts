import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DAY_MS } from '../../src/core/index.js';
import { campaignsTick, HOLDOUT } from '../../src/campaigns/index.js';
import { dispatchOnce } from '../../src/messages/index.js';
import { customer, seedCustomers } from '../support/app.js';
import { type Brand, messagingBrand } from '../messages/setup.js';
import { order } from './support.js';

/** A campaign through the real outbox and the SMS simulator: queued, sent, delivered, clicked, capped, converted. */
let b: Brand;
beforeAll(async () => {
  b = await messagingBrand('camp-e2e');
}, 120_000);
afterAll(() => b?.close());

describe('campaign through the outbox', () => {
  it('reports what the channel did and what the customers bought', async () => {
    const { app, ctx, ws } = b;
    const people = await seedCustomers(ctx, ws.id, Array.from({ length: 8 }, (_, i) => customer({ name: `上海${i}`, city: '上海', phone: `1381111${String(i).padStart(4, '0')}` })));
    const seg = await app.inject({ method: 'POST', url: '/api/segments', headers: b.admin, payload: { name: '上海', rule: { type: 'trait', field: 'city', op: 'eq', value: '上海' } } });
    expect(seg.statusCode, seg.body).toBe(201);
    const tpl = await app.inject({
      method: 'POST',
      url: '/api/messages/templates',
      headers: b.operator,
      payload: { name: '618', channel: 'sms', content: { text: '{{customer.name}}，618 会员专享 {{link.shop}}', links: { shop: 'https://shop.example.com/618' } } },
    });
    expect(tpl.statusCode, tpl.body).toBe(201);
    // One customer already got a marketing message today: the campaign's is capped.
    const capped = people[0].id;
    await b.send(capped);
    await dispatchOnce(ctx);

    const created = await app.inject({
      method: 'POST',
      url: '/api/campaigns',
      headers: b.operator,
      payload: { name: '618', segmentId: seg.json().id, channel: 'sms', variants: [{ key: 'A', templateId: tpl.json().id, weight: 1 }], holdoutPercent: 25 },
    });
    expect(created.statusCode, created.body).toBe(201);
    const id = created.json().id;
    expect((await app.inject({ method: 'POST', url: `/api/campaigns/${id}/submit`, headers: b.operator })).statusCode).toBe(200);
    expect((await app.inject({ method: 'POST', url: `/api/campaigns/${id}/approve`, headers: b.admin })).statusCode).toBe(200);
    expect((await app.inject({ method: 'POST', url: `/api/campaigns/${id}/send`, headers: b.operator })).statusCode).toBe(200);
    await campaignsTick(ctx);
    await dispatchOnce(ctx);

    const rs = await ctx.db.selectFrom('campaign_recipients').selectAll().where('campaign_id', '=', id).execute();
    expect(rs).toHaveLength(8);
    const treated = rs.filter((r) => r.variant !== HOLDOUT);
    const holdout = rs.filter((r) => r.variant === HOLDOUT);
    const reached = treated.filter((r) => r.customer_id !== capped);
    const sms = reached.map((r) => b.sms.messages.find((m) => m.ref === r.message_id)!);
    expect(sms.every(Boolean)).toBe(true);
    expect(b.sms.messages.filter((m) => holdout.some((h) => h.message_id === m.ref))).toHaveLength(0);
    // The gateway reports all but one delivered; one customer clicks.
    for (const m of sms.slice(1)) await b.sms.report(m.id, 'delivered');
    if (sms.length) {
      const link = sms[sms.length - 1].text.match(/\/m\/[\w-]+/)![0];
      expect((await app.inject({ url: link })).statusCode).toBe(302);
    }
    // Buyers: the first reached customer in the window, and a holdout customer (if any) after it.
    if (reached.length) await order(ctx, ws.id, { id: 'e2e-1', customerId: reached[0].customer_id, at: new Date(ctx.clock.now().getTime() + DAY_MS), totalFen: 19_900 });
    if (holdout.length) await order(ctx, ws.id, { id: 'e2e-2', customerId: holdout[0].customer_id, at: new Date(ctx.clock.now().getTime() + 9 * DAY_MS), totalFen: 9_900 });

    const report = (await app.inject({ url: `/api/campaigns/${id}/report`, headers: b.operator })).json();
    const cappedTreated = treated.some((r) => r.customer_id === capped) ? 1 : 0;
    expect(report.treated).toMatchObject({
      recipients: treated.length,
      sent: reached.length,
      delivered: Math.max(reached.length - 1, 0),
      clicked: reached.length ? 1 : 0,
      suppressed: cappedTreated,
      failed: 0,
      pending: 0,
      converted: reached.length ? 1 : 0,
      revenueFen: reached.length ? 19_900 : 0,
    });
    if (cappedTreated) expect(report.treated.suppressedByReason).toEqual({ cap_overall: 1 });
    expect(report.holdout).toMatchObject({ recipients: holdout.length, sent: 0, converted: 0, revenueFen: 0 });
    expect(report.all.recipients).toBe(8);
  });
});
