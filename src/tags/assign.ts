import { z } from 'zod';
import { AppError, isUuid, normalizePhone } from '../core/index.js';
import type { Ctx } from '../store/index.js';
import type { Actor } from '../audit/index.js';
import { customerMembers, rootCustomer } from '../customers/index.js';
import { audienceSize, getSegment, NOBODY, type Params, refreshAudience, type RunResult, type Workspace } from '../segments/index.js';
import { getTag, type Tag } from './model.js';

/**
 * Manual tagging: operators add or remove a tag for customers they pick, a whole segment, or the
 * rows of a CSV. Every change lands in the tag's history with who made it and how.
 */
export const tagTargets = z
  .object({
    customerIds: z.array(z.string().uuid()).min(1).max(10_000).optional(),
    segmentId: z.string().uuid().optional().describe('every current member of the segment'),
  })
  .strict()
  .refine((t) => (t.customerIds ? 1 : 0) + (t.segmentId ? 1 : 0) === 1, { message: 'give customerIds or segmentId', path: ['customerIds'] });
export type TagTargets = z.infer<typeof tagTargets>;

type By = { actor: Actor; requestId?: string };

/** Live customers for the given ids: merged ones resolve to whom they were merged into. */
async function liveCustomers(ctx: Ctx, workspaceId: string, ids: readonly string[]): Promise<string[]> {
  const rows = await ctx.db.selectFrom('customers').select(['id', 'merged_into']).where('workspace_id', '=', workspaceId).where('id', 'in', [...ids]).execute();
  const found = new Set(rows.map((r) => r.id));
  const missing = ids.filter((id) => !found.has(id));
  if (missing.length) {
    throw new AppError('validation_failed', `${missing.length} customer(s) do not exist in this workspace`, missing.slice(0, 20).map((id) => ({ path: 'body.customerIds', message: `unknown customer ${id}` })));
  }
  const live = await Promise.all(rows.map((r) => (r.merged_into ? rootCustomer(ctx.db, workspaceId, r.id) : r.id)));
  return [...new Set(live.filter((id): id is string => id !== null))];
}

type Target = { ids: readonly string[] } | { sql: (p: Params) => string };

async function resolveTargets(ctx: Ctx, ws: Workspace, t: TagTargets): Promise<{ target: Target; source: string }> {
  if (t.customerIds) return { target: { ids: await liveCustomers(ctx, ws.id, t.customerIds) }, source: 'manual' };
  const seg = await getSegment(ctx, ws.id, t.segmentId!);
  const members = (p: Params) =>
    `SELECT customer_id FROM ${ctx.events.table('audience_state')} FINAL WHERE workspace_id = {ws:UUID} AND audience = ${p.add('String', `segment:${seg.id}`)} AND value != ''`;
  return { target: { sql: members }, source: `segment:${seg.name}` };
}

function desiredOf(target: Target): (p: Params) => string {
  return 'ids' in target ? (p) => `SELECT arrayJoin(${p.add('Array(UUID)', target.ids)}) AS cid, '1' AS value` : (p) => `SELECT customer_id AS cid, '1' AS value FROM (${target.sql(p)})`;
}

function manualOnly(tag: Tag): void {
  if (tag.kind !== 'manual') throw new AppError('conflict', `"${tag.name}" is a rule tag: its customers follow the rule`);
}

/** Adds the tag; in an exclusive group the customers lose the group's other tags. */
export async function addTag(ctx: Ctx, ws: Workspace, tagId: string, targets: TagTargets, by: By, source?: string): Promise<RunResult> {
  const tag = await getTag(ctx, ws.id, tagId);
  manualOnly(tag);
  const { target, source: how } = await resolveTargets(ctx, ws, tagTargets.parse(targets));
  const actor = by.actor.name ?? by.actor.type;
  const result = await refreshAudience(ctx, ws.id, { audience: `tag:${tag.id}`, desired: desiredOf(target), scope: target, source: source ?? how, actor });
  const group = await ctx.db.selectFrom('tag_groups').select('exclusive').where('workspace_id', '=', ws.id).where('id', '=', tag.groupId).executeTakeFirstOrThrow();
  if (group.exclusive) {
    const others = await ctx.db.selectFrom('tags').select('id').where('workspace_id', '=', ws.id).where('group_id', '=', tag.groupId).where('id', '!=', tag.id).execute();
    for (const o of others) {
      const removed = await refreshAudience(ctx, ws.id, { audience: `tag:${o.id}`, desired: () => NOBODY, scope: target, source: `exclusive:${tag.name}`, actor });
      if (removed.changed) await updateCount(ctx, ws.id, o.id);
    }
  }
  await updateCount(ctx, ws.id, tag.id);
  return result;
}

export async function removeTag(ctx: Ctx, ws: Workspace, tagId: string, targets: TagTargets, by: By, source?: string): Promise<RunResult> {
  const tag = await getTag(ctx, ws.id, tagId);
  manualOnly(tag);
  const { target, source: how } = await resolveTargets(ctx, ws, tagTargets.parse(targets));
  const result = await refreshAudience(ctx, ws.id, { audience: `tag:${tag.id}`, desired: () => NOBODY, scope: target, source: source ?? how, actor: by.actor.name ?? by.actor.type });
  await updateCount(ctx, ws.id, tag.id);
  return result;
}

async function updateCount(ctx: Ctx, workspaceId: string, tagId: string): Promise<void> {
  const members = await audienceSize(ctx, workspaceId, `tag:${tagId}`);
  await ctx.db.updateTable('tags').set({ members }).where('workspace_id', '=', workspaceId).where('id', '=', tagId).execute();
}

const MAX_CSV_ROWS = 100_000;

/**
 * Tags the customers of a CSV: the first column of each row is a customer id, a phone number or
 * a member id (user_id). Rows that match no one are reported back, by line number.
 */
export async function importTagCsv(ctx: Ctx, ws: Workspace, tagId: string, csv: string, by: By): Promise<RunResult & { matched: number; unmatched: { line: number; value: string }[] }> {
  const lines = csv.replace(/^\uFEFF/, '').split(/\r?\n/);
  if (lines.length > MAX_CSV_ROWS + 1) throw new AppError('payload_too_large', `at most ${MAX_CSV_ROWS} rows per import`);
  const values = lines
    .map((l, i) => ({ line: i + 1, value: l.split(',')[0].trim().replace(/^"|"$/g, '') }))
    .filter((v) => v.value && !/^(customer_id|id|phone|手机|手机号|会员号|user_id)$/i.test(v.value));
  const found = new Map<string, string>();
  const byKind = (test: (v: string) => boolean) => values.filter((v) => test(v.value)).map((v) => v.value);
  const uuids = byKind(isUuid);
  for (let i = 0; i < uuids.length; i += 5000) {
    const rows = await ctx.db.selectFrom('customers').select('id').where('workspace_id', '=', ws.id).where('id', 'in', uuids.slice(i, i + 5000)).execute();
    for (const r of rows) found.set(r.id, r.id);
  }
  const phones = byKind((v) => !isUuid(v) && normalizePhone(v) !== null);
  const memberIds = byKind((v) => !isUuid(v) && normalizePhone(v) === null);
  const lookups: [string, string[], (v: string) => string][] = [
    ['phone', phones, (v) => ctx.secrets.blindIndex('phone', normalizePhone(v)!)],
    ['user_id', memberIds, (v) => v],
  ];
  for (const [type, list, key] of lookups) {
    for (let i = 0; i < list.length; i += 5000) {
      const chunk = list.slice(i, i + 5000);
      const keys = new Map(chunk.map((v) => [key(v), v]));
      const rows = await ctx.db.selectFrom('identities').select(['value', 'customer_id']).where('workspace_id', '=', ws.id).where('type', '=', type).where('value', 'in', [...keys.keys()]).execute();
      for (const r of rows) found.set(keys.get(r.value)!, r.customer_id);
    }
  }
  const unmatched = values.filter((v) => !found.has(v.value));
  const ids = [...new Set(values.flatMap((v) => (found.has(v.value) ? [found.get(v.value)!] : [])))];
  if (ids.length === 0) return { runId: '', entered: 0, exited: 0, changed: 0, matched: 0, unmatched: unmatched.slice(0, 1000) };
  const result = await addTag(ctx, ws, tagId, { customerIds: ids.slice(0, 10_000) }, by, 'import');
  let total = result;
  for (let i = 10_000; i < ids.length; i += 10_000) {
    const next = await addTag(ctx, ws, tagId, { customerIds: ids.slice(i, i + 10_000) }, by, 'import');
    total = { ...next, entered: total.entered + next.entered, exited: total.exited + next.exited, changed: total.changed + next.changed };
  }
  return { ...total, matched: ids.length, unmatched: unmatched.slice(0, 1000) };
}

export interface TagChange {
  customerId: string;
  tagId: string;
  added: boolean;
  at: Date;
  source: string;
  actor: string;
}

const chDate = (s: string) => new Date(`${s.replace(' ', 'T')}Z`);

/** A tag's history (or a customer's), newest first: who or which rule added or removed it, and when. */
export async function tagHistory(ctx: Ctx, workspaceId: string, filter: { tagId?: string; customerIds?: string[] }, limit = 200): Promise<TagChange[]> {
  const where = ['workspace_id = {ws:UUID}', filter.tagId ? 'audience = {aud:String}' : "startsWith(audience, 'tag:')"];
  if (filter.customerIds) where.push('customer_id IN {ids:Array(UUID)}');
  const rows = await ctx.events.query<{ who: string; audience: string; after: string; at: string; source: string; actor: string }>(
    `SELECT toString(customer_id) AS who, audience, after, at, source, actor FROM ${ctx.events.table('audience_changes')} FINAL
     WHERE ${where.join(' AND ')} ORDER BY at DESC, version DESC, who LIMIT {limit:UInt32}`,
    { ws: workspaceId, limit, ...(filter.tagId ? { aud: `tag:${filter.tagId}` } : {}), ...(filter.customerIds ? { ids: filter.customerIds } : {}) },
  );
  return rows.map((r) => ({ customerId: r.who, tagId: r.audience.slice(4), added: r.after !== '', at: chDate(r.at), source: r.source, actor: r.actor }));
}

/** The tags a customer carries now (their own and those of customers merged into them), with history. */
export async function customerTags(ctx: Ctx, workspaceId: string, customerId: string) {
  const root = isUuid(customerId) ? await rootCustomer(ctx.db, workspaceId, customerId) : null;
  if (!root) throw new AppError('not_found', `customer ${customerId} does not exist in this workspace`);
  const members = [...(await customerMembers(ctx.db, workspaceId, [root])).keys()];
  const rows = await ctx.events.query<{ audience: string; since: string }>(
    `SELECT audience, min(changed_at) AS since FROM ${ctx.events.table('audience_state')} FINAL
     WHERE workspace_id = {ws:UUID} AND startsWith(audience, 'tag:') AND customer_id IN {ids:Array(UUID)} AND value != '' GROUP BY audience`,
    { ws: workspaceId, ids: members },
  );
  const tagIds = rows.map((r) => r.audience.slice(4));
  const tags = tagIds.length
    ? await ctx.db
        .selectFrom('tags')
        .innerJoin('tag_groups', (j) => j.onRef('tag_groups.workspace_id', '=', 'tags.workspace_id').onRef('tag_groups.id', '=', 'tags.group_id'))
        .select(['tags.id', 'tags.name', 'tags.kind', 'tag_groups.name as group_name'])
        .where('tags.workspace_id', '=', workspaceId)
        .where('tags.id', 'in', tagIds)
        .execute()
    : [];
  const since = new Map(rows.map((r) => [r.audience.slice(4), chDate(r.since)]));
  return {
    tags: tags.map((t) => ({ id: t.id, name: t.name, kind: t.kind, groupName: t.group_name, since: since.get(t.id)! })),
    history: await tagHistory(ctx, workspaceId, { customerIds: members }, 100),
  };
}
