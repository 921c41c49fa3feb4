import { afterAll, beforeAll, expect, it } from 'vitest';
import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { buildServer } from '../../src/api/index.js';
import { drainInbox, flushIngestLog, ingestBatch } from '../../src/ingest/index.js';
import type { StateDB } from '../../src/store/index.js';
import { apiKey, bearer, seedWorkspace, type TestApp, testApp } from '../support/app.js';
import { storeKind, TEST_DATABASE_URL } from '../support/stores.js';
import { eventCount, send, writeKey } from './support.js';

// Several processes share one PostgreSQL server. Workers claim inbox rows (imports, retries) with
// SKIP LOCKED; API servers each process their own log; both link identities under advisory locks.
// Here two workers with their own connection pools drain one inbox at the same time, and two API
// servers take the same people's events at once; every person must end as exactly one customer.
let t: TestApp;
let ws: string;
let key: string;
let admin: string;

beforeAll(async () => {
  t = await testApp();
  ws = (await seedWorkspace(t.ctx, 'workers')).id;
  key = await writeKey(t.ctx, ws);
  admin = await apiKey(t.ctx, ws, 'admin');
});
afterAll(() => t?.close());

async function secondPool(): Promise<Kysely<StateDB>> {
  const { rows } = await sql<{ db: string }>`select current_database() as db`.execute(t.ctx.db);
  const url = new URL(TEST_DATABASE_URL);
  url.pathname = `/${rows[0].db}`;
  return new Kysely<StateDB>({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: url.toString(), max: 5 }) }) });
}

const people = Array.from({ length: 40 }, (_, i) => i);
/** Each person shows up on three devices before anything links them, in interleaved requests. */
const batchesFor = (p: string) => [
  people.map((i) => ({ type: 'page', anonymousId: `${p}-web-${i}`, name: 'Home' })),
  people.map((i) => ({ type: 'track', anonymousId: `${p}-app-${i}`, event: 'Product Viewed', context: { externalIds: [{ id: `${p}-openid-${i}`, type: 'wechat_openid', collection: 'wx-mini' }] } })),
  people.map((i) => ({ type: 'identify', userId: `${p}-member-${i}`, traits: { phone: `+86136${p === 'w' ? '0' : '1'}${String(i).padStart(7, '0')}` } })),
  people.map((i) => ({ type: 'alias', userId: `${p}-member-${i}`, previousId: `${p}-web-${i}` })),
  people.map((i) => ({ type: 'identify', anonymousId: `${p}-app-${i}`, traits: { phone: `+86136${p === 'w' ? '0' : '1'}${String(i).padStart(7, '0')}` } })),
  people.map((i) => ({ type: 'track', userId: `${p}-member-${i}`, event: 'Order Completed', properties: { order_id: `${p}-o-${i}`, total: 10 + i } })),
];

/** Every person of prefix p is one customer with all five ids. */
async function expectOneCustomerEach(p: string) {
  for (const i of people) {
    const ids = await Promise.all(
      [`user_id/${p}-member-${i}`, `anonymous_id/${p}-web-${i}`, `anonymous_id/${p}-app-${i}`, `wechat_openid/${p}-openid-${i}`, `phone/136${p === 'w' ? '0' : '1'}${String(i).padStart(7, '0')}`].map(async (path) => {
        const res = await t.app.inject({ url: `/api/customers/by-identifier/${path}`, headers: bearer(admin) });
        return res.json().id as string;
      }),
    );
    expect(new Set(ids).size).toBe(1);
  }
}

it('two workers draining one inbox concurrently leave one customer per person and every event once', async () => {
  // Written to the inbox as imports do (the API processes its own log, see the next test).
  for (const batch of batchesFor('w')) expect(await ingestBatch(t.ctx, ws, { batch }, { receivedAt: t.ctx.clock.now(), ip: '127.0.0.1' })).toMatchObject({ accepted: 40, rejected: [] });

  const other = storeKind === 'postgres' ? await secondPool() : null;
  try {
    const second = other ? { ...t.ctx, db: other } : t.ctx;
    const [a, b] = await Promise.all([drainInbox(t.ctx, 15), drainInbox(second, 15)]);
    expect(a + b).toBe(240);
    if (other) expect(Math.min(a, b)).toBeGreaterThan(0);
  } finally {
    await other?.destroy();
  }

  const pending = await t.ctx.db.selectFrom('ingest_inbox').select('message_id').where('workspace_id', '=', ws).where('processed_at', 'is', null).execute();
  expect(pending).toEqual([]);
  expect(await eventCount(t.ctx, ws)).toBe(240);
  await expectOneCustomerEach('w');
  const dashboard = (await t.app.inject({ url: '/api/dashboard', headers: bearer(admin) })).json();
  expect(dashboard).toMatchObject({ customers: 40, orders30d: 40, buyers30d: 40 });
  const conflicts = (await t.app.inject({ url: '/api/identity/conflicts', headers: bearer(admin) })).json().items;
  expect(conflicts).toEqual([]);
});

it('two API servers, each with its own log, take the same people at once: one customer each, every event once', async () => {
  const other = storeKind === 'postgres' ? await secondPool() : null;
  const second = await buildServer(other ? { ...t.ctx, db: other } : t.ctx, { logger: false });
  try {
    // Batches alternate between the servers, sent at the same time, so both process at once.
    const servers = [t, { app: second }];
    const sent = await Promise.all(batchesFor('s').map((batch, k) => send(servers[k % 2] as TestApp, key, '/v1/batch', { batch })));
    for (const res of sent) expect(res.json()).toMatchObject({ accepted: 40, duplicates: 0, rejected: [] });
    await Promise.all([flushIngestLog(t.ctx), other ? flushIngestLog({ ...t.ctx, db: other }) : null]);
  } finally {
    await second.close();
    await other?.destroy();
  }
  expect(await eventCount(t.ctx, ws)).toBe(480);
  await expectOneCustomerEach('s');
  const dashboard = (await t.app.inject({ url: '/api/dashboard', headers: bearer(admin) })).json();
  expect(dashboard).toMatchObject({ customers: 80, orders30d: 80, buyers30d: 80 });
  const conflicts = (await t.app.inject({ url: '/api/identity/conflicts', headers: bearer(admin) })).json().items;
  expect(conflicts).toEqual([]);
});
