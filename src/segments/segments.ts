import { z } from 'zod';
import { AppError, isUuid, newId } from '../core/index.js';
import type { Ctx } from '../store/index.js';
import { type Actor, recordAudit } from '../audit/index.js';
import { audienceSize, type RunResult, refreshAudience } from './audience.js';
import { loadCatalog } from './catalog.js';
import { compileEnv, compileInto, matchingSql, Params } from './environment.js';
import { syncProfiles } from './profiles.js';
import type { Workspace } from './rfm.js';
import { type Rule, rule, ruleNodes } from './rules.js';

export const segmentInput = z
  .object({
    name: z.string().trim().min(1).max(100),
    description: z.string().max(1000).default(''),
    rule,
    refreshMinutes: z.number().int().min(5).max(7 * 24 * 60).default(60).describe('how often membership is recomputed in full (new events update it within a minute)'),
  })
  .strict();
export type SegmentInput = z.input<typeof segmentInput>;

export interface Segment {
  id: string;
  name: string;
  description: string;
  rule: Rule;
  refreshMinutes: number;
  members: number;
  refreshedAt: Date | null;
  createdAt: Date;
  createdBy: string | null;
  updatedAt: Date;
}

type Row = { id: string; name: string; description: string; rule: unknown; refresh_minutes: number; members: number; refreshed_at: Date | null; created_at: Date; created_by: string | null; updated_at: Date };

function toSegment(r: Row): Segment {
  return {
    id: r.id,
    name: r.name,
    description: r.description,
    rule: rule.parse(r.rule),
    refreshMinutes: r.refresh_minutes,
    members: r.members,
    refreshedAt: r.refreshed_at,
    createdAt: r.created_at,
    createdBy: r.created_by,
    updatedAt: r.updated_at,
  };
}

export async function listSegments(ctx: Ctx, workspaceId: string): Promise<Segment[]> {
  const rows = await ctx.db.selectFrom('segments').selectAll().where('workspace_id', '=', workspaceId).orderBy('created_at', 'desc').orderBy('id', 'desc').execute();
  return rows.map(toSegment);
}

export async function getSegment(ctx: Ctx, workspaceId: string, id: string): Promise<Segment> {
  const row = isUuid(id) ? await ctx.db.selectFrom('segments').selectAll().where('workspace_id', '=', workspaceId).where('id', '=', id).executeTakeFirst() : undefined;
  if (!row) throw new AppError('not_found', `segment ${id} does not exist in this workspace`);
  return toSegment(row);
}

/** Checks a rule as it would be saved for segment `id`: a 400 naming every invalid node. */
async function validate(ctx: Ctx, ws: Workspace, id: string, r: Rule): Promise<void> {
  const catalog = await loadCatalog(ctx, ws.id);
  const env = await compileEnv(ctx, ws, [r], `segment:${id}`, catalog);
  compileInto(env, new Params(ws.id), r, 'body.rule');
}

async function ensureUniqueName(ctx: Ctx, workspaceId: string, name: string, except?: string): Promise<void> {
  let q = ctx.db.selectFrom('segments').select('id').where('workspace_id', '=', workspaceId).where('name', '=', name);
  if (except) q = q.where('id', '!=', except);
  if (await q.executeTakeFirst()) throw new AppError('conflict', `a segment named "${name}" exists already`, [{ path: 'body.name', message: 'choose another name' }]);
}

/** Saves a valid segment and materializes its membership; an invalid rule saves nothing. */
export async function createSegment(ctx: Ctx, ws: Workspace, input: SegmentInput, by: { actor: Actor; requestId?: string }): Promise<Segment> {
  const data = segmentInput.parse(input);
  const id = newId(ctx.clock);
  await ensureUniqueName(ctx, ws.id, data.name);
  await validate(ctx, ws, id, data.rule);
  const now = ctx.clock.now();
  await ctx.db.transaction().execute(async (trx) => {
    await trx
      .insertInto('segments')
      .values({ workspace_id: ws.id, id, name: data.name, description: data.description, rule: JSON.stringify(data.rule), refresh_minutes: data.refreshMinutes, created_at: now, created_by: by.actor.name, updated_at: now })
      .execute();
    await recordAudit(ctx, trx, { workspaceId: ws.id, actor: by.actor, action: 'segment.create', entity: 'segment', entityId: id, after: data, requestId: by.requestId });
  });
  await refreshSegment(ctx, ws, id);
  return getSegment(ctx, ws.id, id);
}

export async function updateSegment(ctx: Ctx, ws: Workspace, id: string, input: SegmentInput, by: { actor: Actor; requestId?: string }): Promise<Segment> {
  const before = await getSegment(ctx, ws.id, id);
  const data = segmentInput.parse(input);
  await ensureUniqueName(ctx, ws.id, data.name, id);
  await validate(ctx, ws, id, data.rule);
  await ctx.db.transaction().execute(async (trx) => {
    await trx
      .updateTable('segments')
      .set({ name: data.name, description: data.description, rule: JSON.stringify(data.rule), refresh_minutes: data.refreshMinutes, updated_at: ctx.clock.now() })
      .where('workspace_id', '=', ws.id)
      .where('id', '=', id)
      .execute();
    await recordAudit(ctx, trx, { workspaceId: ws.id, actor: by.actor, action: 'segment.update', entity: 'segment', entityId: id, before, after: data, requestId: by.requestId });
  });
  await refreshSegment(ctx, ws, id);
  return getSegment(ctx, ws.id, id);
}

/** Names of the segments, tags and layers whose rules use a segment. */
export async function segmentUsers(ctx: Ctx, workspaceId: string, id: string): Promise<string[]> {
  const uses = (r: unknown) => [...ruleNodes(rule.parse(r))].some((n) => n.type === 'segment' && n.segmentId === id);
  const [segments, tags, layers] = await Promise.all([
    ctx.db.selectFrom('segments').select(['id', 'name', 'rule']).where('workspace_id', '=', workspaceId).where('id', '!=', id).execute(),
    ctx.db.selectFrom('tags').select(['name', 'rule']).where('workspace_id', '=', workspaceId).where('kind', '=', 'rule').execute(),
    ctx.db.selectFrom('layer_settings').select(['kind', 'settings']).where('workspace_id', '=', workspaceId).execute(),
  ]);
  return [
    ...segments.filter((s) => uses(s.rule)).map((s) => `segment "${s.name}"`),
    ...tags.filter((t) => uses(t.rule)).map((t) => `tag "${t.name}"`),
    ...layers.filter((l) => (l.settings as { levels: { rule: unknown }[] }).levels.some((x) => x.rule && uses(x.rule))).map((l) => `${l.kind} rules`),
  ];
}

/** Deletes a segment nothing else uses; its members leave (with Segment Exited events). */
export async function deleteSegment(ctx: Ctx, ws: Workspace, id: string, by: { actor: Actor; requestId?: string }): Promise<void> {
  const seg = await getSegment(ctx, ws.id, id);
  const users = await segmentUsers(ctx, ws.id, id);
  if (users.length) throw new AppError('conflict', `segment "${seg.name}" is used by ${users.join(', ')}`);
  await refreshAudience(ctx, ws.id, segmentSpec(seg, () => NOBODY, by.actor.name ?? by.actor.type));
  await ctx.db.transaction().execute(async (trx) => {
    await trx.deleteFrom('segments').where('workspace_id', '=', ws.id).where('id', '=', id).execute();
    await recordAudit(ctx, trx, { workspaceId: ws.id, actor: by.actor, action: 'segment.delete', entity: 'segment', entityId: id, before: seg, requestId: by.requestId });
  });
}

/** A desired set with no one in it. */
export const NOBODY = `SELECT toUUID('00000000-0000-0000-0000-000000000000') AS cid, '' AS value`;

function segmentSpec(seg: Segment, desired: (p: Params) => string, actor: string, scope?: readonly string[]) {
  return {
    audience: `segment:${seg.id}`,
    desired,
    scope: scope ? { ids: scope } : undefined,
    source: 'rule',
    actor,
    event: (p: Params) => ({
      name: `if(after != '', 'Segment Entered', 'Segment Exited')`,
      properties: `toJSONString(map('segment_id', ${p.add('String', seg.id)}, 'segment_name', ${p.add('String', seg.name)}))`,
    }),
  };
}

/**
 * Recomputes membership (of the given customers only, when `customers` is set) and emits the
 * Segment Entered / Exited events of the changes.
 */
export async function refreshSegment(ctx: Ctx, ws: Workspace, id: string, customers?: readonly string[]): Promise<RunResult> {
  const seg = await getSegment(ctx, ws.id, id);
  if (!customers) await syncProfiles(ctx, ws.id);
  const env = await compileEnv(ctx, ws, [seg.rule], `segment:${id}`);
  const result = await refreshAudience(
    ctx,
    ws.id,
    segmentSpec(seg, (p) => matchingSql(ctx, compileInto(env, p, seg.rule, 'rule')), 'rule', customers),
  );
  const n = await audienceSize(ctx, ws.id, `segment:${id}`);
  // refreshed_at marks full refreshes: the schedule counts from it.
  const set = customers ? { members: n } : { members: n, refreshed_at: ctx.clock.now() };
  await ctx.db.updateTable('segments').set(set).where('workspace_id', '=', ws.id).where('id', '=', id).execute();
  return result;
}
