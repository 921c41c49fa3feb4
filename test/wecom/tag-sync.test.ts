import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWecomWorker } from '../../src/wecom/index.js';
import { connectedBrand } from './setup.js';

// A Siyu tag linked to a WeCom corp tag: operators' tagging shows in every staff member's sidebar,
// and a staff member's tagging in WeCom shows on the customer in Siyu.
let t: Awaited<ReturnType<typeof connectedBrand>>;
let vip: { id: string };
let corpTagId: string;
let alice: { externalUserid: string; customerId: string };
let bob: { externalUserid: string; customerId: string };

const api = (method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, payload?: unknown) => t.app.inject({ method, url, headers: t.headers, ...(payload === undefined ? {} : { payload: payload as object }) });
const sidebar = (externalUserid: string, userid: string) => t.sim.corp.follows.get(externalUserid)!.get(userid)!.tag_id;
const customerOf = async (externalUserid: string) =>
  (await t.ctx.db.selectFrom('wecom_relations').select('customer_id').where('external_userid', '=', externalUserid).executeTakeFirstOrThrow()).customer_id;
const siyuTags = async (customerId: string) => (await api('GET', `/api/customers/${customerId}/tags`)).json();

beforeAll(async () => {
  t = await connectedBrand('tag-sync');
  await t.connect();
  const code = (await api('POST', '/api/wecom/live-codes', { name: '门店海报', channel: 'store', pool: [{ userid: 'ZhouYaTing' }, { userid: 'LiSiQi' }] })).json();
  // Alice adds both staff members (two relations, one customer); Bob adds one.
  const first = await t.sim.addContact(code.configId, { customer: { name: 'Alice' } });
  await t.settle(); // the live code moves on to the next staff member
  await t.sim.addContact(code.configId, { externalUserid: first.externalUserid });
  await t.settle();
  const second = await t.sim.addContact(code.configId, { customer: { name: 'Bob' } });
  await t.settle();
  alice = { externalUserid: first.externalUserid, customerId: await customerOf(first.externalUserid) };
  bob = { externalUserid: second.externalUserid, customerId: await customerOf(second.externalUserid) };
  const group = (await api('POST', '/api/tag-groups', { name: '客户等级' })).json();
  vip = (await api('POST', '/api/tags', { groupId: group.id, name: 'VIP' })).json();
});
afterAll(() => t?.close());

describe('tag sync with WeCom', () => {
  it('links a tag by creating a corp tag of the same name, and refuses bad links', async () => {
    const res = await api('PUT', `/api/tags/${vip.id}/wecom`, { create: true });
    expect(res.statusCode).toBe(200);
    corpTagId = res.json().wecomTagId;
    expect(res.json()).toMatchObject({ tagId: vip.id, wecomTagName: 'VIP', wecomGroupName: '客户等级' });
    expect(t.sim.corp.tagGroups.find((g) => g.group_name === '客户等级')!.tag.map((x) => x.id)).toEqual([corpTagId]);
    expect((await api('GET', `/api/tags/${vip.id}`)).json().wecomTagId).toBe(corpTagId);
    const listed = (await api('GET', '/api/wecom/corp-tags')).json().items;
    expect(listed).toContainEqual(expect.objectContaining({ tagId: corpTagId, linkedTagId: vip.id }));

    const other = (await api('POST', '/api/tags', { groupId: (await api('GET', `/api/tags/${vip.id}`)).json().groupId, name: 'SVIP' })).json();
    expect((await api('PUT', `/api/tags/${other.id}/wecom`, { wecomTagId: 'et-unknown' })).json()).toMatchObject({ status: 400, detail: 'WeCom has no corp tag et-unknown' });
    expect((await api('PUT', `/api/tags/${other.id}/wecom`, { wecomTagId: corpTagId })).statusCode).toBe(409);
    expect((await api('PUT', `/api/tags/${other.id}/wecom`, {})).statusCode).toBe(400);
    expect((await api('GET', `/api/tags/${other.id}`)).json().wecomTagId).toBeNull();
  });

  it('marks every relation of a tagged customer, once', async () => {
    expect((await api('POST', `/api/tags/${vip.id}/add`, { customerIds: [alice.customerId] })).statusCode).toBe(200);
    expect((await api('POST', '/api/wecom/corp-tags/push')).json()).toEqual({ relations: 3, marked: 2, failed: 0 });
    expect(sidebar(alice.externalUserid, 'ZhouYaTing')).toEqual([corpTagId]);
    expect(sidebar(alice.externalUserid, 'LiSiQi')).toEqual([corpTagId]);
    expect(sidebar(bob.externalUserid, [...t.sim.corp.follows.get(bob.externalUserid)!.keys()][0])).toEqual([]);
    expect((await api('POST', '/api/wecom/corp-tags/push')).json()).toMatchObject({ marked: 0 });
    const shown = (await api('GET', `/api/wecom/customers/${alice.customerId}/relations`)).json().items;
    expect(shown.map((r: { tags: string[] }) => r.tags)).toEqual([['VIP'], ['VIP']]);
  });

  it('takes a staff member’s tagging in WeCom into Siyu, and pushes it to the other relations', async () => {
    const bobStaff = [...t.sim.corp.follows.get(bob.externalUserid)!.keys()][0];
    await t.sim.editContact(bobStaff, bob.externalUserid, { addTag: [corpTagId] });
    await t.settle();
    const tags = await siyuTags(bob.customerId);
    expect(tags.tags.map((x: { name: string }) => x.name)).toEqual(['VIP']);
    expect(tags.history[0]).toMatchObject({ added: true, source: 'wecom', actor: `wecom:${bobStaff}` });

    // Li removes it from Alice in the sidebar: Alice loses it in Siyu, then on Zhou's relation too.
    await t.sim.editContact('LiSiQi', alice.externalUserid, { removeTag: [corpTagId] });
    await t.settle();
    expect((await siyuTags(alice.customerId)).tags).toEqual([]);
    expect((await api('POST', '/api/wecom/corp-tags/push')).json()).toMatchObject({ marked: 1, failed: 0 });
    expect(sidebar(alice.externalUserid, 'ZhouYaTing')).toEqual([]);
    expect(sidebar(bob.externalUserid, bobStaff)).toEqual([corpTagId]);
  });

  it('pushes in the background worker, and stops syncing once unlinked', async () => {
    const stop = startWecomWorker(t.ctx, { pollMs: 50 });
    try {
      await api('POST', `/api/tags/${vip.id}/add`, { customerIds: [alice.customerId] });
      for (let i = 0; i < 100 && sidebar(alice.externalUserid, 'ZhouYaTing').length === 0; i++) await new Promise((r) => setTimeout(r, 50));
      expect(sidebar(alice.externalUserid, 'ZhouYaTing')).toEqual([corpTagId]);
    } finally {
      await stop();
    }
    expect((await api('DELETE', `/api/tags/${vip.id}/wecom`)).statusCode).toBe(204);
    await api('POST', `/api/tags/${vip.id}/remove`, { customerIds: [alice.customerId] });
    expect((await api('POST', '/api/wecom/corp-tags/push')).json()).toMatchObject({ marked: 0, failed: 0 });
    expect(sidebar(alice.externalUserid, 'ZhouYaTing')).toEqual([corpTagId]);
  });
});
