import type { Ctx } from '../store/index.js';
import { addCorpTags, listCorpTags } from './api.js';
import type { WeComClient } from './client.js';

/** Corp tags live in WeCom; Siyu mirrors them to name auto-tags and show relations' tags. */
export const AUTO_TAG_GROUP = '渠道活码';

export async function syncCorpTags(ctx: Ctx, workspaceId: string, client: WeComClient): Promise<number> {
  const { tag_group } = await listCorpTags(client);
  const rows = tag_group.flatMap((g) => g.tag.filter((t) => !t.deleted).map((t) => ({ workspace_id: workspaceId, tag_id: t.id, group_id: g.group_id, group_name: g.group_name, name: t.name })));
  await ctx.db.transaction().execute(async (trx) => {
    await trx.deleteFrom('wecom_tags').where('workspace_id', '=', workspaceId).execute();
    if (rows.length) await trx.insertInto('wecom_tags').values(rows).execute();
  });
  return rows.length;
}

/** Tag ids for names, creating the missing ones in WeCom under 渠道活码. */
export async function ensureTags(ctx: Ctx, workspaceId: string, client: WeComClient, names: string[]): Promise<string[]> {
  if (names.length === 0) return [];
  const known = await ctx.db.selectFrom('wecom_tags').select(['tag_id', 'name']).where('workspace_id', '=', workspaceId).where('name', 'in', names).execute();
  const missing = names.filter((n) => !known.some((k) => k.name === n));
  if (missing.length) {
    const created = await addCorpTags(client, { group_name: AUTO_TAG_GROUP, tag: missing.map((name) => ({ name })) });
    const rows = created.tag_group.tag.map((t) => ({ workspace_id: workspaceId, tag_id: t.id, group_id: created.tag_group.group_id, group_name: created.tag_group.group_name, name: t.name }));
    await ctx.db.insertInto('wecom_tags').values(rows).onConflict((oc) => oc.columns(['workspace_id', 'tag_id']).doNothing()).execute();
    known.push(...rows);
  }
  return names.map((n) => known.find((k) => k.name === n)!.tag_id);
}

export async function tagNames(ctx: Ctx, workspaceId: string, ids: string[]): Promise<string[]> {
  if (ids.length === 0) return [];
  const rows = await ctx.db.selectFrom('wecom_tags').select(['tag_id', 'name']).where('workspace_id', '=', workspaceId).where('tag_id', 'in', ids).execute();
  return ids.map((id) => rows.find((r) => r.tag_id === id)?.name ?? id);
}
