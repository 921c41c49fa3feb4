import { sql } from 'kysely';
import { AppError, isUuid, newId } from '../core/index.js';
import type { Ctx } from '../store/index.js';
import { type Actor, recordAudit } from '../audit/index.js';
import { journeyGraph, type JourneyGraph } from './model.js';
import type { JourneyStatus, RunStatus } from './schema.js';
import { validateJourney, type GraphError } from './validate.js';

export interface By {
  actor: Actor;
  requestId?: string;
}

export interface JourneyInput {
  name: string;
  description?: string;
  graph: unknown;
  templateKey?: string | null;
}

export interface JourneySummary {
  id: string;
  name: string;
  description: string;
  status: JourneyStatus;
  liveVersion: number | null;
  triggerKind: string | null;
  templateKey: string | null;
  createdAt: Date;
  createdBy: string | null;
  updatedAt: Date;
  publishedAt: Date | null;
  /** Runs per status (all versions). */
  counts: Partial<Record<RunStatus, number>>;
}

export interface Journey extends JourneySummary {
  draft: JourneyGraph;
  liveGraph: JourneyGraph | null;
  /** Whether the draft differs from the live version. */
  draftChanged: boolean;
  versions: { version: number; publishedAt: Date; publishedBy: string | null }[];
}

/** A rejected graph: 400 with every problem, each naming its step. */
export function invalidGraph(errors: GraphError[]): AppError {
  const first = errors[0];
  return new AppError(
    'validation_failed',
    `the journey is not valid: ${first.step ? `step "${first.step}": ` : ''}${first.message}${errors.length > 1 ? ` (and ${errors.length - 1} more)` : ''}`,
    errors.map((e) => ({ path: e.step ? `graph.steps.${e.step}` : 'graph', message: e.message, step: e.step, code: e.code })),
  );
}

async function checked(ctx: Ctx, workspaceId: string, graph: unknown): Promise<JourneyGraph> {
  const errors = await validateJourney(ctx, workspaceId, graph);
  if (errors.length) throw invalidGraph(errors);
  return journeyGraph.parse(graph);
}

function checkName(name: string): string {
  const n = name.trim();
  if (!n || n.length > 100) throw new AppError('validation_failed', 'a journey needs a name of 1–100 characters', [{ path: 'name', message: 'required, at most 100 characters' }]);
  return n;
}

export async function createJourney(ctx: Ctx, workspaceId: string, input: JourneyInput, by: By): Promise<Journey> {
  const name = checkName(input.name);
  const graph = await checked(ctx, workspaceId, input.graph);
  const id = newId(ctx.clock);
  const now = ctx.clock.now();
  await ctx.db.transaction().execute(async (trx) => {
    await trx
      .insertInto('journeys')
      .values({
        workspace_id: workspaceId,
        id,
        name,
        description: input.description ?? '',
        status: 'draft',
        draft: JSON.stringify(graph),
        live_version: null,
        trigger_kind: graph.trigger.kind,
        created_at: now,
        created_by: by.actor.name ?? by.actor.type,
        updated_at: now,
        template_key: input.templateKey ?? null,
      })
      .execute();
    await recordAudit(ctx, trx, { workspaceId, actor: by.actor, action: 'journey.create', entity: 'journey', entityId: id, after: { name, graph }, requestId: by.requestId });
  });
  return getJourney(ctx, workspaceId, id);
}

/** Saves the draft (and name, description). A live journey keeps running its version until published. */
export async function updateJourney(ctx: Ctx, workspaceId: string, id: string, input: Partial<JourneyInput>, by: By): Promise<Journey> {
  const before = await getJourney(ctx, workspaceId, id);
  if (before.status === 'archived') throw new AppError('conflict', 'an archived journey cannot be edited');
  const graph = input.graph === undefined ? before.draft : await checked(ctx, workspaceId, input.graph);
  const name = input.name === undefined ? before.name : checkName(input.name);
  await ctx.db.transaction().execute(async (trx) => {
    await trx
      .updateTable('journeys')
      .set({ name, description: input.description ?? before.description, draft: JSON.stringify(graph), updated_at: ctx.clock.now(), ...(before.liveVersion === null ? { trigger_kind: graph.trigger.kind } : {}) })
      .where('workspace_id', '=', workspaceId)
      .where('id', '=', id)
      .execute();
    await recordAudit(ctx, trx, { workspaceId, actor: by.actor, action: 'journey.update', entity: 'journey', entityId: id, before: { name: before.name, graph: before.draft }, after: { name, graph }, requestId: by.requestId });
  });
  return getJourney(ctx, workspaceId, id);
}

/** The draft becomes a new version and the journey goes live; runs in flight finish their own version. */
export async function publishJourney(ctx: Ctx, workspaceId: string, id: string, by: By): Promise<Journey> {
  const j = await getJourney(ctx, workspaceId, id);
  if (j.status === 'archived') throw new AppError('conflict', 'an archived journey cannot be published');
  const graph = await checked(ctx, workspaceId, j.draft);
  const now = ctx.clock.now();
  await ctx.db.transaction().execute(async (trx) => {
    const row = await trx.selectFrom('journeys').select('live_version').where('workspace_id', '=', workspaceId).where('id', '=', id).forUpdate().executeTakeFirstOrThrow();
    const last = await trx.selectFrom('journey_versions').select((eb) => eb.fn.max('version').as('v')).where('workspace_id', '=', workspaceId).where('journey_id', '=', id).executeTakeFirst();
    const version = Number(last?.v ?? 0) + 1;
    await trx.insertInto('journey_versions').values({ workspace_id: workspaceId, journey_id: id, version, graph: JSON.stringify(graph), published_at: now, published_by: by.actor.name ?? by.actor.type }).execute();
    await trx
      .updateTable('journeys')
      .set({ status: 'live', live_version: version, trigger_kind: graph.trigger.kind, published_at: now, updated_at: now })
      .where('workspace_id', '=', workspaceId)
      .where('id', '=', id)
      .execute();
    await recordAudit(ctx, trx, { workspaceId, actor: by.actor, action: 'journey.publish', entity: 'journey', entityId: id, before: { version: row.live_version }, after: { version, graph }, requestId: by.requestId });
  });
  return getJourney(ctx, workspaceId, id);
}

async function setStatus(ctx: Ctx, workspaceId: string, id: string, to: JourneyStatus, from: JourneyStatus[], by: By): Promise<Journey> {
  const j = await getJourney(ctx, workspaceId, id);
  if (!from.includes(j.status)) throw new AppError('conflict', `a ${j.status} journey cannot be ${to === 'live' ? 'resumed' : to}`);
  const now = ctx.clock.now();
  await ctx.db.transaction().execute(async (trx) => {
    await trx.updateTable('journeys').set({ status: to, updated_at: now }).where('workspace_id', '=', workspaceId).where('id', '=', id).execute();
    if (to === 'archived') {
      // Runs in flight end here; their open step visit is closed.
      await sql`
        UPDATE journey_steps s SET left_at = ${now}, outcome = 'exited'
        FROM journey_runs r
        WHERE r.workspace_id = ${workspaceId} AND r.journey_id = ${id} AND r.status IN ('active', 'waiting')
          AND s.workspace_id = r.workspace_id AND s.run_id = r.id AND s.seq = r.seq AND s.left_at IS NULL`.execute(trx);
      await trx
        .updateTable('journey_runs')
        .set({ status: 'exited', exit_reason: 'archived', finished_at: now, next_at: null })
        .where('workspace_id', '=', workspaceId)
        .where('journey_id', '=', id)
        .where('status', 'in', ['active', 'waiting'])
        .execute();
    }
    const action = to === 'live' ? 'resume' : to === 'paused' ? 'pause' : 'archive';
    await recordAudit(ctx, trx, { workspaceId, actor: by.actor, action: `journey.${action}`, entity: 'journey', entityId: id, before: { status: j.status }, after: { status: to }, requestId: by.requestId });
  });
  return getJourney(ctx, workspaceId, id);
}

/** Paused: nobody enters and runs in flight hold where they are until resumed. */
export const pauseJourney = (ctx: Ctx, ws: string, id: string, by: By) => setStatus(ctx, ws, id, 'paused', ['live'], by);
export const resumeJourney = (ctx: Ctx, ws: string, id: string, by: By) => setStatus(ctx, ws, id, 'live', ['paused'], by);
/** Archived: runs in flight exit; the journey and its history stay for reports. */
export const archiveJourney = (ctx: Ctx, ws: string, id: string, by: By) => setStatus(ctx, ws, id, 'archived', ['draft', 'live', 'paused'], by);

type JourneyRow = {
  id: string;
  name: string;
  description: string;
  status: JourneyStatus;
  live_version: number | null;
  trigger_kind: string | null;
  template_key: string | null;
  created_at: Date;
  created_by: string | null;
  updated_at: Date;
  published_at: Date | null;
};

function summary(r: JourneyRow, counts: Partial<Record<RunStatus, number>>): JourneySummary {
  return {
    id: r.id,
    name: r.name,
    description: r.description,
    status: r.status,
    liveVersion: r.live_version,
    triggerKind: r.trigger_kind,
    templateKey: r.template_key,
    createdAt: r.created_at,
    createdBy: r.created_by,
    updatedAt: r.updated_at,
    publishedAt: r.published_at,
    counts,
  };
}

const COLUMNS = ['id', 'name', 'description', 'status', 'live_version', 'trigger_kind', 'template_key', 'created_at', 'created_by', 'updated_at', 'published_at'] as const;

async function runCounts(ctx: Ctx, workspaceId: string, ids: string[]): Promise<Map<string, Partial<Record<RunStatus, number>>>> {
  const out = new Map<string, Partial<Record<RunStatus, number>>>();
  if (!ids.length) return out;
  const rows = await ctx.db
    .selectFrom('journey_runs')
    .select(['journey_id', 'status', (eb) => eb.fn.countAll<string>().as('n')])
    .where('workspace_id', '=', workspaceId)
    .where('journey_id', 'in', ids)
    .groupBy(['journey_id', 'status'])
    .execute();
  for (const r of rows) {
    const m = out.get(r.journey_id) ?? {};
    m[r.status] = Number(r.n);
    out.set(r.journey_id, m);
  }
  return out;
}

export async function listJourneys(ctx: Ctx, workspaceId: string, opts: { status?: JourneyStatus } = {}): Promise<JourneySummary[]> {
  let q = ctx.db.selectFrom('journeys').select(COLUMNS).where('workspace_id', '=', workspaceId);
  if (opts.status) q = q.where('status', '=', opts.status);
  const rows = await q.orderBy('created_at', 'desc').execute();
  const counts = await runCounts(ctx, workspaceId, rows.map((r) => r.id));
  return rows.map((r) => summary(r, counts.get(r.id) ?? {}));
}

export async function getJourney(ctx: Ctx, workspaceId: string, id: string): Promise<Journey> {
  if (!isUuid(id)) throw new AppError('not_found', `journey ${id} does not exist`);
  const row = await ctx.db.selectFrom('journeys').select([...COLUMNS, 'draft']).where('workspace_id', '=', workspaceId).where('id', '=', id).executeTakeFirst();
  if (!row) throw new AppError('not_found', `journey ${id} does not exist`);
  const versions = await ctx.db
    .selectFrom('journey_versions')
    .select(['version', 'published_at', 'published_by', 'graph'])
    .where('workspace_id', '=', workspaceId)
    .where('journey_id', '=', id)
    .orderBy('version', 'desc')
    .execute();
  const live = versions.find((v) => v.version === row.live_version);
  const counts = await runCounts(ctx, workspaceId, [id]);
  const draft = row.draft as JourneyGraph;
  const liveGraph = (live?.graph as JourneyGraph | undefined) ?? null;
  return {
    ...summary(row, counts.get(id) ?? {}),
    draft,
    liveGraph,
    draftChanged: !liveGraph || JSON.stringify(liveGraph) !== JSON.stringify(draft),
    versions: versions.map((v) => ({ version: v.version, publishedAt: v.published_at, publishedBy: v.published_by })),
  };
}
