// Ingest benchmark: sustained /v1/batch throughput with identity resolution, ack latency at a
// fixed 5,000 events/s, and, in the same run, the ceiling: raw inserts of the same rows into the
// events store with no HTTP and no identity work. The load generator is its own process
// (bench/ingest-client.ts): CPU times below are the server's (with chDB's threads) only.
//
//   node --import tsx bench/ingest.ts [--events 100000] [--customers 20000] [--postgres]
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { buildServer } from '../src/api/index.js';
import { systemActor } from '../src/audit/index.js';
import { createWriteKey, ensureWorkspace } from '../src/auth/index.js';
import { createLogger, loadConfig, newId } from '../src/core/index.js';
import { startIngestWorker } from '../src/ingest/index.js';
import { chTime, openStores } from '../src/store/index.js';
import { message } from './ingest-data.js';
import { machine, percentile, table } from './machine.js';

const { values: args } = parseArgs({
  options: {
    events: { type: 'string', default: '100000' },
    customers: { type: 'string', default: '20000' },
    batch: { type: 'string', default: '100' },
    concurrency: { type: 'string', default: '8' },
    'paced-seconds': { type: 'string', default: '20' },
    postgres: { type: 'boolean', default: false },
  },
});
const EVENTS = Number(args.events);
const CUSTOMERS = Number(args.customers);
const BATCH = Number(args.batch);
const CONCURRENCY = Number(args.concurrency);

/** Runs bench/ingest-client.ts (the load generator) in its own process; returns its JSON result. */
async function client<T>(args: Record<string, string | number>): Promise<T> {
  const argv = Object.entries(args).flatMap(([k, v]) => [`--${k}`, String(v)]);
  const proc = spawn(process.execPath, ['--import', 'tsx', path.join(path.dirname(fileURLToPath(import.meta.url)), 'ingest-client.ts'), ...argv], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  proc.stdout.on('data', (d) => (out += String(d)));
  const code = await new Promise((r) => proc.on('exit', r));
  if (code !== 0) throw new Error(`the load generator exited with ${code}`);
  return JSON.parse(out) as T;
}

async function main() {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'siyu-bench-ingest-'));
  let databaseUrl: string | undefined;
  if (args.postgres) {
    const name = `siyu_bench_${randomBytes(4).toString('hex')}`;
    const admin = new pg.Client({ connectionString: 'postgres://postgres@127.0.0.1:5432/test' });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
    await admin.end();
    databaseUrl = `postgres://postgres@127.0.0.1:5432/${name}`;
  }
  const config = loadConfig({ DATA_DIR: dataDir, LOG_LEVEL: 'silent', ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}) } as NodeJS.ProcessEnv);
  const stores = await openStores(config, { log: createLogger('silent'), command: 'bench ingest' });
  const { workspace } = await ensureWorkspace(stores, { slug: 'bench', name: 'bench' }, systemActor);
  const { key } = await createWriteKey(stores, workspace.id, { name: 'bench' }, { actor: systemActor });
  const app = await buildServer(stores, { logger: false });
  const url = await app.listen({ port: 0, host: '127.0.0.1' });
  const stopWorker = startIngestWorker(stores, { intervalMs: 50 });
  const auth = `Basic ${Buffer.from(`${key}:`).toString('base64')}`;
  const common = { url, auth, customers: CUSTOMERS, batch: BATCH };
  const stored = async () =>
    Number((await stores.events.query<{ n: number }>(`SELECT count() AS n FROM ${stores.events.table('events')} WHERE workspace_id = {ws:UUID}`, { ws: workspace.id }))[0].n);
  const waitStored = async (n: number) => {
    while ((await stored()) < n) await new Promise((r) => setTimeout(r, 100));
  };

  // 1. Sustained: as fast as the server acks, then until every event is resolved and stored.
  const cpu = (from: NodeJS.CpuUsage) => {
    const u = process.cpuUsage(from);
    return (u.user + u.system) / 1e6;
  };
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await client({ ...common, phase: 'sustained', events: EVENTS, concurrency: CONCURRENCY });
  const ackSeconds = (performance.now() - t0) / 1000;
  const ackCpu = cpu(cpu0);
  await waitStored(EVENTS);
  const storedSeconds = (performance.now() - t0) / 1000;
  const storedCpu = cpu(cpu0);
  const loadAfterSustained = os.loadavg()[0];

  // 2. Paced: 5,000 events/s in batches of BATCH, ack latency of each request.
  const pacedSeconds = Number(args['paced-seconds']);
  const pacedCpu0 = process.cpuUsage();
  const paced = await client<{ latencies: number[]; sent: number }>({ ...common, phase: 'paced', from: EVENTS, rate: 5000, seconds: pacedSeconds });
  const latencies = paced.latencies;
  const sent = EVENTS + paced.sent;
  const pacedCpu = cpu(pacedCpu0);
  latencies.sort((a, b) => a - b);
  await waitStored(sent);

  // 3. Ceiling: the same number of rows straight into the events store.
  const rows = Array.from({ length: EVENTS }, (_, n) => {
    const m = message(n % CUSTOMERS, n);
    return {
      workspace_id: workspace.id,
      message_id: `raw-${n}`,
      type: 'track',
      event: m.event,
      customer_id: newId(),
      user_id: m.userId,
      anonymous_id: m.anonymousId,
      timestamp: chTime(new Date(m.timestamp)),
      received_at: chTime(new Date()),
      properties: JSON.stringify(m.properties),
      context: JSON.stringify(m.context),
      traits: '{}',
    };
  });
  const r0 = performance.now();
  const rawCpu0 = process.cpuUsage();
  for (let i = 0; i < rows.length; i += 10_000) await stores.events.insert('events', rows.slice(i, i + 10_000));
  const rawSeconds = (performance.now() - r0) / 1000;
  const rawCpu = cpu(rawCpu0);

  const customers = await stores.db.selectFrom('customers').select((eb) => eb.fn.countAll<number>().as('n')).where('workspace_id', '=', workspace.id).executeTakeFirstOrThrow();
  await stopWorker();
  await app.close();
  await stores.close();
  fs.rmSync(dataDir, { recursive: true, force: true });

  const siyuRate = EVENTS / storedSeconds;
  const rawRate = EVENTS / rawSeconds;
  console.log(`\n${machine()}`);
  console.log(`state store: ${args.postgres ? 'PostgreSQL server' : 'PGlite (embedded)'}, events store: chDB (embedded); ${EVENTS} events over ${CUSTOMERS} customers (3 ids each), batches of ${BATCH}, ${CONCURRENCY} connections\n`);
  console.log(
    table([
      { measure: 'Siyu /v1/batch, acked', 'events/s': Math.round(EVENTS / ackSeconds), note: `${ackSeconds.toFixed(1)} s wall, ${ackCpu.toFixed(1)} s CPU` },
      { measure: 'Siyu /v1/batch, resolved and stored', 'events/s': Math.round(siyuRate), note: `${storedSeconds.toFixed(1)} s wall, ${storedCpu.toFixed(1)} s CPU, ${Number(customers.n)} customers` },
      { measure: 'ceiling: raw events-store insert', 'events/s': Math.round(rawRate), note: `${rawCpu.toFixed(1)} s CPU; Siyu reaches ${((siyuRate / rawRate) * 100).toFixed(1)}% of it` },
      { measure: `ack latency at 5,000 events/s (${pacedSeconds} s)`, 'events/s': 5000, note: `p50 ${percentile(latencies, 50).toFixed(1)} ms, p99 ${percentile(latencies, 99).toFixed(1)} ms, ${pacedCpu.toFixed(1)} s CPU` },
    ]),
  );
  console.log(`\nload average (1 min): ${loadAfterSustained.toFixed(2)} after the sustained run, ${os.loadavg()[0].toFixed(2)} at the end`);
  if (databaseUrl) {
    const admin = new pg.Client({ connectionString: 'postgres://postgres@127.0.0.1:5432/test' });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS ${new URL(databaseUrl).pathname.slice(1)} WITH (FORCE)`);
    await admin.end();
  }
}

await main();
