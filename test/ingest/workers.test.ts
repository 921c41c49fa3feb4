import { afterAll, beforeAll, expect, it } from 'vitest';
import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { drainInbox } from '../../src/ingest/index.js';
import type { StateDB } from '../../src/store/index.js';
import { apiKey, bearer, seedWorkspace, type TestApp, testApp } from '../support/app.js';
import { storeKind, TEST_DATABASE_URL } from '../support/stores.js';
import { eventCount, send, writeKey } from './support.js';

// Several worker processes share one PostgreSQL server: each claims inbox rows with SKIP LOCKED
// and links identities under advisory locks. Here two workers with their own connection pools
// drain one inbox at the same time; every person must end as exactly one customer.
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

it('two workers draining one inbox concurrently leave one customer per person and every event once', async () => {
  const people = Array.from({ length: 40 }, (_, i) => i);
  // Each person shows up on three devices before anything links them, in interleaved requests.
  const batches = [
    people.map((i) => ({ type: 'page', anonymousId: `w-web-${i}`, name: 'Home' })),
    people.map((i) => ({ type: 'track', anonymousId: `w-app-${i}`, event: 'Product Viewed', context: { externalIds: [{ id: `w-openid-${i}`, type: 'wechat_openid', collection: 'wx-mini' }] } })),
    people.map((i) => ({ type: 'identify', userId: `w-member-${i}`, traits: { phone: `+86136${String(i).padStart(8, '0')}` } })),
    people.map((i) => ({ type: 'alias', userId: `w-member-${i}`, previousId: `w-web-${i}` })),
    people.map((i) => ({ type: 'identify', anonymousId: `w-app-${i}`, traits: { phone: `+86136${String(i).padStart(8, '0')}` } })),
    people.map((i) => ({ type: 'track', userId: `w-member-${i}`, event: 'Order Completed', properties: { order_id: `w-o-${i}`, total: 10 + i } })),
  ];
  for (const batch of batches) expect((await send(t, key, '/v1/batch', { batch })).json()).toMatchObject({ accepted: 40, rejected: [] });

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
  for (const i of people) {
    const ids = await Promise.all(
      [`user_id/w-member-${i}`, `anonymous_id/w-web-${i}`, `anonymous_id/w-app-${i}`, `wechat_openid/w-openid-${i}`, `phone/136${String(i).padStart(8, '0')}`].map(async (path) => {
        const res = await t.app.inject({ url: `/api/customers/by-identifier/${path}`, headers: bearer(admin) });
        return res.json().id as string;
      }),
    );
    expect(new Set(ids).size).toBe(1);
  }
  const dashboard = (await t.app.inject({ url: '/api/dashboard', headers: bearer(admin) })).json();
  expect(dashboard).toMatchObject({ customers: 40, orders30d: 40, buyers30d: 40 });
  const conflicts = (await t.app.inject({ url: '/api/identity/conflicts', headers: bearer(admin) })).json().items;
  expect(conflicts).toEqual([]);
});
