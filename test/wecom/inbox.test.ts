import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kickInbox } from '../../src/wecom/index.js';
import { connectedBrand } from './setup.js';

let t: Awaited<ReturnType<typeof connectedBrand>>;
beforeAll(async () => {
  t = await connectedBrand('inbox-brand');
  await t.connect();
});
afterAll(() => t?.close());

const pendingRows = () => t.ctx.db.selectFrom('wecom_inbox').select(['kind', 'attempts', 'error']).where('processed_at', 'is', null).execute();

describe('processing stored callbacks', () => {
  it('retries a failed callback without welcoming or counting the add twice', async () => {
    const code = (
      await t.app.inject({
        method: 'POST',
        url: '/api/wecom/live-codes',
        headers: t.headers,
        payload: { name: '抖音', channel: 'douyin', pool: [{ userid: 'ZhouYaTing' }, { userid: 'LiSiQi' }], tags: ['抖音引流'], welcome: { text: '你好{{客户昵称}}', attachments: [] } },
      })
    ).json();
    // The tag disappears from WeCom: marking it fails after the welcome went out.
    const groups = t.sim.corp.tagGroups;
    t.sim.corp.tagGroups = [];
    await t.sim.addContact(code.configId, { customer: { name: '周周' } });
    await t.settle();
    expect(await pendingRows()).toEqual([{ kind: 'change_external_contact:add_external_contact', attempts: 1, error: expect.stringContaining('40068') }]);
    expect(t.sim.corp.welcomes.map((w) => w.text)).toEqual(['你好周周']);

    t.sim.corp.tagGroups = groups;
    kickInbox(t.ctx, t.ws.id);
    await t.settle();
    expect(await pendingRows()).toEqual([]);
    expect(t.sim.corp.welcomes).toHaveLength(1);
    const rel = await t.ctx.db.selectFrom('wecom_relations').select(['welcome_status', 'tags']).executeTakeFirstOrThrow();
    expect(rel).toEqual({ welcome_status: 'sent', tags: ['抖音引流'] });
    const listed = (await t.app.inject({ url: `/api/wecom/live-codes/${code.id}`, headers: t.headers })).json();
    expect(listed.current).toEqual(['LiSiQi']);
    const row = await t.ctx.db.selectFrom('wecom_codes').select('runtime').where('id', '=', code.id).executeTakeFirstOrThrow();
    expect(row.runtime).toMatchObject({ total: { ZhouYaTing: 1 } });
  });

  it('leaves a workspace to the process holding its lease, and takes over when the lease expires', async () => {
    await t.ctx.db.insertInto('wecom_inbox_leases').values({ workspace_id: t.ws.id, owner: 'another-process', until: new Date(t.clock.now().getTime() + 60_000) }).onConflict((oc) => oc.column('workspace_id').doUpdateSet({ owner: 'another-process', until: new Date(t.clock.now().getTime() + 60_000) })).execute();
    await t.sim.adminAddTag('活动', '618');
    await t.settle();
    expect((await pendingRows()).map((r) => r.kind)).toEqual(['change_external_tag:create']);
    t.clock.advance(61_000);
    kickInbox(t.ctx, t.ws.id);
    await t.settle();
    expect(await pendingRows()).toEqual([]);
    expect((await t.ctx.db.selectFrom('wecom_tags').select('name').where('name', '=', '618').execute()).length).toBe(1);
    t.clock.advance(-61_000);
  });
});
