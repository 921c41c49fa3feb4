import { type Kysely, sql } from 'kysely';
import { CronExpressionParser } from 'cron-parser';
import { formatDateInZone, zonedDayStart } from '../core/index.js';
import { chTime, type Ctx, type StateDB } from '../store/index.js';
import { systemActor } from '../audit/index.js';
import { addTag, removeTag } from '../tags/index.js';
import { customerMembers } from '../customers/index.js';
import { matchesFilters, parseJson } from './conditions.js';
import { type Entrant, insertRuns, type LiveJourney, liveJourneys, loadVersion } from './enter.js';
import type { JourneyGraph } from './model.js';
import type { WaitEvent } from './schema.js';

/** The scanner re-reads this far back, so events that become visible late are still seen. */
const OVERLAP_MS = 2 * 60_000;
const SCAN_LIMIT = 20_000;
const PAGE = 5000;

interface ScannedEvent {
  message_id: string;
  event: string;
  customer_id: string;
  timestamp: string;
  received_at: string;
  properties: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const chDate = (s: string) => new Date(`${s.replace(' ', 'T')}Z`);

async function readMark(ctx: Ctx, workspaceId: string, name: string): Promise<{ at: Date; value: string | null } | null> {
  const row = await ctx.db.selectFrom('journey_marks').select(['at', 'value']).where('workspace_id', '=', workspaceId).where('name', '=', name).executeTakeFirst();
  return row ?? null;
}

async function writeMark(ctx: Ctx, workspaceId: string, name: string, at: Date, value: string | null = null): Promise<void> {
  await ctx.db
    .insertInto('journey_marks')
    .values({ workspace_id: workspaceId, name, at, value })
    .onConflict((oc) => oc.columns(['workspace_id', 'name']).doUpdateSet({ at, value }))
    .execute();
}

/** Event name a trigger listens to. */
function triggerEvent(g: JourneyGraph): string | null {
  const t = g.trigger;
  if (t.kind === 'event') return t.event;
  if (t.kind === 'segment') return t.on === 'entered' ? 'Segment Entered' : 'Segment Exited';
  if (t.kind === 'contact_added') return 'WeCom Contact Added';
  return null;
}

function triggerMatches(g: JourneyGraph, e: ScannedEvent, props: Record<string, unknown>, now: Date): boolean {
  const t = g.trigger;
  if (e.event !== triggerEvent(g)) return false;
  if (t.kind === 'event') return matchesFilters(props, t.where, now);
  if (t.kind === 'segment') return props.segment_id === t.segmentId;
  if (t.kind === 'contact_added') return !t.liveCodeIds?.length || t.liveCodeIds.includes(String(props.live_code_id ?? ''));
  return false;
}

/** Graphs of every version with runs that can still move or convert, per journey id. */
async function versionsInPlay(ctx: Ctx, workspaceId: string): Promise<{ journeyId: string; version: number; graph: JourneyGraph }[]> {
  const rows = await ctx.db
    .selectFrom('journey_versions as v')
    .innerJoin('journeys as j', (join) => join.onRef('j.workspace_id', '=', 'v.workspace_id').onRef('j.id', '=', 'v.journey_id'))
    .select(['v.journey_id', 'v.version'])
    .where('v.workspace_id', '=', workspaceId)
    .where('j.status', 'in', ['live', 'paused'])
    .execute();
  const out = [];
  for (const r of rows) out.push({ journeyId: r.journey_id, version: r.version, graph: (await loadVersion(ctx.db, workspaceId, r.journey_id, r.version)).graph });
  return out;
}

/**
 * Reads the workspace's new events once (by received_at, from the last mark minus an overlap) and
 * applies them: goals and exits of runs, events that runs wait for, then event-like triggers.
 * Every effect is idempotent (trigger keys, run states), so reading an event twice changes nothing.
 */
export async function scanEvents(ctx: Ctx, workspaceId: string, journeys: LiveJourney[]): Promise<number> {
  const now = ctx.clock.now();
  const versions = await versionsInPlay(ctx, workspaceId);
  const names = new Set<string>();
  for (const j of journeys) {
    const n = triggerEvent(j.graph);
    if (n) names.add(n);
  }
  for (const v of versions) {
    if (v.graph.goal) names.add(v.graph.goal.event);
    for (const x of v.graph.exits) names.add(x.event);
    for (const s of v.graph.steps) if (s.kind === 'wait_event') names.add(s.event);
  }
  const mark = await readMark(ctx, workspaceId, 'events');
  if (!names.size) {
    await writeMark(ctx, workspaceId, 'events', now);
    return 0;
  }
  const from = new Date((mark?.at ?? new Date(Math.min(...journeys.map((j) => j.since.getTime()), now.getTime()))).getTime() - OVERLAP_MS);
  const rows = await ctx.events.query<ScannedEvent>(
    `SELECT message_id, event, customer_id, timestamp, received_at, properties FROM ${ctx.events.table('events')}
     WHERE workspace_id = {ws:UUID} AND event IN {names:Array(String)} AND received_at > {from:DateTime64(3, 'UTC')} AND received_at <= {now:DateTime64(3, 'UTC')}
     ORDER BY received_at LIMIT {limit:UInt32}`,
    { ws: workspaceId, names: [...names], from: chTime(from), now: chTime(now), limit: SCAN_LIMIT },
  );
  const seen = new Set<string>();
  const events = rows.filter((r) => !seen.has(r.message_id) && seen.add(r.message_id));
  // Events keep the customer id resolved when they arrived: count them for the live customer now.
  const roots = await liveRoots(ctx.db, workspaceId, [...new Set(events.map((e) => e.customer_id).filter((id) => UUID.test(id)))]);
  for (const e of events) e.customer_id = roots.get(e.customer_id) ?? e.customer_id;
  if (events.length) {
    await applyRunEvents(ctx, workspaceId, versions, events, now);
    let entered = 0;
    for (const j of journeys) {
      const entrants: Entrant[] = [];
      for (const e of events) {
        if (chDate(e.timestamp) < j.since) continue;
        const props = parseJson(e.properties);
        if (!triggerMatches(j.graph, e, props, now)) continue;
        entrants.push({ customerId: e.customer_id, triggerKey: `e:${e.message_id}`, context: { event: { name: e.event, properties: props, messageId: e.message_id } } });
      }
      for (let i = 0; i < entrants.length; i += PAGE) entered += await insertRuns(ctx.db, j, entrants.slice(i, i + PAGE), now);
    }
    const last = rows.length === SCAN_LIMIT ? chDate(rows[rows.length - 1].received_at) : now;
    await writeMark(ctx, workspaceId, 'events', last);
    return entered;
  }
  await writeMark(ctx, workspaceId, 'events', now);
  return 0;
}

interface OpenRun {
  id: string;
  journey_id: string;
  version: number;
  customer_id: string;
  status: string;
  seq: number;
  entered_at: Date;
  wait_event: WaitEvent | null;
  context: { event?: { messageId?: string } };
  converted_at: Date | null;
}

/** The live customer each (possibly merged-away) customer resolves to now, from the state store's merged_into chains. */
async function liveRoots(db: Kysely<StateDB>, workspaceId: string, ids: readonly string[]): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (let i = 0; i < ids.length; i += PAGE) {
    const { rows } = await sql<{ id: string; root: string }>`
      WITH RECURSIVE up(id, node, parent, depth) AS (
        SELECT id, id, merged_into, 0 FROM customers WHERE workspace_id = ${workspaceId} AND id = ANY(${sql.val(ids.slice(i, i + PAGE))}::uuid[]) AND merged_into IS NOT NULL
        UNION ALL
        SELECT up.id, c.id, c.merged_into, up.depth + 1 FROM up JOIN customers c ON c.workspace_id = ${workspaceId} AND c.id = up.parent WHERE up.depth < 100
      )
      SELECT id, node AS root FROM up WHERE parent IS NULL`.execute(db);
    for (const r of rows) out.set(r.id, r.root);
  }
  return out;
}

/** Order totals are in yuan on the event (total, else revenue). */
function orderValueFen(props: Record<string, unknown>): number | null {
  const v = props.total ?? props.revenue;
  const n = typeof v === 'number' ? v : typeof v === 'string' ? Number(v) : NaN;
  return Number.isFinite(n) ? Math.round(n * 100) : null;
}

async function applyRunEvents(ctx: Ctx, workspaceId: string, versions: { journeyId: string; version: number; graph: JourneyGraph }[], events: ScannedEvent[], now: Date): Promise<void> {
  const graphs = new Map(versions.map((v) => [`${v.journeyId}:${v.version}`, v.graph]));
  const customers = [...new Set(events.map((e) => e.customer_id))];
  const byCustomer = new Map<string, ScannedEvent[]>();
  for (const e of events) byCustomer.set(e.customer_id, [...(byCustomer.get(e.customer_id) ?? []), e]);
  const journeyIds = [...new Set(versions.map((v) => v.journeyId))];
  if (!journeyIds.length) return;
  for (let i = 0; i < customers.length; i += PAGE) {
    // Runs of customers merged into these since they entered belong to them too.
    const members = await customerMembers(ctx.db, workspaceId, customers.slice(i, i + PAGE));
    const ids = [...new Set([...customers.slice(i, i + PAGE), ...members.keys()])];
    await ctx.db.transaction().execute(async (trx) => {
      const runs = await trx
        .selectFrom('journey_runs')
        .select(['id', 'journey_id', 'version', 'customer_id', 'status', 'seq', 'entered_at', 'wait_event', 'context', 'converted_at'])
        .where('workspace_id', '=', workspaceId)
        .where('customer_id', 'in', ids)
        .where('journey_id', 'in', journeyIds)
        .where((eb) => eb.or([eb('status', 'in', ['active', 'waiting']), eb.and([eb('converted_at', 'is', null), eb('status', 'in', ['holdout', 'completed', 'exited'])])]))
        .forUpdate()
        .execute();
      for (const run of runs as OpenRun[]) {
        const g = graphs.get(`${run.journey_id}:${run.version}`);
        if (!g) continue;
        const evs = (byCustomer.get(members.get(run.customer_id) ?? run.customer_id) ?? []).filter((e) => chDate(e.timestamp) >= run.entered_at && e.message_id !== run.context?.event?.messageId);
        evs.sort((a, b) => a.timestamp.localeCompare(b.timestamp));
        const inFlight = run.status === 'active' || run.status === 'waiting';
        const goal = g.goal;
        const conv = goal ? evs.find((e) => e.event === goal.event && chDate(e.timestamp).getTime() <= run.entered_at.getTime() + goal.withinDays * 86_400_000 && matchesFilters(parseJson(e.properties), goal.where, now)) : undefined;
        if (conv && !run.converted_at) {
          const at = chDate(conv.timestamp);
          const value = orderValueFen(parseJson(conv.properties));
          if (inFlight) {
            await closeOpenVisit(trx, workspaceId, run, now, 'converted');
            await trx
              .updateTable('journey_runs')
              .set({ status: 'converted', converted_at: at, conversion_value_fen: value, finished_at: now, next_at: null, exit_reason: `goal:${conv.event}`, wait_event: null })
              .where('workspace_id', '=', workspaceId)
              .where('id', '=', run.id)
              .execute();
          } else {
            await trx.updateTable('journey_runs').set({ converted_at: at, conversion_value_fen: value }).where('workspace_id', '=', workspaceId).where('id', '=', run.id).execute();
          }
          continue;
        }
        if (!inFlight) continue;
        const exit = evs.find((e) => g.exits.some((x) => x.event === e.event && matchesFilters(parseJson(e.properties), x.where, now)));
        if (exit) {
          await closeOpenVisit(trx, workspaceId, run, now, 'exited');
          await trx
            .updateTable('journey_runs')
            .set({ status: 'exited', finished_at: now, next_at: null, exit_reason: `event:${exit.event}`, wait_event: null })
            .where('workspace_id', '=', workspaceId)
            .where('id', '=', run.id)
            .execute();
          continue;
        }
        const w = run.wait_event;
        if (run.status === 'waiting' && w && !w.matched) {
          const hit = evs.find((e) => e.event === w.event && chDate(e.timestamp) >= new Date(w.since) && matchesFilters(parseJson(e.properties), w.where as never, now));
          if (hit) {
            await trx
              .updateTable('journey_runs')
              .set({ wait_event: JSON.stringify({ ...w, matched: { at: chDate(hit.timestamp).toISOString(), messageId: hit.message_id } }), next_at: now })
              .where('workspace_id', '=', workspaceId)
              .where('id', '=', run.id)
              .execute();
          }
        }
      }
    });
  }
}

async function closeOpenVisit(trx: Kysely<StateDB>, workspaceId: string, run: OpenRun, now: Date, outcome: string): Promise<void> {
  await trx
    .updateTable('journey_steps')
    .set({ left_at: now, outcome })
    .where('workspace_id', '=', workspaceId)
    .where('run_id', '=', run.id)
    .where('seq', '=', run.seq)
    .where('left_at', 'is', null)
    .execute();
}

/** Pages through customers (keyset by id) matching a WHERE, with a value, a page at a time: memory stays flat. */
async function* customerPages(ctx: Ctx, workspaceId: string, value: ReturnType<typeof sql>, where: ReturnType<typeof sql>): AsyncGenerator<{ id: string; value: string | null }[]> {
  let after = '00000000-0000-0000-0000-000000000000';
  for (;;) {
    const res = await sql<{ id: string; value: string | null }>`
      SELECT id, ${value} AS value FROM customers WHERE workspace_id = ${workspaceId} AND merged_into IS NULL AND id > ${after}::uuid AND ${where}
      ORDER BY id LIMIT ${PAGE}`.execute(ctx.db);
    if (!res.rows.length) return;
    yield res.rows;
    after = res.rows[res.rows.length - 1].id;
  }
}

/** A date-time with a zone (2026-12-04T17:00:00Z, …+08:00). */
const ZONED = /^\d{4}-\d\d-\d\d[T ]\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d(:?\d\d)?)$/i;

/** The workspace-local date of a date trait: a zoned date-time is converted, a plain date (or local date-time) taken as written. */
export function localDateOf(value: string, tz: string): string | null {
  if (ZONED.test(value)) {
    const d = new Date(value.replace(' ', 'T'));
    return Number.isNaN(d.getTime()) ? null : formatDateInZone(d, tz);
  }
  return /^\d{4}-\d\d-\d\d/.test(value) ? value.slice(0, 10) : null;
}

/** Date triggers: once a day at the local time, customers whose date trait (± offset) is today (workspace-local dates). */
export async function runDateTrigger(ctx: Ctx, j: LiveJourney, tz: string): Promise<number> {
  const t = j.graph.trigger;
  if (t.kind !== 'date') return 0;
  const now = ctx.clock.now();
  const today = formatDateInZone(now, tz);
  const [h, m] = t.at.split(':').map(Number);
  if (now.getTime() < zonedDayStart(now, tz).getTime() + (h * 60 + m) * 60_000) return 0;
  const markName = `date:${j.id}`;
  const mark = await readMark(ctx, j.workspaceId, markName);
  if (mark?.value === today) return 0;
  // The date the trait must have so that date + offset = today.
  const noon = new Date(`${today}T12:00:00Z`).getTime() - t.offsetDays * 86_400_000;
  const target = formatDateInZone(new Date(noon), 'UTC');
  // A date-time's UTC date is at most a day off its local one: select the three candidate days, check exactly here.
  const near = [-1, 0, 1].map((d) => formatDateInZone(new Date(noon + d * 86_400_000), 'UTC'));
  const column = t.trait === 'birthday' ? sql`coalesce(birthday, traits ->> 'birthday')` : sql`(traits ->> ${t.trait})`;
  const where = t.yearly ? sql`substr(${column}, 6, 5) IN (${sql.join(near.map((d) => d.slice(5)))})` : sql`substr(${column}, 1, 10) IN (${sql.join(near)})`;
  let entered = 0;
  for await (const rows of customerPages(ctx, j.workspaceId, column, where)) {
    const ids = rows
      .filter((r) => {
        const local = r.value ? localDateOf(r.value, tz) : null;
        return local !== null && (t.yearly ? local.slice(5) === target.slice(5) : local === target);
      })
      .map((r) => r.id);
    if (ids.length) entered += await insertRuns(ctx.db, j, ids.map((customerId) => ({ customerId, triggerKey: `d:${today}` })), now);
  }
  await writeMark(ctx, j.workspaceId, markName, now, today);
  return entered;
}

/** Schedule triggers: at each cron tick (workspace zone) the segment's members enter, page by page. */
export async function runScheduleTrigger(ctx: Ctx, j: LiveJourney, tz: string): Promise<number> {
  const t = j.graph.trigger;
  if (t.kind !== 'schedule') return 0;
  const now = ctx.clock.now();
  const markName = `schedule:${j.id}`;
  const mark = await readMark(ctx, j.workspaceId, markName);
  const from = mark?.at ?? j.since;
  const it = CronExpressionParser.parse(t.cron, { currentDate: from, tz });
  let tick: Date | null = null;
  // The latest tick not after now: missed ticks collapse into one entry.
  for (let i = 0; i < 10_000; i++) {
    const n = it.next().toDate();
    if (n.getTime() > now.getTime()) break;
    tick = n;
  }
  if (!tick) return 0;
  const key = `s:${tick.toISOString()}`;
  let entered = 0;
  for await (const ids of segmentMemberPages(ctx, j.workspaceId, t.segmentId)) {
    entered += await insertRuns(ctx.db, j, ids.map((customerId) => ({ customerId, triggerKey: key })), now);
  }
  await writeMark(ctx, j.workspaceId, markName, tick);
  return entered;
}

/** Current members of a segment from the events store, a page at a time (keyset by customer id). */
export async function* segmentMemberPages(ctx: Ctx, workspaceId: string, segmentId: string): AsyncGenerator<string[]> {
  let after = '00000000-0000-0000-0000-000000000000';
  for (;;) {
    const rows = await ctx.events.query<{ customer_id: string }>(
      `SELECT customer_id FROM ${ctx.events.table('audience_state')} FINAL
       WHERE workspace_id = {ws:UUID} AND audience = {aud:String} AND value != '' AND customer_id > {after:UUID}
       ORDER BY customer_id LIMIT {limit:UInt32}`,
      { ws: workspaceId, aud: `segment:${segmentId}`, after, limit: PAGE },
    );
    if (!rows.length) return;
    yield rows.map((r) => r.customer_id);
    after = rows[rows.length - 1].customer_id;
  }
}

/** Applies queued tag changes in batches, one tag at a time. */
export async function applyEffects(ctx: Ctx): Promise<number> {
  const pending = await ctx.db.selectFrom('journey_effects').select(['workspace_id', 'id', 'kind', 'target', 'customer_id']).where('done_at', 'is', null).orderBy('created_at').limit(PAGE).execute();
  if (!pending.length) return 0;
  const groups = new Map<string, typeof pending>();
  for (const p of pending) {
    const k = `${p.workspace_id}|${p.kind}|${p.target}`;
    groups.set(k, [...(groups.get(k) ?? []), p]);
  }
  for (const [k, list] of groups) {
    const [workspaceId, kind, tagId] = k.split('|');
    const ws = await ctx.db.selectFrom('workspaces').select(['id', 'timezone']).where('id', '=', workspaceId).executeTakeFirstOrThrow();
    const customerIds = [...new Set(list.map((p) => p.customer_id))];
    let error: string | null = null;
    try {
      const by = { actor: { ...systemActor, name: 'journey' } };
      if (kind === 'tag_add') await addTag(ctx, ws, tagId, { customerIds }, by, 'journey');
      else await removeTag(ctx, ws, tagId, { customerIds }, by);
    } catch (err) {
      error = err instanceof Error ? err.message : String(err);
      ctx.log.warn({ err, tagId }, 'journey tag change failed');
    }
    await ctx.db
      .updateTable('journey_effects')
      .set({ done_at: ctx.clock.now(), error })
      .where('workspace_id', '=', workspaceId)
      .where('id', 'in', list.map((p) => p.id))
      .execute();
  }
  return pending.length;
}

/** Every trigger of every live journey, per workspace; one failing workspace does not stop the others. */
export async function runTriggers(ctx: Ctx): Promise<number> {
  const journeys = await liveJourneys(ctx);
  const byWs = new Map<string, LiveJourney[]>();
  for (const j of journeys) byWs.set(j.workspaceId, [...(byWs.get(j.workspaceId) ?? []), j]);
  // Workspaces with paused journeys still need their goals, exits and waits read.
  const others = await ctx.db.selectFrom('journeys').select('workspace_id').distinct().where('status', '=', 'paused').execute();
  for (const o of others) if (!byWs.has(o.workspace_id)) byWs.set(o.workspace_id, []);
  let entered = 0;
  for (const [workspaceId, list] of byWs) {
    try {
      const ws = await ctx.db.selectFrom('workspaces').select('timezone').where('id', '=', workspaceId).executeTakeFirst();
      const tz = ws?.timezone ?? ctx.config.timezone;
      entered += await scanEvents(ctx, workspaceId, list);
      for (const j of list) {
        if (j.graph.trigger.kind === 'date') entered += await runDateTrigger(ctx, j, tz);
        if (j.graph.trigger.kind === 'schedule') entered += await runScheduleTrigger(ctx, j, tz);
      }
    } catch (err) {
      ctx.log.error({ err, workspaceId }, 'journey triggers failed');
    }
  }
  return entered;
}
