// Where the ingest time goes: intake (inbox) and drain (worker) timed apart, no HTTP; with
// PATH_=log, the API's path instead: events processed straight from memory as from the log.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { systemActor } from '../src/audit/index.js';
import { ensureWorkspace } from '../src/auth/index.js';
import { createLogger, loadConfig } from '../src/core/index.js';
import { drainInbox, ingestBatch, normalizeEvent, processEvents } from '../src/ingest/index.js';
import { openStores } from '../src/store/index.js';
import { message } from './ingest-data.js';

const EVENTS = Number(process.env.EVENTS ?? 10000);
const CUSTOMERS = Number(process.env.CUSTOMERS ?? 2000);
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'siyu-prof-'));
const config = loadConfig({ DATA_DIR: dataDir, LOG_LEVEL: 'silent', ...(process.env.PG ? { DATABASE_URL: process.env.PG } : {}) } as NodeJS.ProcessEnv);
const stores = await openStores(config, { log: createLogger('silent'), command: 'bench' });
const { workspace } = await ensureWorkspace(stores, { slug: 'bench', name: 'bench' }, systemActor);
const fromLog = process.env.PATH_ === 'log';
const env = { receivedAt: new Date(), ip: '127.0.0.1' };
const logged = fromLog ? Array.from({ length: EVENTS }, (_, n) => { const r = normalizeEvent(message(n % CUSTOMERS, n), env, stores.clock); if (!r.ok) throw new Error(r.detail); return r.event; }) : [];
let t = performance.now();
for (let n = 0; n < (fromLog ? 0 : EVENTS); n += 100) {
  await ingestBatch(stores, workspace.id, { batch: Array.from({ length: 100 }, (_, k) => message((n + k) % CUSTOMERS, n + k)) }, { receivedAt: new Date(), ip: '127.0.0.1', userAgent: 'x' } as never);
}
console.log('intake', Math.round(EVENTS / ((performance.now() - t) / 1000)), 'ev/s');
// Statement times are process CPU (PGlite runs on this thread; chDB's threads count too): steadier than wall time on a shared machine.
const cpuMs = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; };
const starts = new Map<unknown, [number, string]>();
const stats = new Map<string, [number, number]>();
const timed = { ...stores, db: stores.db.withPlugin({
  transformQuery(a: { node: unknown; queryId: unknown }) { const n = a.node as { kind: string; sqlFragments?: string[]; from?: { froms: { table: { identifier: { name: string } } }[] }; into?: { table: { identifier: { name: string } } }; table?: { table: { identifier: { name: string } } } };
    const name = n.kind + ' ' + (n.sqlFragments?.[0]?.slice(0, 60).replace(/\s+/g, ' ') ?? n.from?.froms[0]?.table?.identifier?.name ?? n.into?.table?.identifier?.name ?? n.table?.table?.identifier?.name ?? '');
    starts.set(a.queryId, [cpuMs(), name]); return a.node as never; },
  async transformResult(a: { result: unknown; queryId: unknown }) { const s = starts.get(a.queryId); if (s) { const st = stats.get(s[1]) ?? [0, 0]; st[0] += cpuMs() - s[0]; st[1]++; stats.set(s[1], st); } return a.result as never; },
}) } as typeof stores;
const ins = stores.events.insert.bind(stores.events); const qq = stores.events.query.bind(stores.events);
let chIns = 0, chQ = 0;
stores.events.insert = async (tb, rows) => { const t0 = cpuMs(); await ins(tb, rows); chIns += cpuMs() - t0; };
stores.events.query = (async (q: string, p?: Record<string, unknown>) => { const t0 = performance.now(); const r = await qq(q, p); chQ += performance.now() - t0; return r; }) as typeof stores.events.query;
t = performance.now();
const cpu0 = process.cpuUsage();
if (fromLog) for (let n = 0; n < EVENTS; n += Number(process.env.BATCH ?? 250)) await processEvents(timed, [{ workspaceId: workspace.id, events: logged.slice(n, n + Number(process.env.BATCH ?? 250)) }]);
else await drainInbox(timed, Number(process.env.BATCH ?? 250));
const cpu = process.cpuUsage(cpu0);
console.log('CPU', ((cpu.user + cpu.system) / 1e6).toFixed(1), 's, load', os.loadavg()[0].toFixed(2));
for (const [k, v] of [...stats].sort((a, b) => b[1][0] - a[1][0])) console.log(Math.round(v[0]), v[1], k);
console.log('ch insert (CPU ms)', Math.round(chIns), 'ch query (wall ms)', Math.round(chQ));
console.log('drain', Math.round(EVENTS / ((performance.now() - t) / 1000)), 'ev/s');
await stores.close();
fs.rmSync(dataDir, { recursive: true, force: true });
