// Import benchmark (issue 4): an order export of --rows rows (with a few bad rows) through
// `siyu import`'s path, in one run on this machine:
//   - intake: read, map, validate and store the rows durably in the inbox (the import itself);
//   - processing: the ingest worker resolving OneID and folding the orders;
//   - re-import of the same file (everything a duplicate);
//   - memory: the JS heap the import holds while streaming a small and a --big file (it does not grow);
//   - peers in the same run: csv-parse alone (the parsing ceiling) and PostgreSQL COPY of the same
//     CSV into a plain table (no validation, no identity, no orders).
//
//   node --expose-gc --import tsx bench/imports.ts [--rows 100000] [--big 2000000] [--postgres]
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { parseArgs } from 'node:util';
import { parse } from 'csv-parse';
import { systemActor } from '../src/audit/index.js';
import { ensureWorkspace } from '../src/auth/index.js';
import { createLogger, loadConfig } from '../src/core/index.js';
import { importLocalFile, prepareLocalFile } from '../src/imports/index.js';
import { drainInbox } from '../src/ingest/index.js';
import { openStores } from '../src/store/index.js';
import { machine, table } from './machine.js';
import { ADMIN_URL, scratchDatabase } from './scratch-database.js';

const { values: args } = parseArgs({
  options: {
    rows: { type: 'string', default: '100000' },
    big: { type: 'string', default: '2000000' },
    postgres: { type: 'boolean', default: false },
  },
});
const ROWS = Number(args.rows);
const BIG = Number(args.big);

/** Writes an order export (Chinese header, yuan, local times) row by row; every 10,000th row is bad. */
async function writeOrders(file: string, n: number): Promise<{ good: number; netFen: number }> {
  const out = fs.createWriteStream(file);
  const write = (s: string) => (out.write(s) ? Promise.resolve() : new Promise<void>((r) => out.once('drain', () => r())));
  await write('订单号,会员ID,手机号,下单时间,实付金额(元),订单状态,商品编码,数量\n');
  let good = 0;
  let netFen = 0;
  for (let i = 0; i < n; i++) {
    if (i % 10_000 === 9_999) {
      await write(`B${i},M${i % 30_011},,2025-03-01 10:00:00,-12.50,已完成,SKU-1,1\n`);
      continue;
    }
    const fen = 100 + ((i * 7919) % 99_900);
    const refunded = i % 20 === 19;
    const phone = i % 3 === 0 ? `139${String(i % 30_011).padStart(8, '0')}` : '';
    await write(`O${i},M${i % 30_011},${phone},2025-${String(1 + (i % 12)).padStart(2, '0')}-${String(1 + (i % 28)).padStart(2, '0')} ${String(i % 24).padStart(2, '0')}:15:00,${(fen / 100).toFixed(2)},${refunded ? '已退款' : '已完成'},SKU-${i % 50},${1 + (i % 3)}\n`);
    good++;
    if (!refunded) netFen += fen;
  }
  await new Promise<void>((r) => out.end(() => r()));
  return { good, netFen };
}

/**
 * Times fn and samples the JS heap left after a full GC at every progress report (run node with
 * --expose-gc): what the import holds, not the garbage V8 has not collected yet. PGlite's and
 * chDB's own memory is outside the JS heap.
 */
async function measure<T>(fn: (sample: () => void) => Promise<T>): Promise<{ value: T; retainedMiB: number; seconds: number }> {
  let retained = 0;
  const sample = () => {
    global.gc?.();
    retained = Math.max(retained, process.memoryUsage().heapUsed);
  };
  const t0 = performance.now();
  const value = await fn(sample);
  return { value, retainedMiB: retained / 2 ** 20, seconds: (performance.now() - t0) / 1000 };
}

async function main() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'siyu-bench-imports-'));
  const small = path.join(dir, 'orders.csv');
  const big = path.join(dir, 'orders-big.csv');
  const expected = await writeOrders(small, ROWS);
  await writeOrders(big, BIG);

  const database = args.postgres ? await scratchDatabase() : null;
  const config = loadConfig({ DATA_DIR: path.join(dir, 'data'), LOG_LEVEL: 'silent', ...(database ? { DATABASE_URL: database.url } : {}) } as NodeJS.ProcessEnv);
  const stores = await openStores(config, { log: createLogger('silent'), command: 'bench imports' });
  const ws = (await ensureWorkspace(stores, { slug: 'bench', name: 'bench' }, systemActor)).workspace.id;
  const prepared = await prepareLocalFile(small, { kind: 'orders', encoding: 'utf-8', overrides: {} });

  // 1. The import as `siyu import` runs it, split into intake and processing.
  const intake = await measure((sample) => importLocalFile(stores, ws, prepared, { createdBy: 'bench', drain: false, onProgress: sample }));
  const t0 = performance.now();
  await drainInbox(stores);
  const processSeconds = (performance.now() - t0) / 1000;
  const [totals] = await stores.events.query<{ n: number; net: number }>(`SELECT count() AS n, sum(total_fen - refunded_fen) AS net FROM ${stores.events.table('orders')} FINAL WHERE workspace_id = {ws:UUID}`, { ws });
  if (Number(totals.n) !== expected.good || Number(totals.net) !== expected.netFen) throw new Error(`orders differ from the file: ${JSON.stringify(totals)} vs ${JSON.stringify(expected)}`);
  const again = await measure((sample) => importLocalFile(stores, ws, prepared, { createdBy: 'bench', onProgress: sample }));
  if (again.value.imported !== 0) throw new Error(`re-import imported ${again.value.imported} rows`);

  // 2. Memory against file size: intake of a file BIG / ROWS times larger (into another workspace).
  const ws2 = (await ensureWorkspace(stores, { slug: 'bench-big', name: 'bench big' }, systemActor)).workspace.id;
  const bigPrepared = await prepareLocalFile(big, { kind: 'orders', encoding: 'utf-8', overrides: {} });
  const bigIntake = await measure((sample) => importLocalFile(stores, ws2, bigPrepared, { createdBy: 'bench', drain: false, onProgress: sample }));
  await stores.close();

  // 3. Peers: parsing alone, and PostgreSQL COPY of the same file.
  const parseOnly = await measure(async (sample) => {
    let n = 0;
    await pipeline(fs.createReadStream(small), parse({ relax_column_count: true }), async (rows: AsyncIterable<unknown>) => {
      for await (const _ of rows) if (++n % 10_000 === 0) sample();
    });
    return n;
  });
  const copy = copyInto(small);

  const mb = (f: string) => `${(fs.statSync(f).size / 2 ** 20).toFixed(1)} MB`;
  console.log(`\n${machine()}`);
  console.log(`state store: ${args.postgres ? 'PostgreSQL server' : 'PGlite (embedded)'}, events store: chDB (embedded); ${ROWS} order rows (${mb(small)}, ${ROWS - expected.good} bad), ${BIG} rows for the memory check (${mb(big)})\n`);
  const rate = (rows: number, s: number) => Math.round(rows / s);
  console.log(
    table([
      { measure: 'Siyu import: intake (parse, map, validate, inbox)', 'rows/s': rate(ROWS, intake.seconds), seconds: intake.seconds.toFixed(1), 'JS heap held': `${intake.retainedMiB.toFixed(0)} MiB` },
      { measure: 'Siyu ingest worker: OneID, profiles, orders', 'rows/s': rate(ROWS, processSeconds), seconds: processSeconds.toFixed(1), 'JS heap held': '' },
      { measure: 'Siyu import end to end (intake + processing)', 'rows/s': rate(ROWS, intake.seconds + processSeconds), seconds: (intake.seconds + processSeconds).toFixed(1), 'JS heap held': '' },
      { measure: 'Siyu re-import of the same file (all duplicates)', 'rows/s': rate(ROWS, again.seconds), seconds: again.seconds.toFixed(1), 'JS heap held': `${again.retainedMiB.toFixed(0)} MiB` },
      { measure: `Siyu import: intake of ${BIG} rows`, 'rows/s': rate(BIG, bigIntake.seconds), seconds: bigIntake.seconds.toFixed(1), 'JS heap held': `${bigIntake.retainedMiB.toFixed(0)} MiB` },
      { measure: 'peer: csv-parse alone (parsing ceiling)', 'rows/s': rate(parseOnly.value, parseOnly.seconds), seconds: parseOnly.seconds.toFixed(1), 'JS heap held': `${parseOnly.retainedMiB.toFixed(0)} MiB` },
      ...(copy ? [{ measure: 'peer: PostgreSQL COPY into a plain table', 'rows/s': rate(ROWS, copy), seconds: copy.toFixed(1), 'JS heap held': '' }] : []),
    ]),
  );
  await database?.drop();
  fs.rmSync(dir, { recursive: true, force: true });
}

/** Seconds for psql to \copy the CSV into an unlogged table on the PostgreSQL server, or null without psql or server. */
function copyInto(file: string): number | null {
  const psql = (command: string) => spawnSync('psql', [ADMIN_URL, '-v', 'ON_ERROR_STOP=1', '-q', '-c', command], { encoding: 'utf8' });
  const created = psql('CREATE UNLOGGED TABLE IF NOT EXISTS bench_import_copy (order_id text, member text, phone text, ordered_at text, total text, status text, sku text, quantity text); TRUNCATE bench_import_copy');
  if (created.status !== 0) return null;
  try {
    const t0 = performance.now();
    const r = psql(`\\copy bench_import_copy FROM '${file}' WITH (FORMAT csv, HEADER true)`);
    if (r.status !== 0) throw new Error(`psql: ${r.stderr}`);
    return (performance.now() - t0) / 1000;
  } finally {
    psql('DROP TABLE IF EXISTS bench_import_copy');
  }
}

await main();
