import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Server } from '../../src/api/index.js';
import type { ManualClock } from '../../src/core/index.js';
import { runJourneysOnce } from '../../src/journeys/index.js';
import { dispatchOnce } from '../../src/messages/index.js';
import { NEW_CUSTOMER_TOUCHES } from '../../src/playbooks/index.js';
import type { WecomDemo } from '../../src/wecom/index.js';
import { apiKey, bearer } from '../support/app.js';
import { insertOrder } from '../support/events.js';
import type { TestCtx } from '../support/stores.js';
import { demoBrand, track as trackEvent } from './support.js';

/**
 * Issue #7's "done when", tried as a new user would, on the demo brand with its simulated WeCom
 * (what `siyu serve` runs): install 新客7天培育, add a contact through a live code, jump the clock
 * 7 days hour by hour with the journeys worker and the outbox dispatcher running; then a 面霜
 * browser without an order gets the 20元 coupon once, and buying converts.
 */

const HOUR = 3_600_000;
const GOLDEN: [number, number][] = [
  [7, 9],
  [12, 13],
  [19, 22],
];

let ctx: TestCtx;
let clock: ManualClock;
let app: Server;
let demo: WecomDemo;
let ws: { id: string; timezone: string };
let headers: Record<string, string>;

let settle: () => Promise<void>;

/** One tick of the workers, run `repeat` times (a scan or pass repeated must change nothing). */
async function work(repeat = 1) {
  for (let i = 0; i < repeat; i++) {
    await runJourneysOnce(ctx);
    await dispatchOnce(ctx, { workspaceId: ws.id });
    await settle();
  }
}

async function jump(hours: number, repeat = 1) {
  for (let h = 0; h < hours; h++) {
    clock.advance(HOUR);
    await work(repeat);
  }
}

function localHour(at: Date): number {
  const parts = new Intl.DateTimeFormat('en-GB', { timeZone: ws.timezone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).formatToParts(at);
  const get = (t: string) => Number(parts.find((p) => p.type === t)!.value);
  return get('hour') + get('minute') / 60;
}
const inGolden = (at: Date) => GOLDEN.some(([a, b]) => localHour(at) >= a && localHour(at) < b);

async function install(key: string): Promise<{ id: string; items: { kind: string; key: string; id: string }[] }> {
  const res = await app.inject({ method: 'POST', url: `/api/journeys/templates/${key}/install?publish=true`, headers });
  expect(res.statusCode, res.body).toBe(201);
  expect(res.json().status).toBe('live');
  return res.json();
}

async function messagesOf(customerId: string, journeyId: string) {
  return ctx.db
    .selectFrom('messages')
    .select(['id', 'template_id', 'status', 'sent_at', 'created_at', 'idempotency_key', 'step_id', 'reason', 'channel'])
    .where('workspace_id', '=', ws.id)
    .where('customer_id', '=', customerId)
    .where('source_id', '=', journeyId)
    .orderBy('created_at')
    .execute();
}

async function runsOf(customerId: string, journeyId: string) {
  return ctx.db.selectFrom('journey_runs').selectAll().where('workspace_id', '=', ws.id).where('customer_id', '=', customerId).where('journey_id', '=', journeyId).execute();
}

const track = (customerId: string, event: string, properties: Record<string, unknown>) => trackEvent(ctx, ws.id, customerId, event, properties);

async function addContact(): Promise<{ customerId: string; externalUserid: string }> {
  const code = await ctx.db.selectFrom('wecom_codes').select('config_id').where('workspace_id', '=', ws.id).where('kind', '=', 'contact').where('name', '=', '小红书种草笔记').executeTakeFirstOrThrow();
  const added = await demo.simulator.addContact(code.config_id);
  await settle();
  const rel = await ctx.db.selectFrom('wecom_relations').select('customer_id').where('workspace_id', '=', ws.id).where('external_userid', '=', added.externalUserid).executeTakeFirstOrThrow();
  return { customerId: rel.customer_id, externalUserid: added.externalUserid };
}

beforeAll(async () => {
  // 2026-06-15 10:10 in Shanghai: outside the golden windows, so the first touch has to wait.
  ({ ctx, clock, app, demo, ws, settle } = await demoBrand(200));
  headers = bearer(await apiKey(ctx, ws.id, 'admin'));
  // The demo's own adds and joins happened; the operator installs the playbook a little later.
  clock.advance(10 * 60_000);
});

afterAll(async () => {
  await demo?.stop();
  await app?.close();
  await ctx?.close();
});

describe('done when: the 7-day plan on the demo brand', () => {
  it('sends exactly the planned messages, each in a golden window, nothing twice', { timeout: 900_000 }, async () => {
    const journey = await install('new_customer_7d');
    // Contacts the demo added before the journey went live do not enter it.
    await work();
    expect(await ctx.db.selectFrom('journey_runs').select('id').where('journey_id', '=', journey.id).execute()).toEqual([]);

    const { customerId, externalUserid } = await addContact();
    const enteredAt = ctx.clock.now();
    await work(2);
    expect((await runsOf(customerId, journey.id)).map((r) => r.status)).toEqual([expect.stringMatching(/active|waiting/)]);

    await jump(7 * 24 + 2, 2);

    const sent = await messagesOf(customerId, journey.id);
    const template = (k: string) => journey.items.find((i) => i.kind === 'message_template' && i.key === k)!.id;
    expect(sent.map((m) => m.template_id)).toEqual(NEW_CUSTOMER_TOUCHES.map((t) => template(t.key)));
    expect(new Set(sent.map((m) => m.idempotency_key)).size).toBe(sent.length);
    for (const m of sent) {
      expect(m.status, `${m.step_id}: ${m.reason}`).toMatch(/sent|delivered/);
      expect(inGolden(m.sent_at!), `${m.step_id} sent at ${m.sent_at!.toISOString()}`).toBe(true);
    }
    // Day N of the plan: sent N days (plus the wait for a golden window) after entering.
    const days = sent.map((m) => Math.floor((m.sent_at!.getTime() - enteredAt.getTime()) / (24 * HOUR)));
    expect(days).toEqual(NEW_CUSTOMER_TOUCHES.map((t) => t.day));
    // WeCom got one 1v1 task per message, none twice.
    const tasks = [...demo.simulator.corp.msgTemplates.values()].filter((t) => [...t.tasks.values()].some((x) => x.targets.some((target) => target.id === externalUserid)));
    expect(tasks).toHaveLength(sent.length);
    // One coupon, the run completed (no order), the tag added then removed.
    const grants = await ctx.db.selectFrom('coupon_grants').selectAll().where('workspace_id', '=', ws.id).where('customer_id', '=', customerId).execute();
    expect(grants).toHaveLength(1);
    expect((await runsOf(customerId, journey.id)).map((r) => r.status)).toEqual(['completed']);
  });
});

describe('done when: browsed 面霜 without buying', () => {
  it('gets the 20元 no-threshold coupon once; buying then converts', { timeout: 600_000 }, async () => {
    const journey = await install('browse_no_buy_coupon');
    const browser = await addContact();
    const buyer = await addContact();
    await work();
    await track(browser.customerId, 'Product Viewed', { sku: 'HY-CRM-001', name: '花漾积雪草修护面霜 50g', category: '面霜', price: 299 });
    await track(buyer.customerId, 'Product Viewed', { sku: 'HY-CRM-002', name: '花漾玻色因紧致面霜 50g', category: '面霜', price: 459 });
    // not 面霜: no entry
    const other = await addContact();
    await track(other.customerId, 'Product Viewed', { sku: 'HY-LIP-001', name: '花漾丝绒雾面唇膏 #01 正红', category: '口红', price: 129 });
    await work(3);

    // The buyer orders within 24 hours: converted, no coupon.
    clock.advance(2 * HOUR);
    await insertOrder(ctx, ws.id, { orderId: 'o-buyer-1', customerId: buyer.customerId, at: ctx.clock.now().toISOString(), totalFen: 45900 });
    await track(buyer.customerId, 'Order Completed', { order_id: 'o-buyer-1', total: 459, currency: 'CNY' });
    await work(2);

    // A second view of 面霜 the next hour: re-entry is once, nothing more.
    clock.advance(HOUR);
    await track(browser.customerId, 'Product Viewed', { sku: 'HY-CRM-003', name: '花漾神经酰胺保湿霜 50g', category: '面霜', price: 269 });
    await jump(30, 3);

    // (new contacts are in the 7-day plan too, with its 新人券: only this journey's coupon counts here)
    const browseCoupons = (customerId: string) =>
      ctx.db.selectFrom('coupon_grants').selectAll().where('workspace_id', '=', ws.id).where('customer_id', '=', customerId).where('coupon_key', '=', 'browse_no_buy_20').execute();
    const coupons = await browseCoupons(browser.customerId);
    expect(coupons.map((c) => [c.amount_fen, c.threshold_fen])).toEqual([[2000, 0]]);
    const sent = await messagesOf(browser.customerId, journey.id);
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ channel: 'wecom_1v1', status: expect.stringMatching(/sent|delivered/) });
    expect(inGolden(sent[0].sent_at!)).toBe(true);
    expect((await runsOf(browser.customerId, journey.id)).map((r) => r.status)).toEqual(['waiting']);

    const buyerRuns = await runsOf(buyer.customerId, journey.id);
    expect(buyerRuns.map((r) => [r.status, r.conversion_value_fen === null ? null : Number(r.conversion_value_fen)])).toEqual([['converted', 45900]]);
    expect(await browseCoupons(buyer.customerId)).toEqual([]);
    expect(await runsOf(other.customerId, journey.id)).toEqual([]);

    // Now the browser uses the coupon: the run ends as a conversion.
    await insertOrder(ctx, ws.id, { orderId: 'o-browser-1', customerId: browser.customerId, at: ctx.clock.now().toISOString(), totalFen: 27900 });
    await track(browser.customerId, 'Order Completed', { order_id: 'o-browser-1', total: 279, currency: 'CNY' });
    await work(2);
    const runs = await runsOf(browser.customerId, journey.id);
    expect(runs.map((r) => [r.status, Number(r.conversion_value_fen)])).toEqual([['converted', 27900]]);
    expect(await browseCoupons(browser.customerId)).toHaveLength(1);
  });
});
