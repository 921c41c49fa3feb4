// OneID bulk resolution (issue 4): a customer import of --customers people with 3 ids each
// (member id, phone, unionid) resolved through resolveMany in chunks, as the ingest worker does
// for imported rows; then the same people again (all known). Goal: 1,000,000 in ≤ 20 s.
// In the same run, the store's ceiling: the same customer and identity rows (values sealed
// beforehand, untimed) written into a fresh store by the same kind of statements, with no lookup,
// lock or other Siyu work: what storing the graph costs at least.
//
//   node --import tsx bench/identity.ts [--customers 1000000] [--chunk 50000] [--postgres]
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { sql } from 'kysely';
import { systemActor } from '../src/audit/index.js';
import { ensureWorkspace } from '../src/auth/index.js';
import { createLogger, loadConfig } from '../src/core/index.js';
import { type Identifier, loadIdentityRules, resolveMany } from '../src/identity/index.js';
import { textColumn } from '../src/identity/columns.js';
import { newId } from '../src/core/index.js';
import { openStores, type Stores } from '../src/store/index.js';
import { machine, table } from './machine.js';
import { scratchDatabase } from './scratch-database.js';

const { values: args } = parseArgs({
  options: { customers: { type: 'string', default: '1000000' }, chunk: { type: 'string', default: '50000' }, postgres: { type: 'boolean', default: false } },
});
const N = Number(args.customers);
const CHUNK = Number(args.chunk);

const person = (i: number): Identifier[] => [
  { type: 'user_id', collection: '', value: `M${10_000_000 + i}` },
  { type: 'phone', collection: '', value: `+86139${String(i).padStart(8, '0')}` },
  { type: 'wechat_unionid', collection: 'users', value: `oUnion_${i.toString(36)}` },
];

// CPU: this process's (Node, and PGlite's WebAssembly when embedded), and on the PostgreSQL
// server that of the backends serving this benchmark's database (read from /proc: same machine).
const row = (p: Pass) => ({
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

/** A fresh state store (PGlite in a temporary directory, or a new database on the server) with the bench workspace. */
async function benchStores() {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'siyu-bench-identity-'));
  const database = args.postgres ? await scratchDatabase() : null;
  const config = loadConfig({ DATA_DIR: dataDir, LOG_LEVEL: 'silent', ...(database ? { DATABASE_URL: database.url } : {}) } as NodeJS.ProcessEnv);
  const stores = await openStores(config, { log: createLogger('silent'), command: 'bench identity' });
  const { workspace } = await ensureWorkspace(stores, { slug: 'bench', name: 'bench' }, systemActor);
  const count = async (t: 'customers' | 'identities') =>
    Number((await stores.db.selectFrom(t).select((eb) => eb.fn.countAll<number>().as('n')).where('workspace_id', '=', workspace.id).executeTakeFirstOrThrow()).n);
  const close = async () => {
    await stores.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
    await database?.drop();
  };
  return { stores, workspaceId: workspace.id, count, close };
}

type Pass = { seconds: number; cpu: number; serverCpu: number; load: number };

/** Times fn, with this process's CPU and the server backends' CPU; `value` is what fn returned. */
async function timed<T>(stores: Stores, fn: () => Promise<T>): Promise<Pass & { value: T }> {
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const server0 = await serverCpu(stores);
  const value = await fn();
  const cpu = process.cpuUsage(cpu0);
  const server = await serverCpu(stores);
  const serverSeconds = [...server].reduce((sum, [pid, s]) => sum + s - (server0.get(pid) ?? 0), 0);
  return { seconds: (performance.now() - t0) / 1000, cpu: (cpu.user + cpu.system) / 1e6, serverCpu: serverSeconds, load: os.loadavg()[0], value };
}

/** The ceiling: each chunk's customers and identities written in one transaction, values sealed before the clock runs. */
async function ceiling(): Promise<Pass> {
  const { stores, workspaceId, count, close } = await benchStores();
  let spent: Pass = { seconds: 0, cpu: 0, serverCpu: 0, load: 0 };
  for (let i = 0; i < N; i += CHUNK) {
    const n = Math.min(CHUNK, N - i);
    const customers = Array.from({ length: n }, () => newId(stores.clock));
    const ids = Array.from({ length: n }, (_, k) => person(i + k)).flat();
    const stored = ids.map((id) => (id.type === 'phone' ? stores.secrets.blindIndex('phone', id.value) : id.value));
    const enc = ids.map((id) => (id.type === 'phone' ? stores.secrets.encrypt(id.value) : ''));
    const owner = ids.map((_, j) => customers[Math.floor(j / 3)]);
    const now = stores.clock.now();
    const chunk = await timed(stores, () =>
      stores.db.transaction().execute(async (tx) => {
        await sql`
          INSERT INTO customers (workspace_id, id, first_seen_at, last_seen_at, updated_at)
          SELECT ${workspaceId}, c.id::uuid, ${now}, ${now}, ${now} FROM unnest(${textColumn(customers)}) AS c(id)`.execute(tx);
        await sql`
          INSERT INTO identities (workspace_id, type, collection, value, value_enc, customer_id)
          SELECT ${workspaceId}, i.type, i.collection, i.value, nullif(i.enc, ''), i.customer::uuid
          FROM unnest(${textColumn(ids.map((id) => id.type))}, ${textColumn(ids.map((id) => id.collection))}, ${textColumn(stored)}, ${textColumn(enc)}, ${textColumn(owner)})
            AS i(type, collection, value, enc, customer)`.execute(tx);
      }),
    );
    spent = { seconds: spent.seconds + chunk.seconds, cpu: spent.cpu + chunk.cpu, serverCpu: spent.serverCpu + chunk.serverCpu, load: chunk.load };
  }
  if ((await count('customers')) !== N || (await count('identities')) !== 3 * N) throw new Error('the ceiling run did not store every row');
  await close();
  return spent;
}

async function main() {
  const { stores, workspaceId, count, close } = await benchStores();
  const rules = await loadIdentityRules(stores.db, workspaceId);
  const at = new Date('2026-01-01T00:00:00Z');

  /** Resolves everyone once; its value is how many sets resolveMany settled. */
  const pass = () =>
    timed(stores, async () => {
      let settled = 0;
      for (let i = 0; i < N; i += CHUNK) {
        const sets = Array.from({ length: Math.min(CHUNK, N - i) }, (_, k) => ({ identifiers: person(i + k), at }));
        settled += (await resolveMany(stores, workspaceId, sets, rules)).filter(Boolean).length;
        if (process.stderr.isTTY) process.stderr.write(`\r${i + sets.length} / ${N}`);
      }
      return settled;
    });
  const first = await pass();
  const second = await pass();
  const customers = await count('customers');
  const identities = await count('identities');
  await close();
  if (customers !== N || identities !== 3 * N || first.value !== N || second.value !== N) throw new Error(`expected ${N} customers and ${3 * N} identities, got ${customers} and ${identities}`);
  const bare = await ceiling();
  console.log(`\n${machine()}`);
  console.log(`state store: ${args.postgres ? 'PostgreSQL server' : 'PGlite (embedded)'}; ${N} people × 3 ids, chunks of ${CHUNK}\n`);
  console.log(
    table([
      { pass: 'new people (customers and ids created)', ...row(first) },
      { pass: 'same people again (all known)', ...row(second) },
      { pass: 'ceiling: the same rows inserted, no Siyu work', ...row(bare) },
    ]),
  );
  console.log(`\nthe new pass takes ${(first.seconds / bare.seconds).toFixed(2)}× the ceiling's time`);
}

await main();
