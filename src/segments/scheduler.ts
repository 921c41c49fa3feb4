import { formatDateInZone } from '../core/index.js';
import { chTime, type Ctx } from '../store/index.js';
import { refreshLayer } from './layers.js';
import { syncProfiles, readWatermark, writeWatermark } from './profiles.js';
import { computeRfmSnapshot, pruneRfmSnapshots, type Workspace } from './rfm.js';
import { refreshRuleTag } from './rule-tags.js';
import { refreshSegment } from './segments.js';

/** Events this module writes itself: they change no audience. */
const OWN_EVENTS = ['Segment Entered', 'Segment Exited', 'Lifecycle Stage Changed', 'LTV Tier Changed'];
/** Events arriving this late (by timestamp) wait for the next full refresh. */
const LATE_MS = 2 * 86_400_000;
const LAG_MS = 60_000;
/** Past this many changed customers a full refresh is cheaper than a per-customer one. */
const INCREMENTAL_MAX = 50_000;

/**
 * Customers whose profile changed or who have new events since the last call: the ones whose
 * segments, tags and levels may have changed other than by the passing of time.
 */
export async function changedCustomers(ctx: Ctx, workspaceId: string): Promise<string[]> {
  const profiles = await syncProfiles(ctx, workspaceId);
  const mark = await readWatermark(ctx, workspaceId, 'events');
  const next = new Date(ctx.clock.now().getTime() - LAG_MS);
  if (mark.getTime() === 0) {
    // First pass: everything is refreshed in full anyway; only later events need looking at.
    await writeWatermark(ctx, workspaceId, 'events', next);
    return profiles;
  }
  const [row] = await ctx.events.query<{ ids: string[] }>(
    `SELECT groupUniqArray(customer_id) AS ids FROM ${ctx.events.table('events')}
     WHERE workspace_id = {ws:UUID} AND received_at > {mark:DateTime64(3, 'UTC')} AND timestamp >= {since:DateTime64(3, 'UTC')}
       AND event NOT IN {own:Array(String)}`,
    { ws: workspaceId, mark: chTime(mark), since: chTime(new Date(mark.getTime() - LATE_MS)), own: OWN_EVENTS },
  );
  // The next pass looks a minute back, so inserts that become visible late are still seen.
  if (next > mark) await writeWatermark(ctx, workspaceId, 'events', next);
  return [...new Set([...profiles, ...row.ids])];
}

/** Applies changes of the given customers to every segment, rule tag and layer at once. */
export async function refreshCustomers(ctx: Ctx, ws: Workspace, customers: readonly string[]): Promise<void> {
  if (customers.length === 0) return;
  const [segments, tags] = await Promise.all([
    ctx.db.selectFrom('segments').select('id').where('workspace_id', '=', ws.id).execute(),
    ctx.db.selectFrom('tags').select('id').where('workspace_id', '=', ws.id).where('kind', '=', 'rule').execute(),
  ]);
  for (const s of segments) await refreshSegment(ctx, ws, s.id, customers);
  for (const t of tags) await refreshRuleTag(ctx, ws, t.id, customers);
  for (const kind of ['lifecycle', 'ltv'] as const) await refreshLayer(ctx, ws, kind, customers);
}

const due = (refreshedAt: Date | null, minutes: number, now: Date) => !refreshedAt || refreshedAt.getTime() + minutes * 60_000 <= now.getTime();

/**
 * One maintenance pass of a workspace: the day's RFM snapshot and full layer refresh, full
 * refreshes of segments and rule tags that are due, and the changes of new events for the rest.
 */
export async function maintainWorkspace(ctx: Ctx, ws: Workspace): Promise<void> {
  const now = ctx.clock.now();
  const today = formatDateInZone(now, ws.timezone);
  const changedIds = await changedCustomers(ctx, ws.id);
  const everything = changedIds.length > INCREMENTAL_MAX;
  const changed = everything ? [] : changedIds;

  const latest = await ctx.db.selectFrom('rfm_snapshots').select('at').where('workspace_id', '=', ws.id).where('status', '=', 'ready').orderBy('at', 'desc').executeTakeFirst();
  if (!latest || formatDateInZone(latest.at, ws.timezone) !== today) {
    await computeRfmSnapshot(ctx, ws);
    await pruneRfmSnapshots(ctx, ws);
  }

  for (const kind of ['lifecycle', 'ltv'] as const) {
    const mark = `layer:${kind}`;
    if (everything || formatDateInZone(await readWatermark(ctx, ws.id, mark), ws.timezone) !== today) {
      await refreshLayer(ctx, ws, kind);
      await writeWatermark(ctx, ws.id, mark, now);
    } else if (changed.length) {
      await refreshLayer(ctx, ws, kind, changed);
    }
  }
  const segments = await ctx.db.selectFrom('segments').select(['id', 'refreshed_at', 'refresh_minutes']).where('workspace_id', '=', ws.id).execute();
  for (const s of segments) {
    if (everything || due(s.refreshed_at, s.refresh_minutes, now)) await refreshSegment(ctx, ws, s.id);
    else if (changed.length) await refreshSegment(ctx, ws, s.id, changed);
  }
  const tags = await ctx.db.selectFrom('tags').select(['id', 'refreshed_at', 'refresh_minutes']).where('workspace_id', '=', ws.id).where('kind', '=', 'rule').execute();
  for (const t of tags) {
    if (everything || due(t.refreshed_at, t.refresh_minutes ?? 60, now)) await refreshRuleTag(ctx, ws, t.id);
    else if (changed.length) await refreshRuleTag(ctx, ws, t.id, changed);
  }
}

/** Maintenance of every workspace; one failing workspace does not stop the others. */
export async function segmentsTick(ctx: Ctx): Promise<void> {
  const workspaces = await ctx.db.selectFrom('workspaces').select(['id', 'timezone']).execute();
  for (const ws of workspaces) {
    await maintainWorkspace(ctx, ws).catch((err) => ctx.log.error({ err, workspaceId: ws.id }, 'segment maintenance failed'));
  }
}

/** Runs segmentsTick every minute (one pass at a time); returns a stop function. */
export function startSegmentsWorker(ctx: Ctx, everyMs = 60_000): () => Promise<void> {
  let running: Promise<void> | null = null;
  const tick = () => {
    running ??= segmentsTick(ctx).finally(() => {
      running = null;
    });
  };
  tick();
  const timer = setInterval(tick, everyMs);
  return async () => {
    clearInterval(timer);
    await running;
  };
}
