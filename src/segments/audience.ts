import { newId } from '../core/index.js';
import type { Ctx } from '../store/index.js';
import { inTransaction, lockAll, lockKey } from '../identity/index.js';
import { Params } from './sql.js';

/**
 * Materialized audiences: segments, tags, lifecycle stages and LTV tiers keep each customer's
 * current value in audience_state ('' = not in it). A refresh diffs what the definition yields
 * now against that state, records the differences as one run in audience_changes (the history),
 * then applies them to the state and emits them as events journeys can trigger on.
 *
 * A refresh holds a per-audience advisory lock, so two never diff against the same state. Each
 * step can be repeated: changes and events are keyed by run and customer, state rows carry the
 * run's sequence number. A run a crash left 'diffed' is applied before the next one starts.
 */
export interface AudienceSpec {
  /** 'segment:<id>', 'tag:<id>', 'lifecycle' or 'ltv'. */
  audience: string;
  /** SELECT of (cid UUID, value String) for customers who should have a non-empty value. */
  desired: (p: Params) => string;
  /** Only these customers are compared (incremental refresh, manual tagging); all when absent. */
  scope?: { ids: readonly string[] } | { sql: (p: Params) => string };
  source: string;
  actor: string;
  /** Event name and properties JSON (SQL over `before` and `after`) emitted per change. */
  event?: (p: Params) => { name: string; properties: string };
}

export interface RunResult {
  runId: string;
  entered: number;
  exited: number;
  changed: number;
}

export async function refreshAudience(ctx: Ctx, workspaceId: string, spec: AudienceSpec): Promise<RunResult> {
  const lock = (tx: Ctx) => lockAll(tx.db, [lockKey('audience', workspaceId, spec.audience)]);
  // The diff commits as its own step: once 'diffed', the run is applied by whoever comes next
  // even if this process dies before applying it.
  const run = await inTransaction(ctx, async (tx) => {
    await lock(tx);
    const open = await tx.db
      .selectFrom('audience_runs')
      .select(['id', 'seq'])
      .where('workspace_id', '=', workspaceId)
      .where('audience', '=', spec.audience)
      .where('status', '!=', 'applied')
      .execute();
    for (const r of open) await applyRun(tx, workspaceId, spec, r.id, Number(r.seq));
    const id = newId(tx.clock);
    const { seq } = await tx.db
      .insertInto('audience_runs')
      .values({ workspace_id: workspaceId, id, audience: spec.audience, mode: spec.scope ? 'partial' : 'full', status: 'diffed', started_at: tx.clock.now() })
      .returning('seq')
      .executeTakeFirstOrThrow();
    try {
      await diff(tx, workspaceId, spec, id, Number(seq));
    } catch (err) {
      await tx.events.command(`DELETE FROM ${tx.events.table('audience_changes')} WHERE workspace_id = {ws:UUID} AND run_id = {run:UUID}`, { ws: workspaceId, run: id }).catch(() => undefined);
      throw err;
    }
    return { id, seq: Number(seq) };
  });
  return inTransaction(ctx, async (tx) => {
    await lock(tx);
    return applyRun(tx, workspaceId, spec, run.id, run.seq);
  });
}

/** Writes the run's changes: customers whose desired value differs from their current one. */
async function diff(ctx: Ctx, workspaceId: string, spec: AudienceSpec, runId: string, seq: number): Promise<void> {
  const ev = ctx.events;
  const p = new Params(workspaceId);
  const aud = p.add('String', spec.audience);
  let scope = '';
  if (spec.scope) scope = `customer_id IN ${'ids' in spec.scope ? p.add('Array(UUID)', spec.scope.ids) : `(${spec.scope.sql(p)})`}`;
  await ev.command(
    `INSERT INTO ${ev.table('audience_changes')} (workspace_id, audience, run_id, version, customer_id, before, after, at, source, actor)
     SELECT {ws:UUID}, ${aud}, ${p.add('UUID', runId)}, ${p.add('UInt64', seq)}, customer_id, cur.value, want.value, ${p.time(ctx.clock.now())},
       ${p.add('String', spec.source)}, ${p.add('String', spec.actor)}
     FROM (SELECT cid AS customer_id, value FROM (${spec.desired(p)}) WHERE value != ''${scope ? ` AND ${scope}` : ''}) AS want
     FULL OUTER JOIN (
       SELECT customer_id, value FROM ${ev.table('audience_state')} FINAL
       WHERE workspace_id = {ws:UUID} AND audience = ${aud} AND value != ''${scope ? ` AND ${scope}` : ''}
     ) AS cur USING (customer_id)
     WHERE want.value != cur.value`,
    p.values,
  );
}

/** Applies a diffed run to the state and emits its events; repeating it changes nothing. */
async function applyRun(ctx: Ctx, workspaceId: string, spec: AudienceSpec, runId: string, seq: number): Promise<RunResult> {
  const ev = ctx.events;
  const p = new Params(workspaceId);
  const changes = `FROM ${ev.table('audience_changes')} WHERE workspace_id = {ws:UUID} AND audience = ${p.add('String', spec.audience)} AND run_id = ${p.add('UUID', runId)}`;
  await ev.command(
    `INSERT INTO ${ev.table('audience_state')} (workspace_id, audience, customer_id, value, changed_at, version)
     SELECT workspace_id, audience, customer_id, after, at, ${p.add('UInt64', seq)} ${changes}`,
    p.values,
  );
  if (spec.event) {
    const e = spec.event(p);
    await ev.command(
      `INSERT INTO ${ev.table('events')} (workspace_id, message_id, type, event, customer_id, user_id, anonymous_id, timestamp, received_at, sent_at, properties, context, traits)
       SELECT workspace_id, concat(audience, ':', toString(run_id), ':', toString(customer_id)), 'track', ${e.name}, customer_id, '', '', at, at, NULL,
         ${e.properties}, '{}', '{}' ${changes}`,
      p.values,
    );
  }
  const [counts] = await ev.query<{ entered: number; exited: number; changed: number }>(
    `SELECT countIf(before = '' AND after != '') AS entered, countIf(after = '') AS exited, count() AS changed ${changes}`,
    p.values,
  );
  const result = { runId, entered: Number(counts.entered), exited: Number(counts.exited), changed: Number(counts.changed) };
  await ctx.db
    .updateTable('audience_runs')
    .set({ status: 'applied', finished_at: ctx.clock.now(), entered: result.entered, exited: result.exited })
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', runId)
    .execute();
  return result;
}

/** Current members (customers with a non-empty value) of an audience, by value. */
export async function audienceCounts(ctx: Pick<Ctx, 'events'>, workspaceId: string, audience: string): Promise<Map<string, number>> {
  const rows = await ctx.events.query<{ value: string; n: number }>(
    `SELECT value, count() AS n FROM ${ctx.events.table('audience_state')} FINAL
     WHERE workspace_id = {ws:UUID} AND audience = {aud:String} AND value != '' GROUP BY value`,
    { ws: workspaceId, aud: audience },
  );
  return new Map(rows.map((r) => [r.value, Number(r.n)]));
}

export async function audienceSize(ctx: Pick<Ctx, 'events'>, workspaceId: string, audience: string): Promise<number> {
  return [...(await audienceCounts(ctx, workspaceId, audience)).values()].reduce((a, b) => a + b, 0);
}
