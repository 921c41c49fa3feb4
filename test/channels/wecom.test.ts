import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DAY_MS, newId } from '../../src/core/index.js';
import type { Channel } from '../../src/channels/index.js';
import { DELIVERY_POLL_MS, dispatchOnce, enqueueMessage, pollWecomDeliveries } from '../../src/messages/index.js';
import { connectedBrand } from '../wecom/setup.js';

/**
 * The four WeCom channels against the WeCom simulator, on a workspace connected to it: 1v1
 * through the customer's owning staff (add_msg_template, confirmed by the staff member, delivery
 * read back with get_groupmsg_task / get_groupmsg_send_result), app messages to staff, group
 * sends to the owner's groups and moments.
 */
let t: Awaited<ReturnType<typeof connectedBrand>>;
const people: { name: string; customerId: string; externalUserid: string; userid: string }[] = [];
let key = 0;

beforeAll(async () => {
  t = await connectedBrand('wechan');
  await t.connect();
  const code = await t.app.inject({ method: 'POST', url: '/api/wecom/live-codes', headers: t.headers, payload: { name: '小红书', channel: 'xiaohongshu', pool: [{ userid: 'ZhouYaTing' }, { userid: 'LiSiQi' }] } });
  expect(code.statusCode, code.body).toBe(201);
  for (const name of ['王小红', '李思雨', '张佳怡']) {
    const a = await t.sim.addContact(code.json().configId, { customer: { name } });
    await t.settle();
    const rel = await t.ctx.db.selectFrom('wecom_relations').select('customer_id').where('workspace_id', '=', t.ws.id).where('external_userid', '=', a.externalUserid).executeTakeFirstOrThrow();
    people.push({ name, customerId: rel.customer_id!, externalUserid: a.externalUserid, userid: a.userid });
  }
  // round robin: 王小红 and 张佳怡 are 周雅婷's, 李思雨 is 李思琪's
  expect(people.map((p) => p.userid)).toEqual(['ZhouYaTing', 'LiSiQi', 'ZhouYaTing']);
});
afterAll(() => t?.close());

async function template(channel: Channel, content: Record<string, unknown>): Promise<string> {
  const res = await t.app.inject({ method: 'POST', url: '/api/messages/templates', headers: t.headers, payload: { name: `${channel} ${++key}`, channel, content } });
  expect(res.statusCode, res.body).toBe(201);
  return res.json().id;
}

function send(customerId: string, channel: Channel, templateId: string, o: { sourceId?: string; marketing?: boolean } = {}) {
  return enqueueMessage(t.ctx.db, {
    workspaceId: t.ws.id,
    customerId,
    channel,
    templateId,
    idempotencyKey: `w:${++key}`,
    source: { kind: 'campaign', id: o.sourceId ?? newId() },
    vars: {},
    golden: false,
    marketing: o.marketing ?? false,
    now: t.clock.now(),
  });
}

const row = (id: string) => t.ctx.db.selectFrom('messages').selectAll().where('workspace_id', '=', t.ws.id).where('id', '=', id).executeTakeFirstOrThrow();

async function timeline(customerId: string) {
  const rows = await t.ctx.events.query<{ event: string; properties: string }>(
    `SELECT event, properties FROM ${t.ctx.events.table('events')} FINAL WHERE workspace_id = {ws:UUID} AND customer_id = {c:UUID} AND event LIKE 'Message %' ORDER BY timestamp, event`,
    { ws: t.ws.id, c: customerId },
  );
  return rows.map((r) => ({ event: r.event, properties: JSON.parse(r.properties) as Record<string, unknown> }));
}

/** The delivery poll as the worker runs it, after the next check is due. */
async function poll() {
  t.clock.advance(DELIVERY_POLL_MS);
  return pollWecomDeliveries(t.ctx, { workspaceId: t.ws.id });
}

describe('WeCom channels on the simulator', () => {
  let oneToOne = '';

  it('wecom_1v1: add_msg_template for the one customer from their owning staff; delivered once the staff member confirms', async () => {
    const [xiaohong] = people;
    oneToOne = await template('wecom_1v1', { text: '{{customer.name}}您好，我是{{staff.name}}，新品面霜到了', attachments: [{ type: 'link', title: '新品', url: 'https://shop.example.com/p/1' }] });
    const { id } = await send(xiaohong.customerId, 'wecom_1v1', oneToOne);
    expect((await dispatchOnce(t.ctx)).sent).toBe(1);
    const m = await row(id);
    expect(m).toMatchObject({ status: 'sent', reason: null });
    const task = t.sim.corp.msgTemplates.get(m.provider_ref!)!;
    expect(task).toMatchObject({ chat_type: 'single', creator: 'ZhouYaTing', text: { content: '王小红您好，我是周雅婷，新品面霜到了' } });
    expect(task.attachments).toEqual([{ msgtype: 'link', link: { title: '新品', url: 'https://shop.example.com/p/1' } }]);
    expect([...task.tasks.keys()]).toEqual(['ZhouYaTing']);
    expect(task.tasks.get('ZhouYaTing')!.targets.map((x) => x.id)).toEqual([xiaohong.externalUserid]);

    // not confirmed yet: stays 'sent'
    expect(await poll()).toMatchObject({ checked: 1, pending: 1, delivered: 0 });
    expect((await row(id)).status).toBe('sent');
    // a poll before the next check is due asks nothing
    expect((await pollWecomDeliveries(t.ctx, { workspaceId: t.ws.id })).checked).toBe(0);

    expect(t.sim.confirmMassSend(m.provider_ref!, 'ZhouYaTing')).toBe(1);
    const confirmedAt = t.clock.now();
    expect(await poll()).toMatchObject({ delivered: 1, failed: 0 });
    const done = await row(id);
    expect(done.status).toBe('delivered');
    expect(Math.floor(done.delivered_at!.getTime() / 1000)).toBe(Math.floor(confirmedAt.getTime() / 1000));
    const events = await timeline(xiaohong.customerId);
    expect(events.map((e) => e.event)).toEqual(['Message Sent', 'Message Delivered']);
    expect(events[1].properties).toMatchObject({ message_id: id, channel: 'wecom_1v1', template_id: oneToOne });
    // delivered rows are not polled again
    expect((await poll()).checked).toBe(0);
  });

  it('wecom_1v1: failed with the WeCom reason when the customer is no longer a friend, or already got their share', async () => {
    const [xiaohong, siyu] = people;
    t.clock.advance(DAY_MS);
    const gone = await send(siyu.customerId, 'wecom_1v1', oneToOne);
    await dispatchOnce(t.ctx);
    const goneRef = (await row(gone.id)).provider_ref!;
    // the customer deletes 李思琪 before she confirms
    await t.sim.deleteContact('LiSiQi', siyu.externalUserid, 'customer');
    await t.settle();
    t.sim.confirmMassSend(goneRef, 'LiSiQi');

    // WeCom's own share: the simulated corp allows 1 a month here, 王小红 already had hers
    t.sim.corp.massSendMonthlyCap = 1;
    const over = await send(xiaohong.customerId, 'wecom_1v1', oneToOne);
    await dispatchOnce(t.ctx);
    t.sim.confirmMassSend((await row(over.id)).provider_ref!, 'ZhouYaTing');
    t.sim.corp.massSendMonthlyCap = null;

    expect(await poll()).toMatchObject({ checked: 2, delivered: 0, failed: 2 });
    expect(await row(gone.id)).toMatchObject({ status: 'failed', reason_code: 'wecom_not_friend', reason: expect.stringMatching(/not a friend of the sender \(get_groupmsg_send_result status 2\)/) });
    expect(await row(over.id)).toMatchObject({ status: 'failed', reason_code: 'wecom_limit', reason: expect.stringMatching(/already received its share of mass sends \(get_groupmsg_send_result status 3\)/) });
    const failed = (await timeline(siyu.customerId)).find((e) => e.event === 'Message Failed')!;
    expect(failed.properties).toMatchObject({ message_id: gone.id, reason: 'wecom_not_friend' });
    expect((await timeline(xiaohong.customerId)).filter((e) => e.event === 'Message Failed').map((e) => e.properties.reason)).toEqual(['wecom_limit']);
  });

  it("wecom_1v1: a customer past the month's allowance gets nothing more, suppressed with the reason, until next month", async () => {
    const [, , jiayi] = people;
    t.clock.set('2026-06-20T04:00:00Z');
    // June has 30 days: 30 mass sends already reached 张佳怡 this month (WECOM.md, doc 92135)
    for (let d = 1; d <= 30; d++) {
      const { id } = await send(jiayi.customerId, 'wecom_1v1', oneToOne);
      await t.ctx.db
        .updateTable('messages')
        .set({ status: 'delivered', sent_at: new Date(Date.UTC(2026, 5, 1 + Math.floor((d - 1) / 2), 2)), delivered_at: new Date(Date.UTC(2026, 5, 1 + Math.floor((d - 1) / 2), 3)) })
        .where('id', '=', id)
        .execute();
    }
    const tasks = t.sim.corp.msgTemplates.size;
    const { id } = await send(jiayi.customerId, 'wecom_1v1', oneToOne);
    expect(await dispatchOnce(t.ctx)).toMatchObject({ suppressed: 1, sent: 0 });
    expect(await row(id)).toMatchObject({ status: 'suppressed', reason_code: 'wecom_limit', reason: expect.stringMatching(/30 this month \(at most 30\)/) });
    expect(t.sim.corp.msgTemplates.size).toBe(tasks);
    expect((await timeline(jiayi.customerId)).find((e) => e.event === 'Message Suppressed')?.properties).toMatchObject({ message_id: id, reason: 'wecom_limit' });

    // a tighter admin setting: 1 a day
    t.clock.set('2026-07-01T04:00:00Z');
    const put = await t.app.inject({ method: 'GET', url: '/api/messages/policies', headers: t.headers });
    const res = await t.app.inject({ method: 'PUT', url: '/api/messages/policies', headers: t.headers, payload: { ...(put.json() as object), wecomMonthlyCap: 'day_1' } });
    expect(res.statusCode, res.body).toBe(200);
    const july = await send(jiayi.customerId, 'wecom_1v1', oneToOne);
    t.clock.advance(60_000);
    const again = await send(jiayi.customerId, 'wecom_1v1', oneToOne);
    await dispatchOnce(t.ctx);
    expect((await row(july.id)).status).toBe('sent');
    expect(await row(again.id)).toMatchObject({ status: 'suppressed', reason_code: 'wecom_limit', reason: expect.stringMatching(/1 a day \(at most 1\)/) });
    expect(t.sim.corp.msgTemplates.size).toBe(tasks + 1);
    await t.app.inject({ method: 'PUT', url: '/api/messages/policies', headers: t.headers, payload: put.json() });
  });

  it('wecom_app: an app message (message/send) to the customer’s staff member, delivered at once', async () => {
    const [xiaohong] = people;
    const tid = await template('wecom_app', { text: '请跟进{{customer.name}}：她浏览了面霜' });
    const { id } = await send(xiaohong.customerId, 'wecom_app', tid);
    await dispatchOnce(t.ctx);
    expect(await row(id)).toMatchObject({ status: 'delivered' });
    const msg = t.sim.corp.appMessages.at(-1)!;
    expect(msg).toMatchObject({ touser: ['ZhouYaTing'], agentid: t.sim.corp.agentId, text: '请跟进王小红：她浏览了面霜' });
    expect((await row(id)).provider_ref).toBe(msg.msgid);
  });

  it('wecom_group: one group send per staff member and source to the groups they own, delivered when confirmed', async () => {
    const [xiaohong, siyu, jiayi] = people;
    t.clock.advance(DAY_MS);
    const group = await t.sim.createGroup('ZhouYaTing', '花漾福利群');
    await t.settle();
    expect(await t.ctx.db.selectFrom('wecom_groups').select('chat_id').where('workspace_id', '=', t.ws.id).execute()).toEqual([{ chat_id: group.chat_id }]);
    const tid = await template('wecom_group', { text: '本周三晚8点美妆师在线答疑' });
    const campaign = newId();
    const sends = [];
    for (const p of [xiaohong, siyu, jiayi]) sends.push(await send(p.customerId, 'wecom_group', tid, { sourceId: campaign }));
    const before = t.sim.corp.msgTemplates.size;
    await dispatchOnce(t.ctx);
    const [a, b, c] = await Promise.all(sends.map((s) => row(s.id)));
    expect(t.sim.corp.msgTemplates.size).toBe(before + 1);
    expect(a).toMatchObject({ status: 'sent' });
    expect(c).toMatchObject({ status: 'sent', provider_ref: a.provider_ref });
    // 李思琪 owns no group
    expect(b).toMatchObject({ status: 'suppressed', reason_code: 'unreachable', reason: expect.stringMatching(/owns no customer group/) });
    const task = t.sim.corp.msgTemplates.get(a.provider_ref!)!;
    expect(task).toMatchObject({ chat_type: 'group', creator: 'ZhouYaTing', text: { content: '本周三晚8点美妆师在线答疑' } });
    expect(task.tasks.get('ZhouYaTing')!.targets.map((x) => x.id)).toEqual([group.chat_id]);

    expect(await poll()).toMatchObject({ pending: 3, delivered: 0 }); // with July's unconfirmed 1v1
    t.sim.confirmMassSend(a.provider_ref!, 'ZhouYaTing');
    // two pollers at once: each message is delivered once
    t.clock.advance(DELIVERY_POLL_MS);
    const [p1, p2] = await Promise.all([pollWecomDeliveries(t.ctx), pollWecomDeliveries(t.ctx)]);
    expect(p1.delivered + p2.delivered).toBe(2);
    expect((await row(a.id)).status).toBe('delivered');
    expect((await row(c.id)).status).toBe('delivered');
    expect((await timeline(jiayi.customerId)).filter((e) => e.event === 'Message Delivered' && e.properties.channel === 'wecom_group')).toHaveLength(1);
  });

  it('wecom_moments: one add_moment_task per staff member and source, visible to their contacts', async () => {
    const [xiaohong, , jiayi] = people;
    const tid = await template('wecom_moments', { text: '夏日新品上市', attachments: [{ type: 'image', picUrl: 'https://img.example.com/summer.jpg' }] });
    const campaign = newId();
    const before = t.sim.corp.moments.size;
    const one = await send(xiaohong.customerId, 'wecom_moments', tid, { sourceId: campaign });
    const two = await send(jiayi.customerId, 'wecom_moments', tid, { sourceId: campaign });
    await dispatchOnce(t.ctx);
    const [a, b] = [await row(one.id), await row(two.id)];
    expect(a).toMatchObject({ status: 'sent' });
    expect(b).toMatchObject({ status: 'sent', provider_ref: a.provider_ref });
    expect(t.sim.corp.moments.size).toBe(before + 1);
    expect(t.sim.corp.moments.get(a.provider_ref!)).toBeDefined();
  });

  it('a mass send never confirmed stays "sent" and is no longer polled after 7 days', async () => {
    const waiting = await t.ctx.db.selectFrom('messages').select('id').where('workspace_id', '=', t.ws.id).where('status', '=', 'sent').where('channel', '=', 'wecom_1v1').execute();
    expect(waiting).toHaveLength(1); // July's, never confirmed
    expect((await poll()).checked).toBe(1);
    t.clock.advance(8 * DAY_MS);
    expect((await poll()).checked).toBe(0);
    const m = await row(waiting[0].id);
    expect(m.status).toBe('sent');
    expect(m.not_before.getUTCFullYear()).toBe(9999);
  });
});
