import { afterAll, beforeAll, expect, it } from 'vitest';
import { buildServer } from '../../src/api/index.js';
import { flushIngestLog } from '../../src/ingest/index.js';
import { seedWorkspace, type TestApp } from '../support/app.js';
import { testStores } from '../support/stores.js';
import { eventCount, send, writeKey } from './support.js';

// Acknowledged events wait in memory until they are processed: while processing is stuck (a store
// down), the collection API stops acknowledging past the backlog limit, and SDKs retry later.
let t: TestApp;
let key: string;
let ws: string;

beforeAll(async () => {
  const ctx = await testStores({ config: { ingestBacklogMax: 3 } });
  const app = await buildServer(ctx, { logger: false });
  await app.ready();
  t = { ctx, app, close: async () => (await app.close(), await ctx.close()) };
  ws = (await seedWorkspace(ctx, 'backlog')).id;
  key = await writeKey(ctx, ws);
});
afterAll(() => t?.close());

const track = (id: string) => ({ type: 'track', userId: 'u1', event: 'Viewed', messageId: id });

it('answers 503 past the backlog limit while processing is stuck, and accepts again once it moves', async () => {
  const insert = t.ctx.events.insert;
  let release!: () => void;
  const stuck = new Promise<void>((r) => (release = r));
  t.ctx.events.insert = async (table, rows) => {
    if (table === 'events') await stuck;
    return insert.call(t.ctx.events, table, rows);
  };
  try {
    expect((await send(t, key, '/v1/batch', { batch: [track('b1'), track('b2')] })).statusCode).toBe(200);
    const refused = await send(t, key, '/v1/batch', { batch: [track('b3'), track('b4')] });
    expect(refused.statusCode).toBe(503);
    expect(refused.json().detail).toMatch(/waiting to be processed: retry shortly/);
    expect((await send(t, key, '/v1/track', track('b3'))).statusCode).toBe(200); // one more still fits
  } finally {
    release();
    t.ctx.events.insert = insert;
  }
  await flushIngestLog(t.ctx);
  expect((await send(t, key, '/v1/batch', { batch: [track('b4'), track('b5')] })).statusCode).toBe(200);
  await flushIngestLog(t.ctx);
  expect(await eventCount(t.ctx, ws)).toBe(5);
});
