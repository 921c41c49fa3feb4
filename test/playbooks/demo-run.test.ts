import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Server } from '../../src/api/index.js';
import { systemActor } from '../../src/audit/index.js';
import { newId, type ManualClock } from '../../src/core/index.js';
import { saveChannelSettings, SmsSimulator } from '../../src/channels/index.js';
import { runJourneysOnce } from '../../src/journeys/index.js';
import { dispatchOnce } from '../../src/messages/index.js';
import { installPlaybook, PLAYBOOKS } from '../../src/playbooks/index.js';
import { segmentsTick } from '../../src/segments/index.js';
import type { WecomDemo } from '../../src/wecom/index.js';
import { insertOrder } from '../support/events.js';
import type { TestCtx } from '../support/stores.js';
import { demoBrand, track as trackEvent } from './support.js';

/**
 * "Each works on the demo brand as shipped": all eight templates installed live on the demo brand
 * (generated customers, the simulated WeCom with its codes and contacts, an SMS gateway), then a
 * few simulated days with the workers running, and a little new activity (a contact added, a first
 * order, a 面霜 view, a third order). Every journey must take people in and run them without a
 * failed or parked step or message.
 */

const HOUR = 3_600_000;
let ctx: TestCtx;
let clock: ManualClock;
let app: Server;
let demo: WecomDemo;
let sms: SmsSimulator;
let ws: { id: string; timezone: string };

let settle: () => Promise<void>;

async function tick() {
  await segmentsTick(ctx);
  await runJourneysOnce(ctx);
  await dispatchOnce(ctx, { workspaceId: ws.id });
  await settle();
}

const track = (customerId: string, event: string, properties: Record<string, unknown>) => trackEvent(ctx, ws.id, customerId, event, properties);

async function order(customerId: string, totalFen: number) {
  const id = `o-${newId()}`;
  await insertOrder(ctx, ws.id, { orderId: id, customerId, at: ctx.clock.now().toISOString(), totalFen, categories: ['面霜'] });
  await track(customerId, 'Order Completed', { order_id: id, total: totalFen / 100, currency: 'CNY' });
}

beforeAll(async () => {
  ({ ctx, clock, app, demo, ws, settle } = await demoBrand(1500));
  sms = new SmsSimulator({ clock });
  const smsUrl = await sms.listen();
  await saveChannelSettings(ctx, ws.id, { sms: { url: `${smsUrl}/send` } }, { actor: systemActor });
  // Segments, RFM and layers as the segments worker keeps them.
  await segmentsTick(ctx);
  clock.advance(10 * 60_000);
}, 600_000);

afterAll(async () => {
  await demo?.stop();
  await sms?.close();
  await app?.close();
  await ctx?.close();
});

describe('every template on the demo brand as shipped', () => {
  it('installs live and runs people through without a failed or parked step', { timeout: 1_200_000 }, async () => {
    const journeys = new Map<string, string>();
    for (const p of PLAYBOOKS) journeys.set(p.key, (await installPlaybook(ctx, ws, p.key, { publish: true }, { actor: systemActor })).journey.id);
    await tick();

    // New activity: a contact through a live code who then buys for the first time; a 面霜 view
    // by a known buyer with a phone; a third order for a two-order customer.
    const code = await ctx.db.selectFrom('wecom_codes').select('config_id').where('workspace_id', '=', ws.id).where('kind', '=', 'contact').orderBy('created_at').executeTakeFirstOrThrow();
    const added = await demo.simulator.addContact(code.config_id);
    await settle();
    const contact = (await ctx.db.selectFrom('wecom_relations').select('customer_id').where('workspace_id', '=', ws.id).where('external_userid', '=', added.externalUserid).executeTakeFirstOrThrow()).customer_id;
    const orders = await ctx.events.query<{ customer_id: string; n: string }>(
      `SELECT customer_id, count() AS n FROM ${ctx.events.table('orders')} FINAL WHERE workspace_id = {ws:UUID} AND status = 'completed' GROUP BY customer_id HAVING n = 2 LIMIT 1`,
      { ws: ws.id },
    );
    const viewer = await ctx.db.selectFrom('customers').select('id').where('workspace_id', '=', ws.id).where('phone_enc', 'is not', null).orderBy('id').executeTakeFirstOrThrow();
    await tick();
    clock.advance(HOUR);
    await order(contact, 990);
    await track(viewer.id, 'Product Viewed', { sku: 'HY-CRM-002', name: '花漾玻色因紧致面霜 50g', category: '面霜', price: 459 });
    await order(orders[0].customer_id, 45900);

    for (let h = 0; h < 4 * 24; h++) {
      clock.advance(HOUR);
      await tick();
    }

    const runs = await ctx.db.selectFrom('journey_runs').select(['journey_id', 'status', 'exit_reason']).where('workspace_id', '=', ws.id).execute();
    const messages = await ctx.db.selectFrom('messages').select(['source_id', 'status', 'reason', 'channel', 'step_id']).where('workspace_id', '=', ws.id).where('source_kind', '=', 'journey').execute();
    const summary: Record<string, { runs: Record<string, number>; messages: Record<string, number> }> = {};
    for (const p of PLAYBOOKS) {
      const id = journeys.get(p.key)!;
      const count = (xs: string[]) => xs.reduce<Record<string, number>>((a, x) => ((a[x] = (a[x] ?? 0) + 1), a), {});
      summary[p.key] = {
        runs: count(runs.filter((r) => r.journey_id === id).map((r) => r.status)),
        messages: count(messages.filter((m) => m.source_id === id).map((m) => `${m.channel}:${m.status}`)),
      };
    }
    console.log(JSON.stringify(summary, null, 1));
    const broken = messages.filter((m) => m.status === 'failed' || m.status === 'parked');
    expect(broken, JSON.stringify(broken.slice(0, 5))).toEqual([]);
    expect(runs.filter((r) => r.status === 'failed' || r.status === 'parked')).toEqual([]);
    for (const p of PLAYBOOKS) expect(Object.keys(summary[p.key].runs).length, `${p.key} took nobody in`).toBeGreaterThan(0);
    // The group invite went to the first-time buyer; the tier upgrade to the third-order customer.
    const invite = messages.filter((m) => m.source_id === journeys.get('first_order_group_invite'));
    expect(invite.length).toBeGreaterThan(0);
    expect(sms.messages.every((m) => m.text.startsWith('【') && m.text.endsWith('退订回T'))).toBe(true);
  });
});
