import { z } from 'zod';
import { AppError, isUuid, newId } from '../core/index.js';
import type { Ctx } from '../store/index.js';
import { type Actor, recordAudit } from '../audit/index.js';
import { compileEnv, compileInto, NOBODY, Params, refreshAudience, refreshRuleTag, rule, ruleNodes, type Rule, type Workspace } from '../segments/index.js';

/**
 * Tag groups (肤质: 油皮 / 干皮 / 混合 / 敏感) and their tags. A manual tag is given by operators (one
 * customer, a segment, a CSV); a rule tag is computed from a segment rule, on a schedule and on
 * new events. In an exclusive group a customer has at most one tag.
 */
export const tagGroupInput = z
  .object({
    name: z.string().trim().min(1).max(50),
    exclusive: z.boolean().default(false).describe('a customer has at most one tag of the group'),
    position: z.number().int().min(0).max(10_000).default(0),
  })
  .strict();

export const tagInput = z
  .object({
    groupId: z.string().uuid(),
    name: z.string().trim().min(1).max(50),
    rule: rule.nullable().default(null).describe('null: a manual tag; otherwise the customers matching the rule carry it'),
    refreshMinutes: z.number().int().min(5).max(7 * 24 * 60).default(60),
  })
  .strict();

export interface TagGroup {
  id: string;
  name: string;
  exclusive: boolean;
  position: number;
  tags: Tag[];
}

export interface Tag {
  id: string;
  groupId: string;
  name: string;
  kind: 'manual' | 'rule';
  rule: Rule | null;
  refreshMinutes: number | null;
  members: number;
  refreshedAt: Date | null;
  wecomTagId: string | null;
}

type By = { actor: Actor; requestId?: string };

function toTag(r: { id: string; group_id: string; name: string; kind: 'manual' | 'rule'; rule: unknown; refresh_minutes: number | null; members: number; refreshed_at: Date | null; wecom_tag_id: string | null }): Tag {
  return {
    id: r.id,
    groupId: r.group_id,
    name: r.name,
    kind: r.kind,
    rule: r.rule ? rule.parse(r.rule) : null,
    refreshMinutes: r.refresh_minutes,
    members: r.members,
    refreshedAt: r.refreshed_at,
    wecomTagId: r.wecom_tag_id,
  };
}

export async function listTagGroups(ctx: Ctx, workspaceId: string): Promise<TagGroup[]> {
  const [groups, tags] = await Promise.all([
    ctx.db.selectFrom('tag_groups').selectAll().where('workspace_id', '=', workspaceId).orderBy('position').orderBy('created_at').execute(),
    ctx.db.selectFrom('tags').selectAll().where('workspace_id', '=', workspaceId).orderBy('created_at').orderBy('id').execute(),
  ]);
  return groups.map((g) => ({ id: g.id, name: g.name, exclusive: g.exclusive, position: g.position, tags: tags.filter((t) => t.group_id === g.id).map(toTag) }));
}

export async function getTag(ctx: Ctx, workspaceId: string, id: string): Promise<Tag> {
  const row = isUuid(id) ? await ctx.db.selectFrom('tags').selectAll().where('workspace_id', '=', workspaceId).where('id', '=', id).executeTakeFirst() : undefined;
  if (!row) throw new AppError('not_found', `tag ${id} does not exist in this workspace`);
  return toTag(row);
}

async function getGroup(ctx: Ctx, workspaceId: string, id: string) {
  const row = isUuid(id) ? await ctx.db.selectFrom('tag_groups').selectAll().where('workspace_id', '=', workspaceId).where('id', '=', id).executeTakeFirst() : undefined;
  if (!row) throw new AppError('not_found', `tag group ${id} does not exist in this workspace`, [{ path: 'body.groupId', message: 'no such tag group' }]);
  return row;
}

function conflictOnName(err: unknown, what: string): never {
  if ((err as { code?: string }).code === '23505') throw new AppError('conflict', `${what} exists already`, [{ path: 'body.name', message: 'choose another name' }]);
  throw err;
}

export async function createTagGroup(ctx: Ctx, workspaceId: string, input: z.input<typeof tagGroupInput>, by: By): Promise<TagGroup> {
  const data = tagGroupInput.parse(input);
  const id = newId(ctx.clock);
  await ctx.db
    .transaction()
    .execute(async (trx) => {
      await trx.insertInto('tag_groups').values({ workspace_id: workspaceId, id, name: data.name, exclusive: data.exclusive, position: data.position, created_at: ctx.clock.now() }).execute();
      await recordAudit(ctx, trx, { workspaceId, actor: by.actor, action: 'tag_group.create', entity: 'tag_group', entityId: id, after: data, requestId: by.requestId });
    })
    .catch((err) => conflictOnName(err, `a tag group named "${data.name}"`));
  return { id, ...data, tags: [] };
}

/** Checks a tag's rule as it would be saved: reading the tag itself is a cycle. */
async function validateRule(ctx: Ctx, ws: Workspace, tagId: string, r: Rule): Promise<void> {
  const env = await compileEnv(ctx, ws, [r], `tag:${tagId}`);
  compileInto(env, new Params(ws.id), r, 'body.rule');
}

export async function createTag(ctx: Ctx, ws: Workspace, input: z.input<typeof tagInput>, by: By): Promise<Tag> {
  const data = tagInput.parse(input);
  await getGroup(ctx, ws.id, data.groupId);
  const id = newId(ctx.clock);
  if (data.rule) await validateRule(ctx, ws, id, data.rule);
  const now = ctx.clock.now();
  await ctx.db
    .transaction()
    .execute(async (trx) => {
      await trx
        .insertInto('tags')
        .values({
          workspace_id: ws.id,
          id,
          group_id: data.groupId,
          name: data.name,
          kind: data.rule ? 'rule' : 'manual',
          rule: data.rule ? JSON.stringify(data.rule) : null,
          refresh_minutes: data.rule ? data.refreshMinutes : null,
          created_at: now,
          updated_at: now,
        })
        .execute();
      await recordAudit(ctx, trx, { workspaceId: ws.id, actor: by.actor, action: 'tag.create', entity: 'tag', entityId: id, after: data, requestId: by.requestId });
    })
    .catch((err) => conflictOnName(err, `a tag named "${data.name}" in this group`));
  if (data.rule) await refreshRuleTag(ctx, ws, id);
  return getTag(ctx, ws.id, id);
}

/** Renames a tag or changes its rule (a manual tag stays manual, a rule tag keeps a rule). */
export async function updateTag(ctx: Ctx, ws: Workspace, id: string, input: z.input<typeof tagInput>, by: By): Promise<Tag> {
  const before = await getTag(ctx, ws.id, id);
  const data = tagInput.parse(input);
  await getGroup(ctx, ws.id, data.groupId);
  if ((before.kind === 'rule') !== (data.rule !== null)) {
    throw new AppError('validation_failed', `a ${before.kind} tag stays ${before.kind}: create a new tag instead`, [{ path: 'body.rule', message: before.kind === 'rule' ? 'give the rule' : 'a manual tag has no rule' }]);
  }
  if (data.rule) await validateRule(ctx, ws, id, data.rule);
  await ctx.db
    .transaction()
    .execute(async (trx) => {
      await trx
        .updateTable('tags')
        .set({ group_id: data.groupId, name: data.name, rule: data.rule ? JSON.stringify(data.rule) : null, refresh_minutes: data.rule ? data.refreshMinutes : null, updated_at: ctx.clock.now() })
        .where('workspace_id', '=', ws.id)
        .where('id', '=', id)
        .execute();
      await recordAudit(ctx, trx, { workspaceId: ws.id, actor: by.actor, action: 'tag.update', entity: 'tag', entityId: id, before, after: data, requestId: by.requestId });
    })
    .catch((err) => conflictOnName(err, `a tag named "${data.name}" in this group`));
  if (data.rule) await refreshRuleTag(ctx, ws, id);
  return getTag(ctx, ws.id, id);
}

/** Rules (segments, rule tags, layers) that read a tag. */
async function tagUsers(ctx: Ctx, workspaceId: string, id: string): Promise<string[]> {
  const uses = (r: unknown) => r !== null && [...ruleNodes(rule.parse(r))].some((n) => n.type === 'tag' && n.tagId === id);
  const [segments, tags, layers] = await Promise.all([
    ctx.db.selectFrom('segments').select(['name', 'rule']).where('workspace_id', '=', workspaceId).execute(),
    ctx.db.selectFrom('tags').select(['name', 'rule']).where('workspace_id', '=', workspaceId).where('id', '!=', id).execute(),
    ctx.db.selectFrom('layer_settings').select(['kind', 'settings']).where('workspace_id', '=', workspaceId).execute(),
  ]);
  return [
    ...segments.filter((s) => uses(s.rule)).map((s) => `segment "${s.name}"`),
    ...tags.filter((t) => uses(t.rule)).map((t) => `tag "${t.name}"`),
    ...layers.filter((l) => (l.settings as { levels: { rule: unknown }[] }).levels.some((x) => uses(x.rule))).map((l) => `${l.kind} rules`),
  ];
}

/** Deletes a tag no rule uses; its customers lose it (recorded in the history). */
export async function deleteTag(ctx: Ctx, ws: Workspace, id: string, by: By): Promise<void> {
  const tag = await getTag(ctx, ws.id, id);
  const users = await tagUsers(ctx, ws.id, id);
  if (users.length) throw new AppError('conflict', `tag "${tag.name}" is used by ${users.join(', ')}`);
  await refreshAudience(ctx, ws.id, { audience: `tag:${id}`, desired: () => NOBODY, source: 'deleted', actor: by.actor.name ?? by.actor.type });
  await ctx.db.transaction().execute(async (trx) => {
    await trx.deleteFrom('tags').where('workspace_id', '=', ws.id).where('id', '=', id).execute();
    await recordAudit(ctx, trx, { workspaceId: ws.id, actor: by.actor, action: 'tag.delete', entity: 'tag', entityId: id, before: tag, requestId: by.requestId });
  });
}
