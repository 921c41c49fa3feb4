import { AppError } from '../core/index.js';
import type { Ctx } from '../store/index.js';
import type { Actor } from '../audit/index.js';
import { recordAudit } from '../audit/index.js';
import { customerMembers, rootCustomers } from '../customers/index.js';
import { addTag, getTag, removeTag } from '../tags/index.js';
import { addCorpTags, markTags } from './api.js';
import type { WeComClient } from './client.js';
import { WeComError } from './errors.js';
import { clientFor } from './settings.js';
import { syncCorpTags, tagNames } from './tags.js';

/**
 * A Siyu tag linked to a WeCom corp tag (tags.wecom_tag_id) is one tag in two places: staff see
 * it in the WeCom sidebar and may set it there. Siyu decides: pushTags() marks or unmarks every
 * live relation (each staff member who has the customer) so that it matches whether the
 * customer carries the tag, whoever set it (an operator, a rule, a journey). A staff member's
 * change in WeCom (edit_external_contact) is taken into a manual tag first, so the next push
 * keeps it; rule tags follow their rule, so such a change is undone by the next push.
 */

type By = { actor: Actor; requestId?: string };

export interface TagLink {
  tagId: string;
  wecomTagId: string;
  wecomTagName: string;
  wecomGroupName: string;
}

/** Links a tag to an existing corp tag, or creates one of the same name in a group named like the tag's group. */
export async function linkWecomTag(ctx: Ctx, workspaceId: string, tagId: string, input: { wecomTagId?: string; create?: boolean }, by: By): Promise<TagLink> {
  const tag = await getTag(ctx, workspaceId, tagId);
  const client = await clientFor(ctx, workspaceId);
  let wecomTagId = input.wecomTagId;
  if (input.create) {
    const group = await ctx.db.selectFrom('tag_groups').select('name').where('workspace_id', '=', workspaceId).where('id', '=', tag.groupId).executeTakeFirstOrThrow();
    const created = await addCorpTags(client, { group_name: group.name, tag: [{ name: tag.name }] });
    wecomTagId = created.tag_group.tag[0].id;
    await syncCorpTags(ctx, workspaceId, client);
  }
  if (!wecomTagId) throw new AppError('validation_failed', 'give wecomTagId or create: true', [{ path: 'body.wecomTagId', message: 'required unless create is true' }]);
  let corpTag = await corpTagRow(ctx, workspaceId, wecomTagId);
  if (!corpTag) {
    await syncCorpTags(ctx, workspaceId, client);
    corpTag = await corpTagRow(ctx, workspaceId, wecomTagId);
  }
  if (!corpTag) throw new AppError('validation_failed', `WeCom has no corp tag ${wecomTagId}`, [{ path: 'body.wecomTagId', message: 'unknown corp tag' }]);
  const taken = await ctx.db.selectFrom('tags').select('name').where('workspace_id', '=', workspaceId).where('wecom_tag_id', '=', wecomTagId).where('id', '!=', tagId).executeTakeFirst();
  if (taken) throw new AppError('conflict', `the corp tag "${corpTag.name}" is already linked to the tag "${taken.name}"`);
  await ctx.db.transaction().execute(async (trx) => {
    await trx.updateTable('tags').set({ wecom_tag_id: wecomTagId, updated_at: ctx.clock.now() }).where('workspace_id', '=', workspaceId).where('id', '=', tagId).execute();
    await recordAudit(ctx, trx, { workspaceId, actor: by.actor, action: 'tag.wecom_link', entity: 'tag', entityId: tagId, before: { wecomTagId: tag.wecomTagId }, after: { wecomTagId }, requestId: by.requestId });
  });
  return { tagId, wecomTagId, wecomTagName: corpTag.name, wecomGroupName: corpTag.group_name };
}

export async function unlinkWecomTag(ctx: Ctx, workspaceId: string, tagId: string, by: By): Promise<void> {
  const tag = await getTag(ctx, workspaceId, tagId);
  await ctx.db.transaction().execute(async (trx) => {
    await trx.updateTable('tags').set({ wecom_tag_id: null, updated_at: ctx.clock.now() }).where('workspace_id', '=', workspaceId).where('id', '=', tagId).execute();
    await recordAudit(ctx, trx, { workspaceId, actor: by.actor, action: 'tag.wecom_unlink', entity: 'tag', entityId: tagId, before: { wecomTagId: tag.wecomTagId }, after: { wecomTagId: null }, requestId: by.requestId });
  });
}

/** Corp tags with the Siyu tag each one is linked to. */
export async function listCorpTagRows(ctx: Ctx, workspaceId: string) {
  const rows = await ctx.db
    .selectFrom('wecom_tags')
    .leftJoin('tags', (j) => j.onRef('tags.workspace_id', '=', 'wecom_tags.workspace_id').onRef('tags.wecom_tag_id', '=', 'wecom_tags.tag_id'))
    .select(['wecom_tags.tag_id', 'wecom_tags.name', 'wecom_tags.group_id', 'wecom_tags.group_name', 'tags.id as linked'])
    .where('wecom_tags.workspace_id', '=', workspaceId)
    .orderBy('wecom_tags.group_name')
    .orderBy('wecom_tags.name')
    .execute();
  return rows.map((r) => ({ tagId: r.tag_id, name: r.name, groupId: r.group_id, groupName: r.group_name, linkedTagId: r.linked }));
}

const corpTagRow = (ctx: Ctx, workspaceId: string, tagId: string) =>
  ctx.db.selectFrom('wecom_tags').select(['name', 'group_name']).where('workspace_id', '=', workspaceId).where('tag_id', '=', tagId).executeTakeFirst();

async function linkedTags(ctx: Ctx, workspaceId: string) {
  const rows = await ctx.db.selectFrom('tags').select(['id', 'kind', 'wecom_tag_id']).where('workspace_id', '=', workspaceId).where('wecom_tag_id', 'is not', null).execute();
  return rows.map((r) => ({ id: r.id, kind: r.kind, wecomTagId: r.wecom_tag_id! }));
}

export interface PushResult {
  relations: number;
  marked: number;
  failed: number;
}

/** Live customers (roots) that carry each linked tag, among the given roots. */
async function carriers(ctx: Ctx, workspaceId: string, tagIds: string[], roots: string[]): Promise<Map<string, Set<string>>> {
  const members = await customerMembers(ctx.db, workspaceId, roots);
  const byTag = new Map(tagIds.map((id) => [id, new Set<string>()]));
  const ids = [...members.keys()];
  for (let i = 0; i < ids.length; i += 10_000) {
    const rows = await ctx.events.query<{ c: string; audience: string }>(
      `SELECT toString(customer_id) AS c, audience FROM ${ctx.events.table('audience_state')} FINAL
       WHERE workspace_id = {ws:UUID} AND audience IN {auds:Array(String)} AND customer_id IN {ids:Array(UUID)} AND value != ''`,
      { ws: workspaceId, auds: tagIds.map((id) => `tag:${id}`), ids: ids.slice(i, i + 10_000) },
    );
    for (const r of rows) byTag.get(r.audience.slice(4))?.add(members.get(r.c)!);
  }
  return byTag;
}

/**
 * Makes every live relation carry exactly the linked corp tags its customer has in Siyu. One
 * mark_tag call per relation that differs; a relation WeCom refuses (the contact is gone) is
 * counted as failed and left for its delete callback. Idempotent: a second push marks nothing.
 */
export async function pushTags(ctx: Ctx, workspaceId: string, client?: WeComClient): Promise<PushResult> {
  const linked = await linkedTags(ctx, workspaceId);
  const result: PushResult = { relations: 0, marked: 0, failed: 0 };
  if (linked.length === 0) return result;
  const relations = await ctx.db
    .selectFrom('wecom_relations')
    .select(['external_userid', 'userid', 'customer_id', 'tag_ids'])
    .where('workspace_id', '=', workspaceId)
    .where('deleted_at', 'is', null)
    .where('half', '=', false)
    .execute();
  result.relations = relations.length;
  if (relations.length === 0) return result;
  const roots = await rootCustomers(ctx.db, workspaceId, relations.map((r) => r.customer_id));
  const has = await carriers(ctx, workspaceId, linked.map((t) => t.id), [...new Set(roots.values())]);
  const api = client ?? (await clientFor(ctx, workspaceId));
  for (const r of relations) {
    const root = roots.get(r.customer_id) ?? r.customer_id;
    const current = new Set(r.tag_ids);
    const add = linked.filter((t) => has.get(t.id)!.has(root) && !current.has(t.wecomTagId)).map((t) => t.wecomTagId);
    const remove = linked.filter((t) => !has.get(t.id)!.has(root) && current.has(t.wecomTagId)).map((t) => t.wecomTagId);
    if (add.length === 0 && remove.length === 0) continue;
    try {
      await markTags(api, { userid: r.userid, external_userid: r.external_userid, ...(add.length ? { add_tag: add } : {}), ...(remove.length ? { remove_tag: remove } : {}) });
    } catch (err) {
      if (!(err instanceof WeComError)) throw err;
      ctx.log.warn({ err, userid: r.userid, externalUserid: r.external_userid }, 'WeCom refused a tag sync');
      result.failed++;
      continue;
    }
    const ids = [...new Set([...r.tag_ids.filter((t) => !remove.includes(t)), ...add])];
    await ctx.db
      .updateTable('wecom_relations')
      .set({ tag_ids: JSON.stringify(ids), tags: JSON.stringify(await tagNames(ctx, workspaceId, ids)), updated_at: ctx.clock.now() })
      .where('workspace_id', '=', workspaceId)
      .where('external_userid', '=', r.external_userid)
      .where('userid', '=', r.userid)
      .execute();
    result.marked++;
  }
  return result;
}

/**
 * A staff member changed a contact's corp tags in WeCom: linked manual tags follow on the
 * customer (recorded in the tag's history as source `wecom`, actor the staff member).
 */
export async function pullTags(ctx: Ctx, workspaceId: string, change: { customerId: string; userid: string; before: readonly string[]; after: readonly string[] }): Promise<void> {
  const linked = (await linkedTags(ctx, workspaceId)).filter((t) => t.kind === 'manual');
  if (linked.length === 0) return;
  const before = new Set(change.before);
  const after = new Set(change.after);
  const ws = await ctx.db.selectFrom('workspaces').select(['id', 'timezone']).where('id', '=', workspaceId).executeTakeFirstOrThrow();
  const by = { actor: { type: 'system' as const, id: change.userid, name: `wecom:${change.userid}` } };
  for (const t of linked) {
    if (after.has(t.wecomTagId) && !before.has(t.wecomTagId)) await addTag(ctx, ws, t.id, { customerIds: [change.customerId] }, by, 'wecom');
    if (before.has(t.wecomTagId) && !after.has(t.wecomTagId)) await removeTag(ctx, ws, t.id, { customerIds: [change.customerId] }, by, 'wecom');
  }
}
