import { sql, type Kysely } from 'kysely';
import { AppError, newId } from '../core/index.js';
import type { Ctx, StateDB } from '../store/index.js';
import type { JourneyGraph, Step } from './model.js';
import type { RunContext } from './schema.js';

/** A published version, with its steps by id. */
export interface LiveJourney {
  workspaceId: string;
  id: string;
  version: number;
  graph: JourneyGraph;
  steps: Map<string, Step>;
  /** First publication: triggers only count events from then on. */
  since: Date;
  status: string;
}

const cache = new Map<string, { graph: JourneyGraph; steps: Map<string, Step> }>();

/** A version's graph; versions never change, so they are cached. */
export async function loadVersion(db: Kysely<StateDB>, workspaceId: string, journeyId: string, version: number): Promise<{ graph: JourneyGraph; steps: Map<string, Step> }> {
  const key = `${journeyId}:${version}`;
  const hit = cache.get(key);
  if (hit) return hit;
  const row = await db.selectFrom('journey_versions').select('graph').where('workspace_id', '=', workspaceId).where('journey_id', '=', journeyId).where('version', '=', version).executeTakeFirstOrThrow();
  const graph = row.graph as JourneyGraph;
  const v = { graph, steps: new Map(graph.steps.map((s) => [s.id, s])) };
  if (cache.size > 5000) cache.clear();
  cache.set(key, v);
  return v;
}

/** Live journeys of a workspace (or every workspace), with their current version. */
export async function liveJourneys(ctx: Ctx, workspaceId?: string): Promise<LiveJourney[]> {
  let q = ctx.db
    .selectFrom('journeys as j')
    .innerJoin('journey_versions as v', (join) => join.onRef('v.workspace_id', '=', 'j.workspace_id').onRef('v.journey_id', '=', 'j.id').on('v.version', '=', 1))
    .select(['j.workspace_id', 'j.id', 'j.live_version', 'j.status', 'v.published_at'])
    .where('j.status', '=', 'live')
    .where('j.live_version', 'is not', null);
  if (workspaceId) q = q.where('j.workspace_id', '=', workspaceId);
  const rows = await q.execute();
  const out: LiveJourney[] = [];
  for (const r of rows) {
    const v = await loadVersion(ctx.db, r.workspace_id, r.id, r.live_version!);
    out.push({ workspaceId: r.workspace_id, id: r.id, version: r.live_version!, ...v, since: r.published_at, status: r.status });
  }
  return out;
}

export interface Entrant {
  customerId: string;
  triggerKey?: string | null;
  context?: RunContext;
}

/**
 * Inserts runs for the entrants that the re-entry rule lets in, in one statement: nobody enters
 * twice at once (a unique index on runs in flight), a trigger key enters once, `once` never
 * again, `every N days` after N days. Returns how many entered.
 */
export async function insertRuns(db: Kysely<StateDB>, j: Pick<LiveJourney, 'workspaceId' | 'id' | 'version' | 'graph'>, entrants: readonly Entrant[], now: Date): Promise<number> {
  if (!entrants.length) return 0;
  const clock = { now: () => now };
  const rows = entrants.map((e) => ({ id: newId(clock), cid: e.customerId, ctx: e.context ?? {}, tk: e.triggerKey ?? null }));
  const r = j.graph.reentry;
  const prior =
    r.mode === 'once'
      ? sql`true`
      : r.mode === 'every'
        ? sql`(p.status IN ('active', 'waiting') OR p.entered_at > ${new Date(now.getTime() - r.days * 86_400_000)})`
        : sql`p.status IN ('active', 'waiting')`;
  const res = await sql<{ id: string }>`
    INSERT INTO journey_runs (workspace_id, id, journey_id, version, customer_id, status, step_id, seq, entered_at, next_at, context, trigger_key)
    SELECT ${j.workspaceId}::uuid, v.id, ${j.id}::uuid, ${j.version}::int, v.cid, 'active', ${j.graph.start}, 0, ${now}::timestamptz, ${now}::timestamptz, coalesce(v.ctx, '{}'::jsonb), v.tk
    FROM jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) AS v(id uuid, cid uuid, ctx jsonb, tk text)
    WHERE NOT EXISTS (
      SELECT 1 FROM journey_runs p
      WHERE p.workspace_id = ${j.workspaceId}::uuid AND p.journey_id = ${j.id}::uuid AND p.customer_id = v.cid AND ${prior}
    )
    ON CONFLICT DO NOTHING
    RETURNING id`.execute(db);
  return res.rows.length;
}

/** Manual / API entry into a live journey; unknown customers are refused. */
export async function enterJourney(ctx: Ctx, workspaceId: string, journeyId: string, customerIds: readonly string[], opts: { context?: RunContext } = {}): Promise<{ entered: number; skipped: number }> {
  const [j] = (await liveJourneys(ctx, workspaceId)).filter((x) => x.id === journeyId);
  if (!j) {
    const exists = await ctx.db.selectFrom('journeys').select('status').where('workspace_id', '=', workspaceId).where('id', '=', journeyId).executeTakeFirst();
    if (!exists) throw new AppError('not_found', `journey ${journeyId} does not exist`);
    throw new AppError('conflict', `the journey is ${exists.status}: only a live journey can be entered`);
  }
  const unique = [...new Set(customerIds)];
  let entered = 0;
  for (let i = 0; i < unique.length; i += 5000) {
    const ids = unique.slice(i, i + 5000);
    const found = await ctx.db.selectFrom('customers').select(['id', 'merged_into']).where('workspace_id', '=', workspaceId).where('id', 'in', ids).execute();
    if (found.length !== ids.length) {
      const have = new Set(found.map((f) => f.id));
      const missing = ids.filter((id) => !have.has(id));
      throw new AppError('validation_failed', `${missing.length} customer(s) do not exist in this workspace`, missing.slice(0, 20).map((id) => ({ path: 'customerIds', message: `unknown customer ${id}` })));
    }
    const live = found.map((f) => f.merged_into ?? f.id);
    entered += await insertRuns(ctx.db, j, live.map((customerId) => ({ customerId, context: opts.context })), ctx.clock.now());
  }
  return { entered, skipped: unique.length - entered };
}
