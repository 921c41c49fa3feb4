// Journeys benchmark: step transitions per second through the engine (outbox sends, split,
// holdout, waits), 1M customers entering one journey at once (heap sampled while they enter),
// 100,000 timers due within one minute (lateness at claim, p50/p99), and in the same run the
// ceiling: a raw `SELECT … FOR UPDATE SKIP LOCKED` claim loop on the same store.
//
//   node --import tsx bench/journeys.ts [--runs 20000] [--entrants 1000000] [--timers 100000] [--postgres]
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { sql } from 'kysely';
import { systemActor } from '../src/audit/index.js';
import { ensureWorkspace } from '../src/auth/index.js';
import { type Clock, createLogger, loadConfig, manualClock, newId } from '../src/core/index.js';
import { createTemplate } from '../src/messages/index.js';
import { createJourney, enterJourney, publishJourney, runJourneysOnce, startJourneysWorker } from '../src/journeys/index.js';
import { runScheduleTrigger } from '../src/journeys/triggers.js';
import { liveJourneys } from '../src/journeys/enter.js';
import { chTime, type Ctx, openStores } from '../src/store/index.js';
import { machine, percentile, table } from './machine.js';
import { scratchDatabase } from './scratch-database.js';

const { values: args } = parseArgs({
  options: {
    runs: { type: 'string', default: '20000' },
    entrants: { type: 'string', default: '1000000' },
    timers: { type: 'string', default: '100000' },
    postgres: { type: 'boolean', default: false },
  },
});
const RUNS = Number(args.runs);
const ENTRANTS = Number(args.entrants);
const TIMERS = Number(args.timers);
const by = { actor: systemActor };
const mb = (n: number) => `${(n / 2 ** 20).toFixed(0)} MB`;

async function count(ctx: Ctx, q: string): Promise<number> {
  const r = await sql<{ n: string }>`${sql.raw(q)}`.execute(ctx.db);
  return Number(r.rows[0].n);
}

/** Step transitions/s: RUNS customers through send → split → holdout → send → wait (a day) → send. */
async function transitions(ctx: Ctx & { clock: ReturnType<typeof manualClock> }, ws: string, templateId: string) {
  const graph = {
    trigger: { kind: 'manual' },
    reentry: { mode: 'once' },
    start: 'a',
    steps: [
      { id: 'a', kind: 'send', channel: 'sms', templateId, next: 's' },
      { id: 's', kind: 'split', arms: [{ key: 'A', weight: 50, next: 'h' }, { key: 'B', weight: 50, next: 'w' }] },
      { id: 'h', kind: 'holdout', percent: 5, next: 'x' },
      { id: 'x', kind: 'send', channel: 'sms', templateId, next: 'w' },
      { id: 'w', kind: 'wait', duration: { days: 1 }, next: 'y' },
      { id: 'y', kind: 'send', channel: 'sms', templateId },
    ],
  };
  const j = await createJourney(ctx, ws, { name: 'bench transitions', graph }, by);
  await publishJourney(ctx, ws, j.id, by);
  const ids = Array.from({ length: RUNS }, () => newId());
  await enterJourney(ctx, ws, j.id, ids).catch(async () => {
    // Customers need not exist for the engine; enter them directly in pages.
    const [live] = (await liveJourneys(ctx, ws)).filter((x) => x.id === j.id);
    const { insertRuns } = await import('../src/journeys/enter.js');
    for (let i = 0; i < ids.length; i += 5000) await insertRuns(ctx.db, live, ids.slice(i, i + 5000).map((customerId) => ({ customerId })), ctx.clock.now());
  });
  const visits = () => count(ctx, `SELECT count(*) AS n FROM journey_steps WHERE journey_id = '${j.id}'`);
  const t0 = performance.now();
  await runJourneysOnce(ctx, { triggers: false });
  const t1 = performance.now();
  const v1 = await visits();
  ctx.clock.advance(86_400_000);
  const t2 = performance.now();
  await runJourneysOnce(ctx, { triggers: false });
  const t3 = performance.now();
  const v2 = await visits();
  // A resumed wait closes its visit and opens the next: count closes as transitions too.
  const waits = await count(ctx, `SELECT count(*) AS n FROM journey_steps WHERE journey_id = '${j.id}' AND step_id = 'w'`);
  const total = v2 + waits;
  return { seconds: (t1 - t0 + t3 - t2) / 1000, transitions: total, perSecond: total / ((t1 - t0 + t3 - t2) / 1000), firstPass: v1 / ((t1 - t0) / 1000) };
}

/** ENTRANTS segment members enter one scheduled journey; heap sampled every 50 ms. */
async function entering(ctx: Ctx & { clock: ReturnType<typeof manualClock> }, ws: string, templateId: string) {
  const segmentId = newId();
  await ctx.db.insertInto('segments').values({ workspace_id: ws, id: segmentId, name: 'bench all', description: '', rule: JSON.stringify({ type: 'trait', field: 'city', op: 'exists' }), refresh_minutes: 1440, members: ENTRANTS, created_at: ctx.clock.now(), updated_at: ctx.clock.now() }).execute();
  await ctx.events.command(
    `INSERT INTO ${ctx.events.table('audience_state')} (workspace_id, audience, customer_id, value, changed_at, version)
     SELECT {ws:UUID}, {aud:String}, generateUUIDv4(number), '1', {at:DateTime64(3, 'UTC')}, 1 FROM numbers({n:UInt64})`,
    { ws, aud: `segment:${segmentId}`, at: chTime(ctx.clock.now()), n: ENTRANTS },
  );
  const graph = { trigger: { kind: 'schedule', cron: '0 9 * * *', segmentId }, start: 'w', steps: [{ id: 'w', kind: 'wait', duration: { days: 1 }, next: 'a' }, { id: 'a', kind: 'send', channel: 'sms', templateId }] };
  const j = await createJourney(ctx, ws, { name: 'bench entering', graph }, by);
  await publishJourney(ctx, ws, j.id, by);
  ctx.clock.advance(86_400_000);
  const [live] = (await liveJourneys(ctx, ws)).filter((x) => x.id === j.id);
  global.gc?.();
  const base = process.memoryUsage().heapUsed;
  const samples: { at: number; heap: number }[] = [];
  const timer = setInterval(() => samples.push({ at: performance.now(), heap: process.memoryUsage().heapUsed }), 50);
  const t0 = performance.now();
  const entered = await runScheduleTrigger(ctx, live, 'Asia/Shanghai');
  const seconds = (performance.now() - t0) / 1000;
  clearInterval(timer);
  // Heap over the first and the last quarter of entering: flat when memory does not grow with entrants.
  const q = Math.max(1, Math.floor(samples.length / 4));
  const early = Math.max(...samples.slice(0, q).map((s) => s.heap));
  const late = Math.max(...samples.slice(-q).map((s) => s.heap));
  const peak = Math.max(...samples.map((s) => s.heap));
  // Out of the way of the timers measured next (they would be due first).
  await sql`DELETE FROM journey_runs WHERE workspace_id = ${ws} AND journey_id = ${j.id}`.execute(ctx.db);
  return { entered, seconds, perSecond: entered / seconds, base, early, late, peak };
}

/** TIMERS runs waiting, due spread over one minute from now; one real-time worker; lateness at claim. */
async function timers(ctx: Ctx, ws: string, templateId: string) {
  const graph = { trigger: { kind: 'manual' }, start: 'w', steps: [{ id: 'w', kind: 'wait', duration: { minutes: 1 }, next: 'e' }, { id: 'e', kind: 'exit' }] };
  const j = await createJourney(ctx, ws, { name: 'bench timers', graph }, by);
  await publishJourney(ctx, ws, j.id, by);
  void templateId;
  // Inserted far in the future, then shifted in one statement so that loading them is not timed.
  const base = Date.parse('2100-01-01T00:00:00Z');
  for (let i = 0; i < TIMERS; i += 5000) {
    const rows = [];
    for (let k = i; k < Math.min(TIMERS, i + 5000); k++) {
      const due = new Date(base + Math.floor((k / TIMERS) * 60_000));
      rows.push({ id: newId(), cid: newId(), due: due.toISOString(), entered: new Date(due.getTime() - 60_000).toISOString() });
    }
    await sql`
      WITH v AS (SELECT * FROM jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) AS v(id uuid, cid uuid, due timestamptz, entered timestamptz)),
      r AS (
        INSERT INTO journey_runs (workspace_id, id, journey_id, version, customer_id, status, step_id, seq, entered_at, next_at, context)
        SELECT ${ws}::uuid, id, ${j.id}::uuid, 1, cid, 'waiting', 'w', 1, entered, due, '{}'::jsonb FROM v RETURNING id)
      INSERT INTO journey_steps (workspace_id, run_id, journey_id, step_id, seq, entered_at)
      SELECT ${ws}::uuid, id, ${j.id}::uuid, 'w', 1, entered FROM v`.execute(ctx.db);
  }
  const start = Date.now() + 10_000;
  const shift = sql`(${`${start - base} milliseconds`})::interval`;
  await sql`UPDATE journey_runs SET next_at = next_at + ${shift}, entered_at = entered_at + ${shift} WHERE workspace_id = ${ws} AND journey_id = ${j.id}`.execute(ctx.db);
  await sql`UPDATE journey_steps SET entered_at = entered_at + ${shift} WHERE workspace_id = ${ws} AND journey_id = ${j.id}`.execute(ctx.db);
  const stop = startJourneysWorker(ctx, { idleMs: 20, triggerEveryMs: 3_600_000 });
  const until = start + 60_000 + 30_000;
  while (Date.now() < until) {
    await new Promise((r) => setTimeout(r, 1000));
    const left = await count(ctx, `SELECT count(*) AS n FROM journey_runs WHERE journey_id = '${j.id}' AND status = 'waiting'`);
    if (left === 0) break;
  }
  await stop();
  const rows = await sql<{ ms: string }>`
    SELECT extract(epoch FROM (left_at - entered_at - interval '1 minute')) * 1000 AS ms
    FROM journey_steps WHERE journey_id = ${j.id} AND step_id = 'w' AND left_at IS NOT NULL`.execute(ctx.db);
  const late = rows.rows.map((r) => Number(r.ms)).sort((a, b) => a - b);
  return { done: late.length, p50: percentile(late, 50), p99: percentile(late, 99), max: late[late.length - 1] ?? NaN };
}

/** The ceiling: claim-and-mark loop over TIMERS rows with FOR UPDATE SKIP LOCKED, batches of 500. */
async function rawClaims(ctx: Ctx) {
  await sql`CREATE TABLE IF NOT EXISTS bench_claims (id uuid PRIMARY KEY, due timestamptz NOT NULL, done boolean NOT NULL DEFAULT false)`.execute(ctx.db);
  await sql`CREATE INDEX IF NOT EXISTS bench_claims_due ON bench_claims (due) WHERE NOT done`.execute(ctx.db);
  await sql`INSERT INTO bench_claims (id, due) SELECT gen_random_uuid(), now() - (g || ' ms')::interval FROM generate_series(1, ${TIMERS}) g`.execute(ctx.db);
  const t0 = performance.now();
  let n = 0;
  for (;;) {
    const r = await ctx.db.transaction().execute((trx) =>
      sql<{ id: string }>`
        UPDATE bench_claims SET done = true WHERE id IN (
          SELECT id FROM bench_claims WHERE NOT done AND due <= now() ORDER BY due LIMIT 500 FOR UPDATE SKIP LOCKED)
        RETURNING id`.execute(trx),
    );
    if (!r.rows.length) break;
    n += r.rows.length;
  }
  return { claimed: n, perSecond: n / ((performance.now() - t0) / 1000) };
}

async function main() {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'siyu-bench-journeys-'));
  const database = args.postgres ? await scratchDatabase() : null;
  const config = loadConfig({ DATA_DIR: dataDir, LOG_LEVEL: 'silent', ...(database ? { DATABASE_URL: database.url } : {}) } as NodeJS.ProcessEnv);
  const clock = manualClock('2026-06-15T04:00:00Z');
  const stores = await openStores(config, { log: createLogger('silent'), command: 'bench journeys', clock: clock as Clock });
  const ctx = stores as typeof stores & { clock: typeof clock };
  const store = args.postgres ? 'PostgreSQL server' : 'PGlite (embedded)';
  try {
    const { workspace } = await ensureWorkspace(stores, { slug: 'bench', name: 'bench' }, systemActor);
    const tmpl = await createTemplate(stores, workspace.id, { name: 'bench', channel: 'sms', content: { text: '您好 {{customer.name}}' } }, by);
    console.log(`# journeys bench — ${store}\n${machine()}\nload: ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}\n`);
    const t = await transitions(ctx, workspace.id, tmpl.id);
    console.log(`transitions: ${t.transitions} in ${t.seconds.toFixed(1)} s`);
    const raw = await rawClaims(ctx);
    console.log(`raw claims: ${raw.claimed}`);
    const e = await entering(ctx, workspace.id, tmpl.id);
    console.log(`entered: ${e.entered}`);
    // Timers run on wall time.
    const real = { ...ctx, clock: { now: () => new Date() } };
    const tm = await timers(real, workspace.id, tmpl.id);
    console.log(
      table([
        { measure: `step transitions/s (${RUNS} runs, 2 passes)`, value: Math.round(t.perSecond), goal: '≥ 10,000' },
        { measure: 'raw SKIP LOCKED claims/s (ceiling)', value: Math.round(raw.perSecond), goal: '' },
        { measure: 'engine ÷ ceiling', value: (t.perSecond / raw.perSecond).toFixed(2), goal: '' },
        { measure: `${e.entered} customers entering one journey: entrants/s`, value: Math.round(e.perSecond), goal: '' },
        { measure: 'heap before / first quarter / last quarter / peak', value: `${mb(e.base)} / ${mb(e.early)} / ${mb(e.late)} / ${mb(e.peak)}`, goal: 'flat' },
        { measure: `${tm.done} timers due in one minute: lateness p50 / p99 / max`, value: `${tm.p50.toFixed(0)} / ${tm.p99.toFixed(0)} / ${tm.max.toFixed(0)} ms`, goal: 'p99 < 1,000 ms' },
      ]),
    );
  } finally {
    await stores.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
    await database?.drop();
  }
}

await main();
