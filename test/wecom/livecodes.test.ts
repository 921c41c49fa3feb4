import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectedBrand } from './setup.js';

let t: Awaited<ReturnType<typeof connectedBrand>>;
beforeAll(async () => {
  t = await connectedBrand();
  await t.connect();
});
afterAll(() => t?.close());

const tagNames = (ids: string[]) => ids.map((id) => t.sim.corp.tagGroups.flatMap((g) => g.tag).find((x) => x.id === id)?.name);

describe('done when: a 小红书 live code with two staff and auto-tag 小红书引流', () => {
  let code: { id: string; configId: string; state: string; short: string };
  const added: { externalUserid: string; userid: string }[] = [];

  it('is created in WeCom as a 联系我 code carrying the state', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/wecom/live-codes',
      headers: t.headers,
      payload: {
        name: '小红书种草笔记',
        channel: 'xiaohongshu',
        pool: [{ userid: 'ZhouYaTing' }, { userid: 'LiSiQi' }],
        tags: ['小红书引流'],
        welcome: {
          text: '{{客户昵称}}你好，我是你的专属顾问{{员工姓名}}～回复【肤质】获取专属护理方案。',
          attachments: [{ type: 'link', title: '新人专享券', url: 'https://example.com/coupon' }],
        },
      },
    });
    expect(res.statusCode).toBe(201);
    code = res.json();
    const way = t.sim.corp.contactWays.get(code.configId)!;
    expect(way).toMatchObject({ state: code.state, skip_verify: true, user: ['ZhouYaTing'] });
    expect(code.state.length).toBeLessThanOrEqual(30);
  });

  it('assigns adds round-robin, tags, welcomes and attributes each, and shows them as customers', async () => {
    const names = ['王小红', '李思雨', '张佳怡', '刘梓涵'];
    for (const name of names) {
      added.push(await t.sim.addContact(code.configId, { customer: { name } }));
      await t.settle();
    }
    expect(added.map((a) => a.userid)).toEqual(['ZhouYaTing', 'LiSiQi', 'ZhouYaTing', 'LiSiQi']);
    for (const a of added) expect(tagNames(t.sim.corp.follows.get(a.externalUserid)!.get(a.userid)!.tag_id)).toEqual(['小红书引流']);
    expect(t.sim.corp.welcomes.map((w) => w.text)).toEqual([
      '王小红你好，我是你的专属顾问周雅婷～回复【肤质】获取专属护理方案。',
      '李思雨你好，我是你的专属顾问李思琪～回复【肤质】获取专属护理方案。',
      '张佳怡你好，我是你的专属顾问周雅婷～回复【肤质】获取专属护理方案。',
      '刘梓涵你好，我是你的专属顾问李思琪～回复【肤质】获取专属护理方案。',
    ]);
    expect(t.sim.corp.welcomes[0].attachments).toEqual([{ msgtype: 'link', link: { title: '新人专享券', url: 'https://example.com/coupon' } }]);

    const list = (await t.app.inject({ url: '/api/customers?q=王小红', headers: t.headers })).json();
    expect(list.items).toHaveLength(1);
    expect(list.items[0]).toMatchObject({ name: '王小红', channel: 'xiaohongshu', channelName: '小红书' });
    const detail = (await t.app.inject({ url: `/api/customers/${list.items[0].id}`, headers: t.headers })).json();
    expect(detail.identifiers).toEqual(expect.arrayContaining([expect.objectContaining({ type: 'wecom_external_userid', value: added[0].externalUserid })]));
    const relations = (await t.app.inject({ url: `/api/wecom/customers/${list.items[0].id}/relations`, headers: t.headers })).json();
    expect(relations.items).toEqual([
      expect.objectContaining({ userid: 'ZhouYaTing', staffName: '周雅婷', liveCode: '小红书种草笔记', channel: 'xiaohongshu', state: code.state, tags: ['小红书引流'], addWay: 1, welcome: 'sent', deletedAt: null }),
    ]);
  });

  it('lists the code with its adds, serves its QR, poster and short link, and counts opens by channel', async () => {
    const list = (await t.app.inject({ url: '/api/wecom/live-codes', headers: t.headers })).json();
    expect(list.items[0]).toMatchObject({ id: code.id, adds: 4, active: 4, current: ['ZhouYaTing'] });
    const qr = await t.app.inject({ url: `/api/wecom/codes/${code.id}/qr.png`, headers: t.headers });
    expect(qr.headers['content-type']).toBe('image/png');
    expect(qr.rawPayload.subarray(1, 4).toString()).toBe('PNG');
    const poster = await t.app.inject({ url: `/api/wecom/codes/${code.id}/poster.svg`, headers: t.headers });
    expect(poster.body).toContain('小红书种草笔记');
    for (const ch of ['sms', 'sms', 'parcel']) expect((await t.app.inject({ url: `/s/${code.short}?ch=${ch}` })).statusCode).toBe(200);
    const page = await t.app.inject({ url: `/s/${code.short}` });
    expect(page.body).toContain(t.sim.corp.contactWays.get(code.configId)!.qr_code);
    expect((await t.app.inject({ url: '/s/nope1234' })).statusCode).toBe(404);
    const clicks = (await t.app.inject({ url: `/api/wecom/codes/${code.id}/clicks`, headers: t.headers })).json();
    expect(clicks.items).toEqual([
      { day: '2026-06-15', ch: 'direct', clicks: 1 },
      { day: '2026-06-15', ch: 'parcel', clicks: 1 },
      { day: '2026-06-15', ch: 'sms', clicks: 2 },
    ]);
  });

  it('ends relations deleted by either side and reports adds, deletes, net and 7-day retention', async () => {
    await t.sim.deleteContact(added[1].userid, added[1].externalUserid, 'customer');
    await t.sim.deleteContact(added[2].userid, added[2].externalUserid, 'staff');
    await t.settle();
    const rel = await t.ctx.db.selectFrom('wecom_relations').select(['external_userid', 'deleted_by']).where('deleted_at', 'is not', null).orderBy('deleted_by').execute();
    expect(rel).toEqual([
      { external_userid: added[1].externalUserid, deleted_by: 'customer' },
      { external_userid: added[2].externalUserid, deleted_by: 'staff' },
    ]);
    t.clock.advance(8 * 86_400_000);
    const stats = (await t.app.inject({ url: `/api/wecom/stats?from=2026-06-15&to=2026-06-23&codeId=${code.id}`, headers: t.headers })).json();
    expect(stats.byDay).toEqual([expect.objectContaining({ key: '2026-06-15', adds: 4, deletes: 2, net: 2, eligible7: 4, retained7: 2, retention7: 0.5 })]);
    expect(stats.byStaff.map((r: { label: string; adds: number; deletes: number }) => [r.label, r.adds, r.deletes])).toEqual([
      ['李思琪', 2, 1],
      ['周雅婷', 2, 1],
    ]);
    expect(stats.byCode).toEqual([expect.objectContaining({ label: '小红书种草笔记', adds: 4, net: 2 })]);
    t.clock.advance(-8 * 86_400_000);
  });
});

describe('done when: a group code with 450 joiners', () => {
  it('ends up with 3 groups of 200, 200 and 50', async () => {
    const first = await t.sim.createGroup('ZhouYaTing', '花漾福利群');
    await t.settle();
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/wecom/group-codes',
      headers: t.headers,
      payload: { name: '福利群活码', channel: 'parcel_card', chatIds: [first.chat_id], roomBaseName: '花漾福利群', welcome: '欢迎{{客户昵称}}入群！本群每周三晚8点美妆师在线答疑，群内仅限200人。' },
    });
    expect(res.statusCode).toBe(201);
    const code = res.json();
    expect(code).toMatchObject({ cap: 200, autoCreate: true, chatIds: [first.chat_id] });
    expect(t.sim.corp.groupWelcomeTemplates.get(code.welcomeTemplateId)?.text?.content).toBe('欢迎%NICKNAME%入群！本群每周三晚8点美妆师在线答疑，群内仅限200人。');
    // The owner picks the 入群欢迎语 for the group in the WeCom app.
    t.sim.chooseGroupWelcome(first.chat_id, code.welcomeTemplateId);
    for (let i = 0; i < 450; i++) await t.sim.joinGroup(code.configId);
    await t.settle();
    const after = (await t.app.inject({ url: `/api/wecom/group-codes/${code.id}`, headers: t.headers })).json();
    expect(after.groups.map((g: { name: string; customers: number; joinedByCode: number }) => [g.name, g.customers, g.joinedByCode])).toEqual([
      ['花漾福利群', 200, 200],
      ['花漾福利群2', 200, 200],
      ['花漾福利群3', 50, 50],
    ]);
    expect(after.chatIds).toEqual([after.groups[2].chatId]);
    expect(t.sim.corp.groupWelcomes).toHaveLength(200);
    expect(t.sim.corp.groupWelcomes[0].text).toMatch(/^欢迎.+入群！/);
    expect((await t.app.inject({ method: 'DELETE', url: `/api/wecom/group-codes/${code.id}`, headers: t.headers })).statusCode).toBe(204);
    expect(t.sim.corp.groupWelcomeTemplates.size).toBe(0);
    expect(t.sim.corp.joinWays.has(code.configId)).toBe(false);
  });
});
