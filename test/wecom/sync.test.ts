import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId } from '../../src/core/index.js';
import { writeCustomers } from '../../src/customers/index.js';
import { wecomIdle } from '../../src/wecom/index.js';
import { connectedBrand } from './setup.js';

let t: Awaited<ReturnType<typeof connectedBrand>>;
const buyer = newId();
let before: { externalUserid: string; userid: string }[];

beforeAll(async () => {
  t = await connectedBrand('sync-brand');
  // Contacts the corp had before Siyu: no callback reaches anyone yet.
  const way = { config_id: 'preexisting', type: 2 as const, scene: 2 as const, skip_verify: true, state: 'old-poster', user: ['ZhouYaTing', 'LiSiQi'], party: [], qr_code: '', turn: 0 };
  t.sim.corp.contactWays.set(way.config_id, way);
  await t.sim.adminAddTag('客户等级', 'VIP');
  before = [];
  for (const name of ['老客甲', '老客乙', '老客丙']) before.push(await t.sim.addContact('preexisting', { customer: { name } }));
  before.push(await t.sim.addContact('preexisting', { customer: { name: '小程序买家', unionid: 'oUnion-42' } }));
  await writeCustomers(t.ctx, t.ws.id, [{ id: buyer, name: '赵小米', firstSeenAt: new Date('2026-01-01T00:00:00Z'), identifiers: [{ type: 'wechat_unionid', value: 'oUnion-42' }] }]);
  await t.connect();
});
afterAll(() => t?.close());

const relations = () => t.ctx.db.selectFrom('wecom_relations').selectAll().orderBy('added_at').orderBy('external_userid').execute();

describe('full sync on connect, then callbacks and the reconcile', () => {
  it('brings staff with departments, corp tags and existing contacts into OneID', async () => {
    const staff = (await t.app.inject({ url: '/api/wecom/staff', headers: t.headers })).json().items;
    expect(staff.map((s: { userid: string; department: string; customers: number }) => [s.userid, s.department, s.customers])).toEqual([
      ['ChenJing', '总部', 0],
      ['LiSiQi', '总部', 2],
      ['ZhouYaTing', '总部', 2],
    ]);
    expect((await t.ctx.db.selectFrom('wecom_tags').select('name').execute()).map((r) => r.name)).toEqual(['VIP']);
    const rows = await relations();
    expect(rows).toHaveLength(4);
    expect(rows.every((r) => r.state === 'old-poster' && r.code_id === null && r.deleted_at === null)).toBe(true);
    const unionRow = rows.find((r) => r.external_userid === before[3].externalUserid)!;
    expect(unionRow.customer_id).toBe(buyer);
    const customer = (await t.app.inject({ url: `/api/customers/${buyer}`, headers: t.headers })).json();
    expect(customer.name).toBe('赵小米');
    expect(customer.identifiers.map((i: { type: string }) => i.type).sort()).toEqual(['wechat_unionid', 'wecom_external_userid']);
    const settings = (await t.app.inject({ url: '/api/wecom/settings', headers: t.headers })).json().settings;
    expect(settings.sync).toMatchObject({ status: 'done', staff: 3, relations: 4, contacts: 4 });
  });

  it('keeps remarks (sealed) from edit callbacks, and ends relations WeCom no longer has on reconcile', async () => {
    await t.sim.editContact(before[0].userid, before[0].externalUserid, { remark: '王姐 138 0000 1234' });
    await t.settle();
    const row = (await relations()).find((r) => r.external_userid === before[0].externalUserid)!;
    expect(row.remark_enc).not.toContain('王姐');
    const customerId = row.customer_id;
    const shown = (await t.app.inject({ url: `/api/wecom/customers/${customerId}/relations`, headers: t.headers })).json().items;
    expect(shown[0].remark).toBe('王姐 138 0000 1234');

    t.sim.corp.follows.get(before[1].externalUserid)!.delete(before[1].userid);
    expect((await t.app.inject({ method: 'POST', url: '/api/wecom/sync', headers: t.headers })).statusCode).toBe(202);
    await wecomIdle();
    const ended = (await relations()).filter((r) => r.deleted_at !== null);
    expect(ended.map((r) => [r.external_userid, r.deleted_by])).toEqual([[before[1].externalUserid, 'sync']]);
  });

  it('hands adds over to the backup when the pool is at its daily caps', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/wecom/live-codes',
      headers: t.headers,
      payload: { name: '门店海报', channel: 'store', pool: [{ userid: 'ZhouYaTing', dailyCap: 1 }, { userid: 'LiSiQi', dailyCap: 1 }], backupUserid: 'ChenJing', tags: ['VIP', '门店引流'] },
    });
    expect(res.statusCode).toBe(201);
    const code = res.json();
    const got: string[] = [];
    for (let i = 0; i < 3; i++) {
      got.push((await t.sim.addContact(code.configId)).userid);
      await t.settle();
    }
    expect(got).toEqual(['ZhouYaTing', 'LiSiQi', 'ChenJing']);
    // A new local day: the caps start again.
    t.clock.advance(86_400_000);
    await t.app.inject({ method: 'PUT', url: `/api/wecom/live-codes/${code.id}`, headers: t.headers, payload: { name: '门店海报', channel: 'store', pool: [{ userid: 'ZhouYaTing', dailyCap: 1 }, { userid: 'LiSiQi', dailyCap: 1 }], backupUserid: 'ChenJing', tags: ['VIP'] } });
    expect(t.sim.corp.contactWays.get(code.configId)!.user).toEqual(['ZhouYaTing']);
    t.clock.advance(-86_400_000);
    expect(t.sim.corp.tagGroups.flatMap((g) => g.tag.map((x) => x.name)).sort()).toEqual(['VIP', '门店引流']);
  });

  it('refuses unknown staff, a changed channel and missing codes with clear problems', async () => {
    const bad = await t.app.inject({ method: 'POST', url: '/api/wecom/live-codes', headers: t.headers, payload: { name: 'x', channel: 'sms', pool: [{ userid: 'Nobody' }] } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().errors[0]).toMatchObject({ path: 'pool' });
    const typo = await t.app.inject({ method: 'POST', url: '/api/wecom/live-codes', headers: t.headers, payload: { name: 'x', channel: 'sms', pool: [{ userid: 'ZhouYaTing' }], welcome: { text: '你好{{客户名}}' } } });
    expect(typo.statusCode).toBe(400);
    expect(typo.json().errors[0]).toMatchObject({ path: 'body.welcome.text', message: expect.stringContaining('{{客户名}}') });
    const list = (await t.app.inject({ url: '/api/wecom/live-codes', headers: t.headers })).json().items;
    const code = list[0];
    const moved = await t.app.inject({ method: 'PUT', url: `/api/wecom/live-codes/${code.id}`, headers: t.headers, payload: { name: 'x', channel: 'sms', pool: [{ userid: 'ZhouYaTing' }] } });
    expect(moved.json().errors[0].path).toBe('channel');
    expect((await t.app.inject({ method: 'DELETE', url: `/api/wecom/live-codes/${code.id}`, headers: t.headers })).statusCode).toBe(204);
    expect(t.sim.corp.contactWays.has(code.configId)).toBe(false);
    expect((await t.app.inject({ url: `/api/wecom/live-codes/${code.id}`, headers: t.headers })).statusCode).toBe(404);
    const viewer = await t.app.inject({ method: 'POST', url: '/api/wecom/live-codes', headers: { authorization: 'Bearer nope' }, payload: {} });
    expect(viewer.statusCode).toBe(401);
  });

  it('records a refused handover and follows a dismissed group', async () => {
    const c = before[2];
    const takeover = c.userid === 'ZhouYaTing' ? 'LiSiQi' : 'ZhouYaTing';
    t.sim.corp.transfers.push({ kind: 'onjob', handover: c.userid, takeover, external_userid: c.externalUserid, requestedAt: 0, refused: false, applied: false });
    await t.sim.refuseTransfer(c.externalUserid);
    const group = await t.sim.createGroup('ChenJing', '门店老客群');
    await t.settle();
    await t.sim.dismissGroup(group.chat_id);
    // Created and dismissed before Siyu looked: nothing to store, and nothing left failing.
    const fleeting = await t.sim.createGroup('ChenJing', '临时群');
    await t.sim.dismissGroup(fleeting.chat_id);
    await t.settle();
    const audit = await t.ctx.db.selectFrom('audit_log').select(['action', 'entity_id', 'after']).where('action', '=', 'wecom.transfer.fail').execute();
    expect(audit).toEqual([{ action: 'wecom.transfer.fail', entity_id: c.externalUserid, after: { takeover, reason: 'customer_refused' } }]);
    const groups = (await t.app.inject({ url: '/api/wecom/groups', headers: t.headers })).json().items;
    expect(groups.find((g: { chatId: string }) => g.chatId === group.chat_id)).toMatchObject({ name: '门店老客群', dismissed: true });
    const inbox = await t.ctx.db.selectFrom('wecom_inbox').select(['kind', 'error']).where('processed_at', 'is', null).execute();
    expect(inbox).toEqual([]);
  });

  it('treats a half add (免验证, not yet confirmed by the staff member) like an add, and puts it on the customer timeline', async () => {
    const code = (await t.app.inject({ method: 'POST', url: '/api/wecom/live-codes', headers: t.headers, payload: { name: '公众号菜单', channel: 'mp', pool: [{ userid: 'ChenJing' }], welcome: { text: '你好{{客户昵称}}', attachments: [] } } })).json();
    const added = await t.sim.addContact(code.configId, { customer: { name: '半加好友' }, half: true });
    await t.settle();
    const row = await t.ctx.db.selectFrom('wecom_relations').select(['half', 'welcome_status', 'customer_id']).where('external_userid', '=', added.externalUserid).executeTakeFirstOrThrow();
    expect(row).toMatchObject({ half: true, welcome_status: 'sent' });
    const timeline = (await t.app.inject({ url: `/api/customers/${row.customer_id}/timeline`, headers: t.headers })).json();
    expect(timeline.items[0]).toMatchObject({ kind: 'event', event: 'WeCom Contact Added', properties: { staff_userid: 'ChenJing', channel: 'mp', live_code: '公众号菜单', welcome: 'sent' } });
  });
});
