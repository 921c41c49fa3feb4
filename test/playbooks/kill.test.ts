import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { buildServer, type Server } from '../../src/api/index.js';
import { systemActor } from '../../src/audit/index.js';
import { loadMasterKey } from '../../src/core/index.js';
import { loadDemo } from '../../src/demo/index.js';
import { runJourneysOnce } from '../../src/journeys/index.js';
import { CLAIM_MS, SEND_LEASE_MS } from '../../src/messages/index.js';
import { installPlaybook, NEW_CUSTOMER_TOUCHES } from '../../src/playbooks/index.js';
import { clearTokenCache, mountWecomDemo, type WecomDemo, wecomIdle } from '../../src/wecom/index.js';
import { createDatabase, dropDatabase, storeKind, type TestCtx } from '../support/stores.js';
import { fileClockStores, killWorker, setFileClock, startWorker, until } from '../support/workers.js';

/**
 * Done-when, second half: the 7-day plan on the demo brand while the process running the journeys
 * worker and the outbox dispatcher is killed with SIGKILL again and again, and restarted. The
 * customer still gets each planned message once, in a golden window. Needs the PostgreSQL server
 * (two processes share the state store), so it runs in the postgres project only.
 */

const HOUR = 3_600_000;
const suffix = randomBytes(5).toString('hex');
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'siyu-pkill-'));
const clockFile = path.join(dataDir, 'clock');
let dbName = '';
let url = '';
let ctx: TestCtx;
let app: Server;
let demo: WecomDemo;
let child: ChildProcess | null = null;
let now = new Date('2026-06-15T02:10:00Z');

const setClock = (d: Date) => {
  now = d;
  setFileClock(clockFile, d);
};

const startChild = () =>
  startWorker('test/playbooks/worker-child.ts', { DATABASE_URL: url, DATA_DIR: path.join(dataDir, 'child'), SIYU_CLOCK_FILE: clockFile, SIYU_SECRET_KEY: loadMasterKey(dataDir).toString('base64') });

async function kill(): Promise<void> {
  const p = child;
  child = null;
  await killWorker(p);
}

/** Nothing due, twice 30 ms apart (a step's send may be queued just after the step moved on). */
async function quiet(): Promise<boolean> {
  if (!(await quietNow())) return false;
  await new Promise((r) => setTimeout(r, 30));
  return quietNow();
}

async function quietNow(): Promise<boolean> {
  const runs = await ctx.db.selectFrom('journey_runs').select('id').where('status', 'in', ['active', 'waiting']).where('next_at', '<=', now).executeTakeFirst();
  if (runs) return false;
  const msgs = await ctx.db
    .selectFrom('messages')
    .select('id')
    // A claimed row keeps its status with not_before pushed a lease ahead: count it as due too.
    .where('status', 'in', ['queued', 'deferred', 'sending'])
    .where((eb) => eb.or([eb('not_before', 'is', null), eb('not_before', '<=', new Date(now.getTime() + Math.max(CLAIM_MS, SEND_LEASE_MS)))]))
    .executeTakeFirst();
  return !msgs;
}

function localHour(at: Date): number {
  const parts = new Intl.DateTimeFormat('en-GB', { timeZone: 'Asia/Shanghai', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).formatToParts(at);
  const get = (t: string) => Number(parts.find((p) => p.type === t)!.value);
  return get('hour') + get('minute') / 60;
}

describe.skipIf(storeKind !== 'postgres')('the 7-day plan with its worker killed (kill -9)', () => {
  beforeAll(async () => {
    clearTokenCache();
    dbName = `siyu_pkill_${suffix}`;
    url = await createDatabase(dbName);
    setClock(now);
    ctx = await fileClockStores({ databaseUrl: url, dataDir, clockFile, eventsDatabase: `pk_${suffix}` });
    await loadDemo(ctx, { customers: 100 });
    app = await buildServer(ctx, { logger: false });
    demo = await mountWecomDemo(ctx, app);
    await app.listen({ port: 0, host: '127.0.0.1' });
    const address = app.server.address();
    await demo.connect(`http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`);
    setClock(new Date(now.getTime() + 10 * 60_000));
  }, 300_000);

  afterAll(async () => {
    await kill();
    await demo?.stop();
    await app?.close();
    await ctx?.close();
    if (dbName) await dropDatabase(dbName);
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('sends each planned message once, in a golden window, across restarts', async () => {
    const ws = await ctx.db.selectFrom('workspaces').select(['id', 'timezone']).where('slug', '=', 'demo').executeTakeFirstOrThrow();
    const { journey, items } = await installPlaybook(ctx, ws, 'new_customer_7d', { publish: true }, { actor: systemActor });
    const code = await ctx.db.selectFrom('wecom_codes').select('config_id').where('workspace_id', '=', ws.id).where('kind', '=', 'contact').orderBy('created_at').executeTakeFirstOrThrow();
    const added = await demo.simulator.addContact(code.config_id);
    await demo.simulator.idle();
    await wecomIdle();
    const customerId = (await ctx.db.selectFrom('wecom_relations').select('customer_id').where('workspace_id', '=', ws.id).where('external_userid', '=', added.externalUserid).executeTakeFirstOrThrow()).customer_id;
    // The parent reads the add (it holds the events) and puts the customer in the journey.
    await runJourneysOnce(ctx, { limit: 0 });
    expect(await ctx.db.selectFrom('journey_runs').select('id').where('journey_id', '=', journey.id).execute()).toHaveLength(1);

    child = await startChild();
    let kills = 0;
    for (let h = 1; h <= 7 * 24 + 2; h++) {
      setClock(new Date(now.getTime() + HOUR));
      // Every ninth hour, kill the worker a few milliseconds into its work, and start a new one.
      if (h % 9 === 0) {
        await new Promise((r) => setTimeout(r, h % 4));
        await kill();
        kills++;
        child = await startChild();
      }
      await until(quiet);
    }
    // Let the last worker finish what it holds before stopping it.
    await until(async () => !(await ctx.db.selectFrom('messages').select('id').where('status', 'in', ['queued', 'sending']).where((eb) => eb.or([eb('not_before', 'is', null), eb('not_before', '<=', new Date(now.getTime() + 10 * 60_000))])).executeTakeFirst()));
    await kill();
    expect(kills).toBeGreaterThanOrEqual(18);

    const sent = await ctx.db
      .selectFrom('messages')
      .select(['template_id', 'status', 'sent_at', 'reason', 'step_id'])
      .where('workspace_id', '=', ws.id)
      .where('customer_id', '=', customerId)
      .where('source_id', '=', journey.id)
      .orderBy('created_at')
      .execute();
    const template = (k: string) => items.find((i) => i.kind === 'message_template' && i.key === k)!.id;
    expect(sent.map((m) => m.template_id)).toEqual(NEW_CUSTOMER_TOUCHES.map((t) => template(t.key)));
    // WeCom has no idempotency key: a send cut off mid-call is marked failed ("outcome unknown"),
    // never repeated. Whatever was sent was sent once, in a golden window.
    const tasks = [...demo.simulator.corp.msgTemplates.values()].filter((t) => [...t.tasks.values()].some((x) => x.targets.some((target) => target.id === added.externalUserid)));
    const ok = sent.filter((m) => m.status === 'sent' || m.status === 'delivered');
    expect(tasks).toHaveLength(ok.length);
    for (const m of sent) if (m.status !== 'sent' && m.status !== 'delivered') expect(`${m.step_id}: ${m.status} ${m.reason}`).toMatch(/unknown/i);
    expect(ok.length).toBeGreaterThanOrEqual(4);
    for (const m of ok) expect([7, 12, 19].some((a) => localHour(m.sent_at!) >= a && localHour(m.sent_at!) < (a === 7 ? 9 : a === 12 ? 13 : 22))).toBe(true);
    const grants = await ctx.db.selectFrom('coupon_grants').select('id').where('workspace_id', '=', ws.id).where('customer_id', '=', customerId).execute();
    expect(grants).toHaveLength(1);
    const runs = await ctx.db.selectFrom('journey_runs').select('status').where('journey_id', '=', journey.id).execute();
    expect(runs.map((r) => r.status)).toEqual(['completed']);
    const visits = await sql<{ n: string }>`SELECT count(*) AS n FROM journey_steps WHERE journey_id = ${journey.id}`.execute(ctx.db);
    expect(Number(visits.rows[0].n)).toBe(2 + NEW_CUSTOMER_TOUCHES.length * 2 + (NEW_CUSTOMER_TOUCHES.length - 1) + 1);
  }, 600_000);
});
