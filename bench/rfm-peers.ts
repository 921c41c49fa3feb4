// The peers of the RFM benchmark: the same RFM over the same orders in PostgreSQL (SQL) and in
// pandas, with the same definition as Siyu's ClickHouse query, so all three must agree on every
// segment's size.
import { execFileSync, spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import type { EventsStore } from '../src/store/index.js';

export interface RfmWindow {
  from: Date;
  now: Date;
  timezone: string;
}

/** Orders of the workspace as CSV: order_id, customer_id, status, ordered_at (UTC text), epoch ms, total_fen, refunded_fen, version. */
export async function exportOrdersCsv(events: EventsStore, workspaceId: string, file: string): Promise<void> {
  // INTO OUTFILE takes a literal only; the path is the benchmark's own directory.
  if (!/^[\w/.-]+$/.test(file)) throw new Error(`unexpected characters in ${file}`);
  await events.command(
    `SELECT order_id, customer_id, status, concat(toString(ordered_at), '+00'), toUnixTimestamp64Milli(ordered_at), total_fen, refunded_fen, version
     FROM ${events.table('orders')} WHERE workspace_id = {ws:UUID}
     INTO OUTFILE '${file}' TRUNCATE FORMAT CSV`,
    { ws: workspaceId },
  );
}

// MATERIALIZED: computed once, not inlined into every row that reads the cut points.
const PG_RFM = `
  WITH latest AS (
    SELECT DISTINCT ON (order_id) order_id, customer_id, status, ordered_at, total_fen, refunded_fen
    FROM orders ORDER BY order_id, version DESC
  ), per AS (
    SELECT coalesce(a.customer_id, l.customer_id) AS cid,
      ($3::date - max((l.ordered_at AT TIME ZONE $4)::date)) AS rd, count(*) AS fv, sum(greatest(l.total_fen - l.refunded_fen, 0)) AS mv
    FROM latest l LEFT JOIN customer_aliases a ON a.alias_id = l.customer_id
    WHERE l.status = 'completed' AND l.ordered_at >= $1 AND l.ordered_at <= $2
    GROUP BY 1
  ), sorted AS MATERIALIZED (
    SELECT count(*) AS n, array_agg(rd ORDER BY rd) AS rs, array_agg(fv ORDER BY fv) AS fs, array_agg(mv ORDER BY mv) AS ms FROM per
  ), cuts AS MATERIALIZED (
    SELECT
      ARRAY(SELECT rs[floor(l * n)::int + 1] FROM unnest(ARRAY[0.2, 0.4, 0.6, 0.8]::float8[]) l) AS rq,
      ARRAY(SELECT fs[floor(l * n)::int + 1] FROM unnest(ARRAY[0.2, 0.4, 0.6, 0.8]::float8[]) l) AS fq,
      ARRAY(SELECT ms[floor(l * n)::int + 1] FROM unnest(ARRAY[0.2, 0.4, 0.6, 0.8]::float8[]) l) AS mq
    FROM sorted
  ), scored AS (
    SELECT 1 + (rd < rq[1])::int + (rd < rq[2])::int + (rd < rq[3])::int + (rd < rq[4])::int AS r,
           1 + (fv > fq[1])::int + (fv > fq[2])::int + (fv > fq[3])::int + (fv > fq[4])::int AS f,
           1 + (mv > mq[1])::int + (mv > mq[2])::int + (mv > mq[3])::int + (mv > mq[4])::int AS m
    FROM per, cuts
  ), centered AS (
    SELECT r, f, m, avg(r) OVER () AS rc, avg(f) OVER () AS fc, avg(m) OVER () AS mc FROM scored
  )
  SELECT (r > rc)::int * 4 + (f > fc)::int * 2 + (m > mc)::int AS bits, count(*)::int AS n FROM centered GROUP BY bits`;

export interface PeerResult {
  timesMs: number[];
  segments: number[];
  loadMs: number;
  note: string;
}

/** Loads the CSV into a fresh database on the PostgreSQL server and runs the RFM `runs` times. */
export async function postgresRfm(serverUrl: string, csv: string, w: RfmWindow, runs: number): Promise<PeerResult> {
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  await admin.query('DROP DATABASE IF EXISTS siyu_bench_rfm WITH (FORCE)');
  await admin.query('CREATE DATABASE siyu_bench_rfm');
  await admin.end();
  const url = new URL(serverUrl);
  url.pathname = '/siyu_bench_rfm';
  const db = new pg.Client({ connectionString: url.toString() });
  await db.connect();
  try {
    await db.query(`CREATE UNLOGGED TABLE orders (order_id text, customer_id uuid, status text, ordered_at timestamptz, ordered_ms bigint, total_fen bigint, refunded_fen bigint, version int)`);
    await db.query(`CREATE TABLE customer_aliases (alias_id uuid PRIMARY KEY, customer_id uuid NOT NULL)`);
    const t0 = performance.now();
    execFileSync('psql', [url.toString(), '-q', '-c', `\\copy orders FROM '${csv}' CSV`], { env: { ...process.env, PGTZ: 'UTC' } });
    await db.query('ANALYZE orders');
    const loadMs = performance.now() - t0;
    // Give the planner the memory a dedicated analytics query would get.
    await db.query(`SET work_mem = '512MB'`);
    const settings = (await db.query(`SELECT current_setting('max_parallel_workers_per_gather') AS p, current_setting('shared_buffers') AS sb`)).rows[0];
    const timesMs: number[] = [];
    let segments: number[] = [];
    const today = new Intl.DateTimeFormat('en-CA', { timeZone: w.timezone }).format(w.now);
    for (let i = 0; i < runs; i++) {
      const t = performance.now();
      const { rows } = await db.query<{ bits: number; n: number }>(PG_RFM, [w.from, w.now, today, w.timezone]);
      timesMs.push(performance.now() - t);
      segments = Array.from({ length: 8 }, (_, b) => rows.find((r) => r.bits === b)?.n ?? 0);
    }
    return { timesMs, segments, loadMs, note: `PostgreSQL 15, work_mem 512MB, ${settings.p} parallel workers per gather, shared_buffers ${settings.sb}` };
  } finally {
    await db.end();
    const cleanup = new pg.Client({ connectionString: serverUrl });
    await cleanup.connect();
    await cleanup.query('DROP DATABASE IF EXISTS siyu_bench_rfm WITH (FORCE)');
    await cleanup.end();
  }
}

/** Debian's python3 with python3-pandas (not a virtualenv's). */
const PYTHON = '/usr/bin/python3';

export function pandasRfm(csv: string, w: RfmWindow, runs: number): PeerResult {
  const script = path.join(path.dirname(fileURLToPath(import.meta.url)), 'rfm_pandas.py');
  const offset = tzOffsetMs(w.now, w.timezone);
  const r = spawnSync(PYTHON, [script, csv, String(w.from.getTime()), String(w.now.getTime()), String(offset), String(runs)], { encoding: 'utf8', maxBuffer: 1 << 24 });
  if (r.status !== 0) throw new Error(`pandas failed: ${r.stderr || r.error?.message}`);
  const out = JSON.parse(r.stdout.trim().split('\n').pop()!);
  return { timesMs: out.times_ms, segments: out.segments, loadMs: out.load_ms, note: `pandas ${out.pandas} (Debian python3-pandas), one process` };
}

/** The zone's UTC offset at an instant (Asia/Shanghai has had no DST since 1991). */
function tzOffsetMs(at: Date, timeZone: string): number {
  const local = new Date(at.toLocaleString('en-US', { timeZone }));
  const utc = new Date(at.toLocaleString('en-US', { timeZone: 'UTC' }));
  return local.getTime() - utc.getTime();
}
