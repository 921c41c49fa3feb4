// OneID bulk resolution (issue 4): a customer import of --customers people with 3 ids each
// (member id, phone, unionid) resolved through resolveMany in chunks, as the ingest worker does
// for imported rows; then the same people again (all known). Goal: 1,000,000 in ≤ 20 s.
//
//   node --import tsx bench/identity.ts [--customers 1000000] [--chunk 50000] [--postgres]
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { sql } from 'kysely';
import pg from 'pg';
import { systemActor } from '../src/audit/index.js';
import { ensureWorkspace } from '../src/auth/index.js';
import { createLogger, loadConfig } from '../src/core/index.js';
import { type Identifier, loadIdentityRules, resolveMany } from '../src/identity/index.js';
import { openStores, type Stores } from '../src/store/index.js';
import { machine, table } from './machine.js';

const { values: args } = parseArgs({
  options: { customers: { type: 'string', default: '1000000' }, chunk: { type: 'string', default: '50000' }, postgres: { type: 'boolean', default: false } },
});
const N = Number(args.customers);
const CHUNK = Number(args.chunk);
const ADMIN_URL = process.env.SIYU_BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

const person = (i: number): Identifier[] => [
  { type: 'user_id', collection: '', value: `M${10_000_000 + i}` },
  { type: 'phone', collection: '', value: `+86139${String(i).padStart(8, '0')}` },
  { type: 'wechat_unionid', collection: 'users', value: `oUnion_${i.toString(36)}` },
];

// CPU: this process's (Node, and PGlite's WebAssembly when embedded), and on the PostgreSQL
// server that of the backends serving this benchmark's database (read from /proc: same machine).
const row = (p: { seconds: number; cpu: number; serverCpu: number; load: number }) => ({
  seconds: p.seconds.toFixed(1),
  'people/s': Math.round(N / p.seconds),
  'CPU s (process)': p.cpu.toFixed(1),
  ...(args.postgres ? { 'CPU s (server)': p.serverCpu.toFixed(1) } : {}),
  'load (1 min)': p.load.toFixed(1),
});

/** CPU seconds so far of each PostgreSQL backend connected to this database. */
async function serverCpu(stores: Stores): Promise<Map<number, number>> {
  const cpu = new Map<number, number>();
  if (!args.postgres) return cpu;
  const { rows } = await sql<{ pid: number }>`SELECT pid FROM pg_stat_activity WHERE datname = current_database()`.execute(stores.db);
  for (const { pid } of rows) {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    cpu.set(pid, (Number(fields[11]) + Number(fields[12])) / 100); // utime + stime, in clock ticks of 1/100 s
  }
  return cpu;
}

async function main() {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'siyu-bench-identity-'));
  let databaseUrl: string | undefined;
  if (args.postgres) {
    const name = `siyu_bench_${randomBytes(4).toString('hex')}`;
    const admin = new pg.Client({ connectionString: ADMIN_URL });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
    await admin.end();
    databaseUrl = ADMIN_URL.replace(/\/[^/]*$/, `/${name}`);
  }
  const config = loadConfig({ DATA_DIR: dataDir, LOG_LEVEL: 'silent', ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}) } as NodeJS.ProcessEnv);
  const stores = await openStores(config, { log: createLogger('silent'), command: 'bench identity' });
  const { workspace } = await ensureWorkspace(stores, { slug: 'bench', name: 'bench' }, systemActor);
  const rules = await loadIdentityRules(stores.db, workspace.id);
  const at = new Date('2026-01-01T00:00:00Z');

  const pass = async () => {
    const t0 = performance.now();
    const cpu0 = process.cpuUsage();
    const server0 = await serverCpu(stores);
    let settled = 0;
    for (let i = 0; i < N; i += CHUNK) {
      const sets = Array.from({ length: Math.min(CHUNK, N - i) }, (_, k) => ({ identifiers: person(i + k), at }));
      settled += (await resolveMany(stores, workspace.id, sets, rules)).filter(Boolean).length;
      if (process.stderr.isTTY) process.stderr.write(`\r${i + sets.length} / ${N}`);
    }
    const cpu = process.cpuUsage(cpu0);
    const server = await serverCpu(stores);
    const serverSeconds = [...server].reduce((sum, [pid, s]) => sum + s - (server0.get(pid) ?? 0), 0);
    return { seconds: (performance.now() - t0) / 1000, cpu: (cpu.user + cpu.system) / 1e6, serverCpu: serverSeconds, load: os.loadavg()[0], settled };
  };
  const first = await pass();
  const second = await pass();
  const count = async (t: 'customers' | 'identities') =>
    Number((await stores.db.selectFrom(t).select((eb) => eb.fn.countAll<number>().as('n')).where('workspace_id', '=', workspace.id).executeTakeFirstOrThrow()).n);
  const customers = await count('customers');
  const identities = await count('identities');
  await stores.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
  if (databaseUrl) {
    const admin = new pg.Client({ connectionString: ADMIN_URL });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS ${new URL(databaseUrl).pathname.slice(1)} WITH (FORCE)`);
    await admin.end();
  }
  if (customers !== N || identities !== 3 * N || first.settled !== N || second.settled !== N) throw new Error(`expected ${N} customers and ${3 * N} identities, got ${customers} and ${identities}`);
  console.log(`\n${machine()}`);
  console.log(`state store: ${args.postgres ? 'PostgreSQL server' : 'PGlite (embedded)'}; ${N} people × 3 ids, chunks of ${CHUNK}\n`);
  console.log(
    table([
      { pass: 'new people (customers and ids created)', ...row(first) },
      { pass: 'same people again (all known)', ...row(second) },
    ]),
  );
}

await main();
