import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { manualClock } from '../../src/core/index.js';
import * as api from '../../src/wecom/api.js';
import { WeComClient, clearTokenCache } from '../../src/wecom/client.js';
import { WeComError } from '../../src/wecom/errors.js';
import { Simulator } from '../../src/wecom/simulator/index.js';

const clock = manualClock('2026-06-15T04:00:00Z');
const sim = new Simulator({
  clock,
  corpId: 'wwsimtest',
  staff: [
    { userid: 'alice', name: '周雅婷' },
    { userid: 'bob', name: '李思琪' },
  ],
});
let baseUrl: string;
const sleeps: number[] = [];
const client = (secret = sim.corp.contactSecret, corpId = sim.corp.corpId) =>
  new WeComClient({ baseUrl, corpId, secret, clock, sleep: async (ms) => void (sleeps.push(ms), clock.advance(ms)) });

beforeAll(async () => {
  baseUrl = await sim.listen();
});
afterAll(() => sim.close());

async function errcode(p: Promise<unknown>): Promise<number> {
  try {
    await p;
    return 0;
  } catch (err) {
    return (err as WeComError).errcode;
  }
}

describe('simulated WeCom and the API client', () => {
  it('answers gettoken errors like WeCom and the client types them', async () => {
    const wrongCorp = await api.listUsers(client(sim.corp.contactSecret, 'wwnope')).catch((e) => e);
    expect(wrongCorp).toBeInstanceOf(WeComError);
    expect(wrongCorp).toMatchObject({ errcode: 40013, kind: 'credentials' });
    expect(await errcode(api.listUsers(client('not-the-secret')))).toBe(40001);
  });

  it('caches the token per corp and secret, and refreshes it on 42001 and 40014', async () => {
    clearTokenCache();
    const c = client();
    const before = sim.corp.tokens.size;
    expect((await api.listUsers(c)).userlist.map((u) => u.userid)).toEqual(['alice', 'bob']);
    await api.listDepartments(c);
    expect(sim.corp.tokens.size).toBe(before + 1);
    sim.expireTokens();
    expect((await api.listFollowUsers(c)).follow_user).toContain('alice');
    expect(sim.corp.tokens.size).toBe(before + 2);
    sim.corp.tokens.clear();
    expect((await api.listFollowUsers(c)).follow_user).toContain('bob');
    expect(sim.corp.tokens.size).toBe(1);
  });

  it('limits calls per API and minute with 45009; the client backs off and succeeds', async () => {
    sim.corp.limits = { perMinute: 2, perHour: 150_000 };
    // Two seconds before the minute turns: the third call waits 1 s, then 2 s, and passes.
    clock.set('2026-06-15T05:00:58Z');
    sleeps.length = 0;
    const c = client();
    for (let i = 0; i < 3; i++) await api.listDepartments(c);
    expect(sleeps).toEqual([1000, 2000]);
    const impatient = new WeComClient({ baseUrl, corpId: sim.corp.corpId, secret: sim.corp.contactSecret, clock, retries: 0 });
    await api.listDepartments(impatient);
    await api.listDepartments(impatient).catch(() => undefined);
    expect(await errcode(api.listDepartments(impatient))).toBe(45009);
    sim.corp.limits = { perMinute: 10_000, perHour: 150_000 };
  });

  it('checks contact ways: state at most 30 characters, users known, one user for type 1', async () => {
    const c = client();
    expect(await errcode(api.addContactWay(c, { type: 2, scene: 2, state: 'x'.repeat(31), user: ['alice'] }))).toBe(40058);
    expect(await errcode(api.addContactWay(c, { type: 2, scene: 2, user: ['nobody'] }))).toBe(40003);
    expect(await errcode(api.addContactWay(c, { type: 1, scene: 2, user: ['alice', 'bob'] }))).toBe(40058);
    const way = await api.addContactWay(c, { type: 2, scene: 2, state: 'x'.repeat(30), user: ['alice', 'bob'], skip_verify: true });
    const qr = await fetch(way.qr_code!);
    expect([qr.status, qr.headers.get('content-type')]).toEqual([200, 'image/png']);
    await api.updateContactWay(c, { config_id: way.config_id, user: ['bob'] });
    expect((await api.getContactWay(c, way.config_id)).contact_way).toMatchObject({ user: ['bob'], state: 'x'.repeat(30) });
    await api.deleteContactWay(c, way.config_id);
    expect(await errcode(api.getContactWay(c, way.config_id))).toBe(40058);
  });

  it('shares the 500,000 contact-way and join-way quota', async () => {
    const c = client();
    const filler = { config_id: '', type: 1 as const, scene: 2 as const, skip_verify: true, user: ['alice'], party: [], qr_code: '', turn: 0 };
    for (let i = sim.corp.contactWays.size + sim.corp.joinWays.size; i < 500_000; i++) sim.corp.contactWays.set(`fill${i}`, filler);
    expect(await errcode(api.addContactWay(c, { type: 1, scene: 2, user: ['alice'] }))).toBe(45024);
    for (const key of [...sim.corp.contactWays.keys()]) if (key.startsWith('fill')) sim.corp.contactWays.delete(key);
  });

  it('caps corp tags at 3,000 and marks tags on a follow', async () => {
    const c = client();
    const group = await api.addCorpTags(c, { group_name: '渠道', tag: [{ name: '小红书引流' }] });
    const tagId = group.tag_group.tag[0].id;
    const many = Array.from({ length: 2999 }, (_, i) => ({ name: `t${i}` }));
    await api.addCorpTags(c, { group_name: '批量', tag: many });
    expect(await errcode(api.addCorpTags(c, { group_name: '批量', tag: [{ name: 'one more' }] }))).toBe(45024);
    await api.deleteCorpTags(c, { group_id: [sim.corp.tagGroups.find((g) => g.group_name === '批量')!.group_id] });

    const way = await api.addContactWay(c, { type: 1, scene: 2, user: ['alice'], state: 'tags' });
    const added = await sim.addContact(way.config_id, { customer: { name: '王小红' } });
    await api.markTags(c, { userid: 'alice', external_userid: added.externalUserid, add_tag: [tagId] });
    const got = await api.getExternalContact(c, added.externalUserid);
    expect(got.follow_user[0]).toMatchObject({ userid: 'alice', state: 'tags', tags: [{ tag_name: '小红书引流', group_name: '渠道' }] });
    expect(await errcode(api.markTags(c, { userid: 'alice', external_userid: added.externalUserid, add_tag: ['et-nope'] }))).toBe(40068);
  });

  it('accepts a WelcomeCode once and only within 20 seconds', async () => {
    const c = client();
    const way = await api.addContactWay(c, { type: 1, scene: 2, user: ['bob'] });
    const first = await sim.addContact(way.config_id);
    await api.sendWelcome(c, { welcome_code: first.welcomeCode, text: { content: '你好' } });
    expect(await errcode(api.sendWelcome(c, { welcome_code: first.welcomeCode, text: { content: '又是你' } }))).toBe(41050);
    const late = await sim.addContact(way.config_id);
    clock.advance(20_001);
    expect(await errcode(api.sendWelcome(c, { welcome_code: late.welcomeCode, text: { content: '迟到' } }))).toBe(41050);
    expect(await errcode(api.sendWelcome(c, { text: { content: 'no code' } }))).toBe(41049);
    expect(sim.corp.welcomes.map((w) => w.text)).toEqual(['你好']);
  });

  it('fills join-way groups to 200 and creates new ones, listing at most 5', async () => {
    const c = client();
    const first = await sim.createGroup('alice', '花漾福利群');
    expect(await errcode(api.addJoinWay(c, { scene: 2, chat_id_list: ['a', 'b', 'c', 'd', 'e', 'f'], auto_create_room: 0 }))).toBe(40058);
    const way = await api.addJoinWay(c, { scene: 2, chat_id_list: [first.chat_id], auto_create_room: 1, room_base_name: '花漾福利群', room_base_id: 2, state: 'g1' });
    for (let i = 0; i < 450; i++) await sim.joinGroup(way.config_id);
    const list = await api.listGroupChats(c, { limit: 100, owner_filter: { userid_list: ['alice'] } });
    const sizes = await Promise.all(list.group_chat_list.map(async (g) => (await api.getGroupChat(c, g.chat_id)).group_chat));
    const customers = (g: (typeof sizes)[number]) => g.member_list.filter((m) => m.type === 2).length;
    expect(sizes.map((g) => [g.name, g.owner, customers(g)])).toEqual([
      ['花漾福利群', 'alice', 200],
      ['花漾福利群2', 'alice', 200],
      ['花漾福利群3', 'alice', 50],
    ]);
    expect(sizes[2].member_list.filter((m) => m.state === 'g1')).toHaveLength(50);
    expect((await api.getJoinWay(c, way.config_id)).join_way.chat_id_list).toHaveLength(3);
  });

  it('caps mass sends per customer a month, and needs the sender to confirm', async () => {
    sim.corp.massSendMonthlyCap = 2;
    const c = client();
    const way = await api.addContactWay(c, { type: 1, scene: 2, user: ['alice'] });
    const { externalUserid } = await sim.addContact(way.config_id);
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) {
      const { msgid } = await api.addMsgTemplate(c, { external_userid: [externalUserid], sender: 'alice', text: { content: `第${i + 1}期` } });
      expect((await api.getGroupMsgTasks(c, { msgid })).task_list).toEqual([{ userid: 'alice', status: 0 }]);
      sim.confirmMassSend(msgid, 'alice');
      statuses.push((await api.getGroupMsgSendResult(c, { msgid, userid: 'alice' })).send_list[0].status);
    }
    expect(statuses).toEqual([1, 1, 3]);
    sim.corp.massSendMonthlyCap = null;
  });

  it('hands customers over within the limits and reports results after 24 hours', async () => {
    const c = client();
    const way = await api.addContactWay(c, { type: 1, scene: 2, user: ['alice'] });
    const a = await sim.addContact(way.config_id);
    const b = await sim.addContact(way.config_id);
    expect(await errcode(api.transferCustomers(c, { handover_userid: 'alice', takeover_userid: 'bob', external_userid: Array.from({ length: 101 }, (_, i) => `wm${i}`) }))).toBe(40058);
    const res = await api.transferCustomers(c, { handover_userid: 'alice', takeover_userid: 'bob', external_userid: [a.externalUserid, b.externalUserid] });
    expect(res.customer.map((x) => x.errcode)).toEqual([0, 0]);
    await sim.refuseTransfer(b.externalUserid);
    expect((await api.transferResult(c, { handover_userid: 'alice', takeover_userid: 'bob' })).customer.map((x) => x.status)).toEqual([2, 3]);
    clock.advance(86_400_000);
    expect((await api.transferResult(c, { handover_userid: 'alice', takeover_userid: 'bob' })).customer.map((x) => x.status)).toEqual([1, 3]);
    expect((await api.getExternalContact(c, a.externalUserid)).follow_user.map((f) => f.userid)).toEqual(['bob']);
    const job = await api.addMomentTask(c, { text: { content: '新品上市' } });
    expect((await api.getMomentTaskResult(c, job.jobid)).result.moment_id).toMatch(/^mom/);
  });
});
