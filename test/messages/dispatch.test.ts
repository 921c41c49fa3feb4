import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DAY_MS } from '../../src/core/index.js';
import { dispatchOnce, MAX_ATTEMPTS } from '../../src/messages/index.js';
import { type Brand, messageRow, messagingBrand, timeline } from './setup.js';

let b: Brand;
beforeAll(async () => {
  b = await messagingBrand();
});
afterAll(() => b?.close());

const HOUR = 3_600_000;

describe('dispatching the outbox', () => {
  it('renders, signs 【品牌】 and 退订回T, sends once through the SMS simulator and writes Message Sent on the timeline', async () => {
    const [c] = b.people;
    const { id } = await b.send(c.id);
    const r = await dispatchOnce(b.ctx);
    expect(r.sent).toBe(1);
    const m = await messageRow(b, id);
    expect(m.status).toBe('sent');
    expect(m.provider_ref).toMatch(/^sms/);
    const sms = b.sms.messages.find((x) => x.ref === id)!;
    expect(sms.phone).toBe('+8613800138001');
    expect(sms.text).toMatch(/^【Brand msg】王小美您好，面霜的20元券已到账 http:\/\/127\.0\.0\.1:\d+\/m\/[\w-]+ 退订回T$/);
    // tracked link: redirect and Message Clicked
    const link = sms.text.match(/\/m\/[\w-]+/)![0];
    const click = await b.app.inject({ method: 'GET', url: link });
    expect(click.statusCode).toBe(302);
    expect(click.headers.location).toBe('https://shop.example.com/p/1');
    // delivery report from the gateway
    await b.sms.report(sms.id, 'delivered');
    expect((await messageRow(b, id)).status).toBe('delivered');
    const events = (await timeline(b, c.id)).map((e) => e.event);
    expect(events).toEqual(expect.arrayContaining(['Message Sent', 'Message Delivered', 'Message Clicked']));
    const sent = (await timeline(b, c.id)).find((e) => e.event === 'Message Sent')!;
    expect(sent.properties).toMatchObject({ message_id: id, channel: 'sms', template_id: b.templateId, source_kind: 'journey', step_id: 's1' });
  });

  it('caps marketing at 1 a day per customer: the second is suppressed with the reason and Message Suppressed', async () => {
    const [c] = b.people;
    const { id } = await b.send(c.id);
    await dispatchOnce(b.ctx);
    const m = await messageRow(b, id);
    expect(m.status).toBe('suppressed');
    expect(m.reason_code).toBe('cap_overall');
    expect(m.reason).toMatch(/at most 1/);
    expect((await timeline(b, c.id)).some((e) => e.event === 'Message Suppressed' && e.properties.reason === 'cap_overall')).toBe(true);
    // non-marketing sends are not capped
    const tx = await b.send(c.id, { marketing: false });
    await dispatchOnce(b.ctx);
    expect((await messageRow(b, tx.id)).status).toBe('sent');
  });

  it('defers sends in quiet hours to their end (08:00) and golden sends to the next window', async () => {
    const [, c2, c3] = b.people;
    b.clock.set('2026-06-16T15:30:00Z'); // 23:30 Shanghai
    const quiet = await b.send(c2.id);
    await dispatchOnce(b.ctx);
    let m = await messageRow(b, quiet.id);
    expect(m.status).toBe('deferred');
    expect(m.reason_code).toBe('quiet_hours');
    expect(m.not_before.toISOString()).toBe('2026-06-17T00:00:00.000Z'); // 08:00 Shanghai
    b.clock.set('2026-06-17T02:00:00Z'); // 10:00: not golden
    const golden = await b.send(c3.id, { golden: true });
    await dispatchOnce(b.ctx);
    expect((await messageRow(b, quiet.id)).status).toBe('sent');
    m = await messageRow(b, golden.id);
    expect(m.status).toBe('deferred');
    expect(m.reason_code).toBe('golden_window');
    expect(m.not_before.toISOString()).toBe('2026-06-17T04:00:00.000Z'); // 12:00 Shanghai
    b.clock.set('2026-06-17T04:00:00Z');
    await dispatchOnce(b.ctx);
    expect((await messageRow(b, golden.id)).status).toBe('sent');
  });

  it('respects 退订: a reply "T" unsubscribes, later marketing SMS is suppressed and Unsubscribed is on the timeline', async () => {
    const [, c2] = b.people;
    b.clock.advance(DAY_MS);
    await b.sms.reply('13800138002', 'T');
    const unsub = await b.ctx.db.selectFrom('unsubscribes').selectAll().where('customer_id', '=', c2.id).executeTakeFirstOrThrow();
    expect(unsub).toMatchObject({ channel: 'sms', source: 'sms_reply' });
    const { id } = await b.send(c2.id);
    await dispatchOnce(b.ctx);
    const m = await messageRow(b, id);
    expect(m.status).toBe('suppressed');
    expect(m.reason_code).toBe('unsubscribed');
    const events = (await timeline(b, c2.id)).map((e) => e.event);
    expect(events).toEqual(expect.arrayContaining(['Message Replied', 'Unsubscribed', 'Message Suppressed']));
  });

  it('respects refused consent', async () => {
    const [, , c3] = b.people;
    b.clock.advance(DAY_MS);
    await b.ctx.db.updateTable('customers').set({ consent: JSON.stringify({ sms: { granted: false, at: '2026-01-01T00:00:00Z' } }) }).where('id', '=', c3.id).execute();
    const { id } = await b.send(c3.id);
    await dispatchOnce(b.ctx);
    expect(await messageRow(b, id)).toMatchObject({ status: 'suppressed', reason_code: 'no_consent' });
    await b.ctx.db.updateTable('customers').set({ consent: '{}' }).where('id', '=', c3.id).execute();
  });

  it('retries transient failures with exponential backoff, then parks the message without blocking others', async () => {
    const [c1, , c3] = b.people;
    b.clock.advance(DAY_MS);
    b.sms.failNext(MAX_ATTEMPTS);
    const stuck = await b.send(c1.id);
    const attempts: number[] = [];
    let m = await messageRow(b, stuck.id);
    for (let i = 1; i <= MAX_ATTEMPTS; i++) {
      await dispatchOnce(b.ctx);
      m = await messageRow(b, stuck.id);
      expect(m.attempts).toBe(i);
      if (i < MAX_ATTEMPTS) {
        expect(m.status).toBe('queued');
        attempts.push(m.not_before.getTime() - b.clock.now().getTime());
        b.clock.set(m.not_before);
      }
    }
    expect(attempts).toEqual([30_000, 120_000, 480_000, 1_920_000]);
    expect(m.status).toBe('parked');
    expect(m.reason).toMatch(/parked after 5 attempts/);
    // another customer's message goes through
    const other = await b.send(c3.id);
    await dispatchOnce(b.ctx);
    expect((await messageRow(b, other.id)).status).toBe('sent');
    expect((await timeline(b, c1.id)).some((e) => e.event === 'Message Failed' && e.properties.reason === 'parked')).toBe(true);
  });

  it('a send left "sending" by a crash is resent with the same idempotency key: the gateway drops the repeat', async () => {
    const [, , c3] = b.people;
    b.clock.advance(DAY_MS + HOUR);
    const { id } = await b.send(c3.id);
    await dispatchOnce(b.ctx);
    const before = b.sms.messages.length;
    // as if the process died after the provider answered but before the outcome was recorded
    await b.ctx.db.updateTable('messages').set({ status: 'sending', not_before: b.clock.now() }).where('id', '=', id).execute();
    await dispatchOnce(b.ctx);
    expect(b.sms.messages.length).toBe(before);
    expect((await messageRow(b, id)).status).toBe('sent');
  });
});
