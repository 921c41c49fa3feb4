import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectedBrand } from './setup.js';

let t: Awaited<ReturnType<typeof connectedBrand>>;
beforeAll(async () => {
  t = await connectedBrand('handover');
  await t.connect();
});
afterAll(() => t?.close());

describe('handing customers over (在职继承 / 离职继承)', () => {
  it('hands all current customers over, reports refusals, and moves relations once WeCom completes', async () => {
    const code = (await t.app.inject({ method: 'POST', url: '/api/wecom/live-codes', headers: t.headers, payload: { name: '门店', channel: 'store', pool: [{ userid: 'ZhouYaTing' }] } })).json();
    const added = [];
    for (let i = 0; i < 3; i++) {
      added.push(await t.sim.addContact(code.configId));
      await t.settle();
    }
    const res = await t.app.inject({ method: 'POST', url: '/api/wecom/transfers', headers: t.headers, payload: { kind: 'onjob', handoverUserid: 'ZhouYaTing', takeoverUserid: 'LiSiQi', message: '您好，之后由我为您服务' } });
    expect(res.statusCode).toBe(200);
    expect(res.json().items.map((o: { ok: boolean }) => o.ok)).toEqual([true, true, true]);
    await t.sim.refuseTransfer(added[2].externalUserid);
    await t.settle();

    const query = '/api/wecom/transfers?kind=onjob&handoverUserid=ZhouYaTing&takeoverUserid=LiSiQi';
    expect((await t.app.inject({ url: query, headers: t.headers })).json().items.map((i: { status: string }) => i.status)).toEqual(['waiting', 'waiting', 'refused']);
    t.clock.advance(86_400_000);
    expect((await t.app.inject({ url: query, headers: t.headers })).json().items.map((i: { status: string }) => i.status)).toEqual(['done', 'done', 'refused']);
    const rows = await t.ctx.db.selectFrom('wecom_relations').select(['external_userid', 'userid', 'deleted_by']).orderBy('userid').orderBy('added_at').execute();
    const of = (ext: string) => rows.filter((r) => r.external_userid === ext).map((r) => [r.userid, r.deleted_by]);
    expect(of(added[0].externalUserid)).toEqual([
      ['LiSiQi', null],
      ['ZhouYaTing', 'transfer'],
    ]);
    expect(of(added[2].externalUserid)).toEqual([['ZhouYaTing', null]]);
    const audit = await t.ctx.db.selectFrom('audit_log').select(['action', 'after']).where('action', 'like', 'wecom.transfer.%').execute();
    expect(audit).toEqual(expect.arrayContaining([{ action: 'wecom.transfer.onjob', after: { takeover: 'LiSiQi', requested: 3, accepted: 3 } }, expect.objectContaining({ action: 'wecom.transfer.fail' })]));
    t.clock.advance(-86_400_000);
  });

  it('passes on WeCom’s per-customer refusals and refuses a handover to oneself', async () => {
    const self = await t.app.inject({ method: 'POST', url: '/api/wecom/transfers', headers: t.headers, payload: { kind: 'onjob', handoverUserid: 'ChenJing', takeoverUserid: 'ChenJing' } });
    expect(self.statusCode).toBe(400);
    const none = await t.app.inject({ method: 'POST', url: '/api/wecom/transfers', headers: t.headers, payload: { kind: 'resigned', handoverUserid: 'ChenJing', takeoverUserid: 'LiSiQi' } });
    expect(none.json().errors[0].path).toBe('handoverUserid');
    const stranger = await t.app.inject({ method: 'POST', url: '/api/wecom/transfers', headers: t.headers, payload: { kind: 'onjob', handoverUserid: 'ChenJing', takeoverUserid: 'LiSiQi', externalUserids: ['wm-not-his'] } });
    expect(stranger.json().items).toEqual([{ externalUserid: 'wm-not-his', ok: false, errcode: 84061, message: 'not external contact' }]);
  });
});
