import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { enterJourney } from '../../src/journeys/index.js';
import { createDatabase, dropDatabase, storeKind } from '../support/stores.js';
import { customer, seedCustomers, seedWorkspace } from '../support/app.js';
import type { TestCtx } from '../support/stores.js';
import { fileClockStores, killWorker, setFileClock, startWorker, until } from '../support/workers.js';
import { liveJourney, smsTemplate } from './support.js';

/**
 * kill -9 of a worker process at random moments, then a restart: every run finishes, and no
 * message or coupon exists twice. Needs the PostgreSQL server (embedded stores are locked to one
 * process), so it runs in the postgres project only.
 */
const N = 150;
const DAY = 86_400_000;
const suffix = randomBytes(5).toString('hex');
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'siyu-jkill-'));
const clockFile = path.join(dataDir, 'clock');
let dbName = '';
let url = '';
let ctx: TestCtx;
let child: ChildProcess | null = null;
let now = new Date('2026-06-15T02:00:00Z');

const setClock = (d: Date) => {
  now = d;
  setFileClock(clockFile, d);
};

const startChild = () => startWorker('test/journeys/worker-child.ts', { DATABASE_URL: url, DATA_DIR: dataDir, SIYU_CLOCK_FILE: clockFile, JOURNEY_BATCH: '3' });

async function kill(): Promise<void> {
  const p = child;
  child = null;
  await killWorker(p);
}

const count = async (table: 'messages' | 'coupon_grants') => Number((await ctx.db.selectFrom(table).select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow()).n);
const pending = async () =>
  Number(
    (
      await ctx.db
        .selectFrom('journey_runs')
        .select((eb) => eb.fn.countAll<string>().as('n'))
        .where('status', 'in', ['active', 'waiting'])
        .where('next_at', '<=', now)
        .executeTakeFirstOrThrow()
    ).n,
  );

describe.skipIf(storeKind !== 'postgres')('journeys worker killed with SIGKILL', () => {
  beforeAll(async () => {
    dbName = `siyu_jkill_${suffix}`;
    url = await createDatabase(dbName);
    setClock(now);
    ctx = await fileClockStores({ databaseUrl: url, dataDir, clockFile, eventsDatabase: `jk_${suffix}` });
  });
  afterAll(async () => {
    await kill();
    await ctx?.close();
    if (dbName) await dropDatabase(dbName);
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('continues after kill -9 at any moment and sends and grants nothing twice', async () => {
    const ws = await seedWorkspace(ctx, 'jkill');
    const hi = await smsTemplate(ctx, ws.id, 'hi');
    const coupon = await smsTemplate(ctx, ws.id, 'coupon', '券 {{grant.coupon.code}}');
    const people = await seedCustomers(ctx, ws.id, Array.from({ length: N }, (_, i) => customer({ name: `客户${i}` })));
    const j = await liveJourney(ctx, ws.id, {
      trigger: { kind: 'manual' },
      start: 'a',
      steps: [
        { id: 'a', kind: 'send', channel: 'sms', templateId: hi.id, next: 'w1' },
        { id: 'w1', kind: 'wait', duration: { days: 1 }, next: 'g' },
        { id: 'g', kind: 'grant', reward: { type: 'coupon', couponKey: 'c20', amountFen: 2000, validDays: 7 }, next: 'b' },
        { id: 'b', kind: 'send', channel: 'sms', templateId: coupon.id, next: 'w2' },
        { id: 'w2', kind: 'wait', duration: { days: 1 }, next: 'c' },
        { id: 'c', kind: 'send', channel: 'sms', templateId: hi.id },
      ],
    });
    await enterJourney(ctx, ws.id, j.id, people.map((p) => p.id));
    let kills = 0;
    for (const [day, expected] of [
      [0, N],
      [1, 2 * N],
      [2, 3 * N],
    ] as const) {
      setClock(new Date(Date.parse('2026-06-15T02:00:00Z') + day * DAY + 60_000));
      const before = await count('messages');
      child = await startChild();
      // Kill it mid-way through the day's work, twice, then let a fresh worker finish.
      for (const share of [0.2, 0.6]) {
        await until(async () => (await count('messages')) >= before + Math.floor((expected - before) * share), 90_000);
        await kill();
        kills++;
        child = await startChild();
      }
      await until(async () => (await pending()) === 0, 90_000);
      await kill();
      expect(await count('messages')).toBe(expected);
    }
    expect(kills).toBe(6);
    expect(await count('coupon_grants')).toBe(N);
    const runs = await ctx.db.selectFrom('journey_runs').select(['status']).where('journey_id', '=', j.id).execute();
    expect(runs.every((r) => r.status === 'completed')).toBe(true);
    const perCustomer = await ctx.db.selectFrom('messages').select(['customer_id', (eb) => eb.fn.count<string>('step_id').distinct().as('steps'), (eb) => eb.fn.countAll<string>().as('n')]).groupBy('customer_id').execute();
    expect(perCustomer).toHaveLength(N);
    expect(perCustomer.every((r) => Number(r.n) === 3 && Number(r.steps) === 3)).toBe(true);
    const visits = await ctx.db.selectFrom('journey_steps').select((eb) => eb.fn.countAll<string>().as('n')).where('journey_id', '=', j.id).executeTakeFirstOrThrow();
    expect(Number(visits.n)).toBe(6 * N);
  }, 300_000);
});
