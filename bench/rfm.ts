// RFM and segment benchmark (issue 5). Generates the demo brand straight into embedded chDB,
// then measures, in one run on this machine:
//   - RFM full recompute: the scoring query alone, and with storing a snapshot;
//   - the live count of a 5-condition segment rule;
//   - membership refresh of a segment over the whole workspace (first and steady state);
//   - the same RFM in PostgreSQL (SQL, on the local server) and in pandas, as ratios.
// Usage: npx tsx bench/rfm.ts [--customers 1000000] [--mean-orders 10] [--runs 5] [--reuse] [--skip-peers] [--copies K] [--merged-share 0.05]
//   --copies K generates customers/K and copies them K times in ClickHouse with fresh ids (bench/rfm-data.ts).
//   --merged-share S: the RFM query and the live count again with S of the customers merged into others
//   (OneID aliases, removed afterwards): the generated brand has no merges, which lets queries skip the remap.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { randomBytes } from 'node:crypto';
import { systemActor } from '../src/audit/index.js';
import { ensureWorkspace } from '../src/auth/index.js';
import { createLogger, createSecrets, DAY_MS, loadConfig, manualClock } from '../src/core/index.js';
import { type Ctx, migrateEventsStore, migrateStateStore, openEventsStore, openStateStore } from '../src/store/index.js';
import { compileEnv, compileInto, computeRfmSnapshot, createSegment, DEFAULT_RFM_SETTINGS, hasMerges, matchingSql, Params, refreshSegment, rfmScoresSql, type Rule } from '../src/segments/index.js';
import { generateIntoEvents, replicateInEvents } from './rfm-data.js';
import { exportOrdersCsv, pandasRfm, postgresRfm } from './rfm-peers.js';
import { ADMIN_URL } from './scratch-database.js';

const { values: args } = parseArgs({
  options: {
    customers: { type: 'string', default: '1000000' },
    'mean-orders': { type: 'string', default: '10' },
    'event-density': { type: 'string', default: '0.02' },
    runs: { type: 'string', default: '5' },
    reuse: { type: 'boolean', default: false },
    'skip-peers': { type: 'boolean', default: false },
    copies: { type: 'string', default: '1' },
    'merged-share': { type: 'string', default: '0.05' },
    postgres: { type: 'string', default: ADMIN_URL },
  },
});
const customers = Number(args.customers);
const runs = Number(args.runs);
const NOW = new Date('2026-06-15T04:00:00Z');
const TZ = 'Asia/Shanghai';
const dir = path.resolve('bench/out', `rfm-${customers}`);
const log = (s: string) => process.stderr.write(`${s}\n`);

/** Wall time, and CPU time of this process (chDB's threads included): the work done, whatever else the machine runs. */
async function timed<T>(fn: () => Promise<T>): Promise<{ ms: number; cpuMs: number; value: T }> {
  const t = performance.now();
  const c = process.cpuUsage();
  const value = await fn();
  const cpu = process.cpuUsage(c);
  return { ms: performance.now() - t, cpuMs: (cpu.user + cpu.system) / 1000, value };
}

async function repeat<T>(n: number, fn: (i: number) => Promise<T>): Promise<{ times: number[]; cpu: number[]; last: T }> {
  const times: number[] = [];
  const cpu: number[] = [];
  let last!: T;
  for (let i = 0; i < n; i++) {
    const r = await timed(() => fn(i));
    times.push(r.ms);
    cpu.push(r.cpuMs);
    last = r.value;
  }
  return { times, cpu, last };
}

/**
 * Waits until the events store has no merge running (at most 60 s): the previous step's inserts
 * (snapshots, memberships) are merged in the background, which on 2 cores takes CPU from the
 * next measurement (the live count took 141 → 94 ms over five runs while they ran).
 */
async function settle(events: Ctx['events']): Promise<void> {
  for (let i = 0; i < 600; i++) {
    const [r] = await events.query<{ n: number }>(`SELECT count() AS n FROM system.merges`);
    if (Number(r.n) === 0) return;
    await new Promise((done) => setTimeout(done, 100));
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const fmt = (ms: number) => (ms >= 10_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms)} ms`);

async function main() {
  // --reuse keeps the generated events store only; the state store starts afresh.
  fs.rmSync(args.reuse ? path.join(dir, 'state') : dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  const clock = manualClock(NOW);
  const db = await openStateStore({ dir: path.join(dir, 'state') });
  const events = await openEventsStore({ dir: path.join(dir, 'events'), database: 'bench' });
  await migrateStateStore(db);
  const migrated = await timed(() => migrateEventsStore(events));
  if (migrated.value.length) log(`events-store migrations ${migrated.value.join(', ')}: ${fmt(migrated.ms)}`);
  const ctx: Ctx = {
    config: loadConfig({ DATA_DIR: dir, LOG_LEVEL: 'silent' } as NodeJS.ProcessEnv),
    clock,
    log: createLogger('silent'),
    db,
    events,
    secrets: createSecrets(randomBytes(32)),
  };
  const [generated] = await events.query<{ ws: string; n: number }>(`SELECT toString(any(workspace_id)) AS ws, count() AS n FROM ${events.table('orders')}`);
  const reused = args.reuse && Number(generated.n) > 0;
  if (reused) {
    await db.insertInto('workspaces').values({ id: generated.ws, slug: 'bench', name: 'RFM bench', timezone: TZ, settings: '{}' }).execute();
  }
  const { workspace } = await ensureWorkspace(ctx, { slug: 'bench', name: 'RFM bench' }, systemActor);
  const ws = { id: workspace.id, timezone: TZ };

  if (!reused) {
    const copies = Number(args.copies);
    log(`generating ${customers / copies} customers (mean ${args['mean-orders']} orders) into chDB${copies > 1 ? `, then ${copies} copies` : ''}…`);
    const gen = await timed(() =>
      generateIntoEvents(events, ws.id, {
        customers: customers / copies,
        meanOrders: Number(args['mean-orders']),
        eventDensity: Number(args['event-density']),
        now: NOW,
        scratch: dir,
        onProgress: (done) => done % 100_000 === 0 && log(`  ${done} customers`),
      }),
    );
    log(`generated ${JSON.stringify(gen.value)} in ${fmt(gen.ms)}`);
    if (copies > 1) {
      const rep = await timed(() => replicateInEvents(events, ws.id, copies));
      log(`copied ${copies}× in ${fmt(rep.ms)}`);
    }
    log('merging parts…');
    for (const table of ['orders', 'events', 'customer_profiles']) await events.command(`OPTIMIZE TABLE ${events.table(table)} FINAL`);
  }
  const [size] = await events.query<{ customers: number; orders: number; events: number }>(
    `SELECT (SELECT count() FROM ${events.table('customer_profiles')}) AS customers, (SELECT count() FROM ${events.table('orders')}) AS orders, (SELECT count() FROM ${events.table('events')}) AS events`,
  );
  log(`data: ${JSON.stringify(size)}`);

  // 1. RFM: the scoring query over every customer (aggregated so no rows cross into Node).
  const rfmRun = async () => {
    const merges = await hasMerges(events, ws.id);
    const p = new Params(ws.id);
    const [r] = await events.query<{ n: number; segments: number[] }>(
      `SELECT count() AS n, [countIf(segment = 'general_winback'), countIf(segment = 'important_winback'), countIf(segment = 'general_retain'), countIf(segment = 'important_retain'),
         countIf(segment = 'general_develop'), countIf(segment = 'important_develop'), countIf(segment = 'general_value'), countIf(segment = 'important_value')] AS segments
       FROM (${rfmScoresSql(ctx, DEFAULT_RFM_SETTINGS, p, NOW, TZ, merges)})`,
      p.values,
    );
    return r;
  };
  await settle(events);
  const rfmQuery = await repeat(runs, rfmRun);
  const rfmStore = await repeat(runs, () => computeRfmSnapshot(ctx, ws));

  // 2. Live count of a 5-condition rule: 重要挽留/保持 in big cities with dry or sensitive skin
  //    who viewed 面霜 in the last 30 days but did not buy it.
  const rule: Rule = {
    type: 'and',
    rules: [
      { type: 'rfm', segments: ['important_winback', 'important_retain'] },
      { type: 'event', event: 'Product Viewed', where: [{ property: 'category', op: 'eq', value: '面霜' }], time: { lastDays: 30 } },
      { type: 'not', rule: { type: 'orders', metric: 'count', op: 'gte', value: 1, product: { categories: ['面霜'] }, time: { lastDays: 30 } } },
      { type: 'trait', field: 'city', op: 'in', value: ['上海', '北京', '杭州', '广州', '深圳', '成都'] },
      { type: 'trait', field: 'skin_type', op: 'in', value: ['干皮', '敏感'] },
    ],
  };
  await ctx.db.insertInto('trait_keys').values({ workspace_id: ws.id, key: 'skin_type', type: 'string' }).onConflict((oc) => oc.doNothing()).execute();
  const liveRun = async () => {
    const env = await compileEnv(ctx, ws, [rule]);
    const p = new Params(ws.id);
    const expr = compileInto(env, p, rule, 'rule');
    const [r] = await events.query<{ n: number }>(`SELECT count() AS n FROM (${matchingSql(ctx, expr)})`, p.values);
    return Number(r.n);
  };
  await settle(events);
  const liveCount = await repeat(runs, liveRun);

  // 3. Membership refresh over the whole workspace: repeat buyers or big-city customers.
  const broad: Rule = { type: 'or', rules: [{ type: 'computed', field: 'order_count', op: 'gte', value: 2 }, { type: 'trait', field: 'city', op: 'in', value: ['上海', '北京'] }] };
  await settle(events);
  const first = await timed(() => createSegment(ctx, ws, { name: `bench-${Date.now()}`, rule: broad }, { actor: systemActor }));
  const steady = await repeat(runs, async () => {
    clock.advance(DAY_MS);
    return refreshSegment(ctx, ws, first.value.id);
  });
  clock.set(NOW);

  // 3b. The same RFM query and live count with a share of the customers merged into others (the
  //     remap path every brand with OneID merges takes); the aliases are removed afterwards.
  const share = Number(args['merged-share']);
  let merged: { aliases: number; rfm: { times: number[]; cpu: number[] }; live: { times: number[]; cpu: number[]; last: number } } | null = null;
  if (share > 0) {
    const pairs = Math.floor(Number(size.customers) * share);
    await events.command(
      `INSERT INTO ${events.table('customer_aliases')} (workspace_id, alias_id, customer_id, version)
       SELECT {ws:UUID}, pair.1, pair.2, 1 FROM (
         SELECT groupArray(customer_id) AS ids FROM (SELECT customer_id FROM ${events.table('customer_profiles')} WHERE workspace_id = {ws:UUID} ORDER BY cityHash64(customer_id) LIMIT {n2:UInt32})
       ) ARRAY JOIN arrayZip(arraySlice(ids, 1, {n:UInt32}), arraySlice(ids, {n:UInt32} + 1, {n:UInt32})) AS pair`,
      { ws: ws.id, n: pairs, n2: pairs * 2 },
    );
    await settle(events);
    merged = { aliases: pairs, rfm: await repeat(runs, rfmRun), live: await repeat(runs, liveRun) };
    await events.command(`DELETE FROM ${events.table('customer_aliases')} WHERE workspace_id = {ws:UUID}`, { ws: ws.id });
  }

  // 4. Peers over the same orders.
  const csv = path.join(dir, 'orders.csv');
  if (!fs.existsSync(csv) && !args['skip-peers']) await exportOrdersCsv(events, ws.id, csv);
  const window = { from: new Date('2025-06-15T16:00:00Z'), now: NOW, timezone: TZ };
  const skipped = { timesMs: [Number.NaN], segments: [] as number[] };
  log('PostgreSQL…');
  const pgr = args['skip-peers'] ? skipped : await postgresRfm(args.postgres!, csv, window, runs);
  log('pandas…');
  const pd = args['skip-peers'] ? skipped : pandasRfm(csv, window, runs);

  const ours = rfmQuery.last.segments.map(Number);
  const agree = JSON.stringify(ours) === JSON.stringify(pgr.segments) && JSON.stringify(ours) === JSON.stringify(pd.segments);
  const chMs = median(rfmQuery.times);
  const result = {
    machine: `${os.cpus()[0].model}, ${os.cpus().length} cores, ${Math.round(os.totalmem() / 2 ** 30)} GiB RAM, Node ${process.version}`,
    data: size,
    rfm: { customersScored: Number(rfmQuery.last.n), queryMs: rfmQuery.times, queryCpuMs: rfmQuery.cpu, storeMs: rfmStore.times, storeCpuMs: rfmStore.cpu },
    liveCount: { matches: liveCount.last, ms: liveCount.times, cpuMs: liveCount.cpu },
    membership: { members: first.value.members, firstMs: first.ms, steadyMs: steady.times, steadyCpuMs: steady.cpu, steadyChanges: steady.last.changed },
    merged: merged && { aliases: merged.aliases, rfmMs: merged.rfm.times, rfmCpuMs: merged.rfm.cpu, liveCountMs: merged.live.times, liveCountCpuMs: merged.live.cpu, liveCountMatches: merged.live.last },
    loadAverage: os.loadavg(),
    postgres: { ...pgr, ratio: median(pgr.timesMs) / chMs },
    pandas: { ...pd, ratio: median(pd.timesMs) / chMs },
    segmentsAgree: agree,
    segments: ours,
  };
  fs.writeFileSync(path.join(dir, 'result.json'), JSON.stringify(result, null, 2));
  const rows: [string, string, string, string][] = [
    ['RFM scoring query (Siyu, chDB)', fmt(median(rfmQuery.times)), fmt(Math.min(...rfmQuery.times)), fmt(median(rfmQuery.cpu))],
    ['RFM recompute + store snapshot (Siyu)', fmt(median(rfmStore.times)), fmt(Math.min(...rfmStore.times)), fmt(median(rfmStore.cpu))],
    ['Live count, 5-condition rule (Siyu)', fmt(median(liveCount.times)), fmt(Math.min(...liveCount.times)), fmt(median(liveCount.cpu))],
    [`Membership refresh, first (${first.value.members} enter)`, fmt(first.ms), fmt(first.ms), fmt(first.cpuMs)],
    [`Membership refresh, next day (${steady.last.changed} changes)`, fmt(median(steady.times)), fmt(Math.min(...steady.times)), fmt(median(steady.cpu))],
    ...(merged
      ? ([
          [`RFM scoring query, ${merged.aliases} customers merged`, fmt(median(merged.rfm.times)), fmt(Math.min(...merged.rfm.times)), fmt(median(merged.rfm.cpu))],
          [`Live count, ${merged.aliases} customers merged`, fmt(median(merged.live.times)), fmt(Math.min(...merged.live.times)), fmt(median(merged.live.cpu))],
        ] as [string, string, string, string][])
      : []),
    [`RFM in PostgreSQL SQL (${result.postgres.ratio.toFixed(1)}× Siyu)`, fmt(median(pgr.timesMs)), fmt(Math.min(...pgr.timesMs)), ''],
    [`RFM in pandas (${result.pandas.ratio.toFixed(1)}× Siyu)`, fmt(median(pd.timesMs)), fmt(Math.min(...pd.timesMs)), ''],
  ];
  process.stdout.write(`\n${result.machine}\n${size.customers} customers, ${size.orders} orders, ${size.events} events; ${result.rfm.customersScored} customers scored\n\n`);
  process.stdout.write(`| measurement | median | best | CPU (median) |\n| --- | --- | --- | --- |\n${rows.map((r) => `| ${r.join(' | ')} |`).join('\n')}\n\n`);
  process.stdout.write(`segments (bits 4R+2F+M) agree across chDB, PostgreSQL and pandas: ${agree} ${JSON.stringify(ours)}\n`);
  await db.destroy();
  await events.close();
}

await main();
