import type { Ctx } from '../store/index.js';
import { batchGetByUser, getGroupChat, listDepartments, listFollowUsers, listGroupChats, listUsers } from './api.js';
import type { WeComClient } from './client.js';
import { codeByState, upsertRelation } from './contacts.js';
import { upsertGroup } from './groups.js';
import { linkContact } from './oneid.js';
import { clientFor, recordSync } from './settings.js';
import { syncCorpTags } from './tags.js';

export interface SyncResult {
  staff: number;
  tags: number;
  contacts: number;
  relations: number;
  ended: number;
  groups: number;
}

/** Staff with their first department's name, into the workspace's staff list. */
async function syncStaff(ctx: Ctx, workspaceId: string, client: WeComClient): Promise<number> {
  const [{ userlist }, { department }] = await Promise.all([listUsers(client), listDepartments(client)]);
  for (const u of userlist) {
    const dept = department.find((d) => d.id === u.department[0])?.name ?? null;
    await ctx.db
      .insertInto('staff')
      .values({ workspace_id: workspaceId, userid: u.userid, name: u.name, department: dept })
      .onConflict((oc) => oc.columns(['workspace_id', 'userid']).doUpdateSet({ name: u.name, department: dept }))
      .execute();
  }
  return userlist.length;
}

/**
 * Every contact of every member with customer contact (batch get_by_user, 100 members and 100
 * contacts a page) into OneID with its relation; relations WeCom no longer has are ended.
 */
async function syncContacts(ctx: Ctx, workspaceId: string, client: WeComClient, progress: (n: number) => Promise<void>) {
  const { follow_user } = await listFollowUsers(client);
  const seen = new Set<string>();
  const customers = new Set<string>();
  for (let i = 0; i < follow_user.length; i += 100) {
    let cursor = '';
    do {
      const page = await batchGetByUser(client, { userid_list: follow_user.slice(i, i + 100), cursor, limit: 100 });
      for (const { external_contact: c, follow_info: f } of page.external_contact_list) {
        const code = await codeByState(ctx, workspaceId, f.state);
        const at = new Date(f.createtime * 1000);
        const customerId = await linkContact(ctx, workspaceId, { externalUserid: c.external_userid, unionid: c.unionid, name: c.name, at, channel: code?.channel, staffUserid: f.userid });
        await upsertRelation(ctx, workspaceId, { externalUserid: c.external_userid, userid: f.userid, customerId, follow: f, tagIds: f.tag_id, codeId: code?.id ?? null });
        seen.add(`${c.external_userid}\u0000${f.userid}`);
        customers.add(customerId);
      }
      await progress(seen.size);
      cursor = page.next_cursor;
    } while (cursor);
  }
  const open = await ctx.db.selectFrom('wecom_relations').select(['external_userid', 'userid']).where('workspace_id', '=', workspaceId).where('deleted_at', 'is', null).execute();
  const gone = open.filter((r) => !seen.has(`${r.external_userid}\u0000${r.userid}`));
  for (const r of gone) {
    await ctx.db
      .updateTable('wecom_relations')
      .set({ deleted_at: ctx.clock.now(), deleted_by: 'sync', updated_at: ctx.clock.now() })
      .where('workspace_id', '=', workspaceId)
      .where('external_userid', '=', r.external_userid)
      .where('userid', '=', r.userid)
      .execute();
  }
  return { contacts: customers.size, relations: seen.size, ended: gone.length };
}

async function syncGroups(ctx: Ctx, workspaceId: string, client: WeComClient): Promise<number> {
  let cursor = '';
  let n = 0;
  do {
    const page = await listGroupChats(client, { cursor, limit: 1000 });
    for (const g of page.group_chat_list) {
      await upsertGroup(ctx, workspaceId, (await getGroupChat(client, g.chat_id)).group_chat);
      n++;
    }
    cursor = page.next_cursor ?? '';
  } while (cursor);
  return n;
}

/**
 * Full sync: staff, corp tags, contacts and relations, customer groups. Runs on connect and as the
 * nightly reconcile (callbacks keep things current in between); progress and the outcome are kept
 * in the settings row for the console.
 */
export async function syncAll(ctx: Ctx, workspaceId: string): Promise<SyncResult> {
  const client = await clientFor(ctx, workspaceId);
  const startedAt = ctx.clock.now().toISOString();
  await recordSync(ctx, workspaceId, { status: 'running', startedAt, relationsDone: 0 });
  try {
    const staff = await syncStaff(ctx, workspaceId, client);
    const tags = await syncCorpTags(ctx, workspaceId, client);
    const contacts = await syncContacts(ctx, workspaceId, client, (n) => recordSync(ctx, workspaceId, { status: 'running', startedAt, staff, tags, relationsDone: n }));
    const groups = await syncGroups(ctx, workspaceId, client);
    const result = { staff, tags, ...contacts, groups };
    await recordSync(ctx, workspaceId, { status: 'done', startedAt, finishedAt: ctx.clock.now().toISOString(), ...result });
    return result;
  } catch (err) {
    await recordSync(ctx, workspaceId, { status: 'failed', startedAt, finishedAt: ctx.clock.now().toISOString(), error: String((err as Error).message ?? err) });
    throw err;
  }
}
