// Ingest benchmark: /v1/batch throughput with identity resolution, ack latency at a fixed 5,000
// events/s, and, in the same run, the ceiling: raw inserts of the same rows into the events store
// with no HTTP and no identity work. Two workloads: first sight (one event of each of --customers
// people, every one new: a customer and 3 identities created per event) and sustained (--events
// events of those same people, as a live stream is mostly people seen before). The load generator
// is its own process (bench/ingest-client.ts): CPU times below are the server's (with chDB's
// threads) only.
//
//   node --import tsx bench/ingest.ts [--events 200000] [--customers 20000] [--postgres]
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { buildServer } from '../src/api/index.js';
import { systemActor } from '../src/audit/index.js';
import { createWriteKey, ensureWorkspace } from '../src/auth/index.js';
import { createLogger, loadConfig, newId } from '../src/core/index.js';
import { startIngestWorker } from '../src/ingest/index.js';
import { chTime, openStores } from '../src/store/index.js';
import { message } from './ingest-data.js';
import { machine, percentile, table } from './machine.js';
import { scratchDatabase } from './scratch-database.js';

const { values: args } = parseArgs({
  options: {
    events: { type: 'string', default: '200000' },
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

/** With BENCH_PROFILE=file, a V8 CPU profile of the server during the sustained run. */
async function profile(): Promise<() => Promise<void>> {
  const file = process.env.BENCH_PROFILE;
  if (!file) return async () => undefined;
  const { Session } = await import('node:inspector/promises');
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
  return async () => {
    const { profile } = await session.post('Profiler.stop');
    fs.writeFileSync(file, JSON.stringify(profile));
    session.disconnect();
  };
}

async function main() {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'siyu-bench-ingest-'));
  const database = args.postgres ? await scratchDatabase() : null;
  const config = loadConfig({ DATA_DIR: dataDir, LOG_LEVEL: 'silent', ...(database ? { DATABASE_URL: database.url } : {}) } as NodeJS.ProcessEnv);
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
    while ((await stored()) < n) await new Promise((r) => setTimeout(r, 20));
  };
  const cpu = (from: NodeJS.CpuUsage) => {
    const u = process.cpuUsage(from);
    return (u.user + u.system) / 1e6;
  };

  /** Sends `events` from message number `from` as fast as acks come; times the acks and the storing. */
  const run = async (from: number, events: number) => {
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    await client({ ...common, phase: 'sustained', from, events, concurrency: CONCURRENCY });
    const ackSeconds = (performance.now() - t0) / 1000;
    const ackCpu = cpu(cpu0);
    await waitStored(from + events);
    const storedSeconds = (performance.now() - t0) / 1000;
    return { events, ackSeconds, ackCpu, storedSeconds, storedCpu: cpu(cpu0), load: os.loadavg()[0] };
  };

  // 1. First sight: one event of each person, all new. 2. Sustained: the same people again.
  // BENCH_PROFILE_PHASE=first profiles the first-sight run instead of the sustained one.
  const profiled = process.env.BENCH_PROFILE_PHASE === 'first' ? 'first' : 'sustained';
  let stopProfile = profiled === 'first' ? await profile() : null;
  const first = await run(0, CUSTOMERS);
  if (stopProfile) await stopProfile();
  else stopProfile = await profile();
  const sustained = await run(CUSTOMERS, EVENTS);
  if (profiled === 'sustained') await stopProfile();

  // 3. Paced: 5,000 events/s in batches of BATCH (people seen before), ack latency of each request.
  const pacedSeconds = Number(args['paced-seconds']);
  const pacedCpu0 = process.cpuUsage();
  const from = CUSTOMERS + EVENTS;
  const paced = await client<{ latencies: number[]; sent: number }>({ ...common, phase: 'paced', from, rate: 5000, seconds: pacedSeconds });
  const latencies = paced.latencies;
  const pacedCpu = cpu(pacedCpu0);
  latencies.sort((a, b) => a - b);
  await waitStored(from + paced.sent);

  // 4. Ceiling: as many rows as the sustained run, straight into the events store.
  const received = chTime(new Date());
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
      received_at: received,
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

  const rawRate = EVENTS / rawSeconds;
  const rate = (n: number, s: number) => Math.round(n / s);
  const phase = (name: string, r: typeof first) => [
    { measure: `${name}: /v1/batch acked`, 'events/s': rate(r.events, r.ackSeconds), note: `${r.ackSeconds.toFixed(1)} s wall, ${r.ackCpu.toFixed(1)} s CPU` },
    {
      measure: `${name}: resolved and stored`,
      'events/s': rate(r.events, r.storedSeconds),
      note: `${r.storedSeconds.toFixed(1)} s wall, ${r.storedCpu.toFixed(1)} s CPU (${((r.storedCpu / r.events) * 1e6).toFixed(0)} µs an event), ${((rate(r.events, r.storedSeconds) / rawRate) * 100).toFixed(1)}% of the ceiling, load ${r.load.toFixed(1)}`,
    },
  ];
  console.log(`\n${machine()}`);
  console.log(
    `state store: ${args.postgres ? 'PostgreSQL server' : 'PGlite (embedded)'}, events store: chDB (embedded); ${CUSTOMERS} people (3 ids each) first seen, then ${EVENTS} events of theirs; batches of ${BATCH}, ${CONCURRENCY} connections; ${Number(customers.n)} customers at the end\n`,
  );
  console.log(
    table([
      ...phase('first sight (every event a new person)', first),
      ...phase('sustained (people seen before)', sustained),
      { measure: 'ceiling: raw events-store insert', 'events/s': Math.round(rawRate), note: `${rawCpu.toFixed(1)} s CPU, batches of 10,000` },
      { measure: `ack latency at 5,000 events/s (${pacedSeconds} s)`, 'events/s': 5000, note: `p50 ${percentile(latencies, 50).toFixed(1)} ms, p99 ${percentile(latencies, 99).toFixed(1)} ms, ${pacedCpu.toFixed(1)} s CPU` },
    ]),
  );
  console.log(`\nload average (1 min) at the end: ${os.loadavg()[0].toFixed(2)}`);
  await database?.drop();
}

await main();
