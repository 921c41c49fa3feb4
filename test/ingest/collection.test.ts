import fs from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemActor } from '../../src/audit/index.js';
import { createWriteKey, revokeWriteKey } from '../../src/auth/index.js';
import { drainInbox, flushIngestLog } from '../../src/ingest/index.js';
import { seedWorkspace, type TestApp, testApp } from '../support/app.js';
import { basic, eventCount, storedCount, send, writeKey } from './support.js';

// The test clock stands at 2026-06-15T04:00:00Z: that is receivedAt of every request.
const RECEIVED = Date.parse('2026-06-15T04:00:00Z');
let t: TestApp;
let ws: string;
let key: string;

beforeAll(async () => {
  t = await testApp({ config: { ingestThreads: 1 } }); // requests accepted on an intake thread, as in production
  ws = (await seedWorkspace(t.ctx, 'collect')).id;
  key = await writeKey(t.ctx, ws);
});
afterAll(() => t?.close());

/** Sends, and checks a 4xx problem stored nothing. */
async function refused(path: string, payload: unknown, headers: Record<string, string> = {}, k = key) {
  const before = await storedCount(t.ctx, ws);
  const res = await send(t, k, path, payload, headers);
  expect(res.statusCode).toBeGreaterThanOrEqual(400);
  expect(res.statusCode).toBeLessThan(500);
  expect(res.headers['content-type']).toContain('application/problem+json');
  expect(await storedCount(t.ctx, ws)).toBe(before);
  return res;
}

async function storedEvent(messageId: string) {
  await drainInbox(t.ctx);
  const [row] = await t.ctx.events.query<{ timestamp: string; received_at: string; sent_at: string | null; context: string; properties: string; traits: string }>(
    `SELECT timestamp, received_at, sent_at, context, properties, traits FROM ${t.ctx.events.table('events')} FINAL WHERE workspace_id = {ws:UUID} AND message_id = {id:String}`,
    { ws, id: messageId },
  );
  return row;
}

describe('authentication', () => {
  it('takes the write key as the HTTP Basic user name or as writeKey in the body', async () => {
    expect((await send(t, key, '/v1/track', { anonymousId: 'a1', event: 'Viewed' })).json()).toEqual({ success: true, accepted: 1, duplicates: 0, rejected: [] });
    const res = await t.app.inject({ method: 'POST', url: '/v1/track', headers: { 'content-type': 'application/json' }, payload: { writeKey: key, anonymousId: 'a1', event: 'Viewed' } });
    expect(res.statusCode).toBe(200);
  });

  it('serves browser clients (analytics.js): one-letter paths, writeKey in a text/plain body, CORS', async () => {
    const beacon = (url: string, payload: object) => t.app.inject({ method: 'POST', url, headers: { 'content-type': 'text/plain', origin: 'https://shop.example.cn' }, payload: JSON.stringify({ writeKey: key, ...payload }) });
    const track = await beacon('/v1/t', { type: 'track', anonymousId: 'browser', event: 'Clicked' });
    expect(track.statusCode).toBe(200);
    expect(track.headers['access-control-allow-origin']).toBe('*');
    expect((await beacon('/v1/p', { type: 'page', anonymousId: 'browser', name: 'Home' })).json()).toMatchObject({ accepted: 1 });
    expect((await beacon('/v1/b', { batch: [{ type: 'identify', anonymousId: 'browser', traits: { plan: 'trial' } }] })).json()).toMatchObject({ accepted: 1 });
    const preflight = await t.app.inject({ method: 'OPTIONS', url: '/v1/batch', headers: { origin: 'https://shop.example.cn', 'access-control-request-method': 'POST' } });
    expect(preflight.statusCode).toBe(204);
    expect(preflight.headers['access-control-allow-headers']).toContain('content-type');
    expect((await beacon('/v1/t', { anonymousId: 'browser' })).headers['access-control-allow-origin']).toBe('*'); // errors too
  });

  it('refuses a missing, unknown or revoked key with 401 and stores nothing', async () => {
    const none = await t.app.inject({ method: 'POST', url: '/v1/track', headers: { 'content-type': 'application/json' }, payload: { anonymousId: 'a1', event: 'x' } });
    expect(none.statusCode).toBe(401);
    expect((await refused('/v1/track', { anonymousId: 'a1', event: 'x' }, {}, 'wk_unknown')).json()).toMatchObject({ code: 'unauthorized', detail: 'the write key is unknown or revoked' });
    const revoked = await createWriteKey(t.ctx, ws, { name: 'old app' }, { actor: systemActor });
    await revokeWriteKey(t.ctx, ws, revoked.id, { actor: systemActor });
    expect((await refused('/v1/track', { anonymousId: 'a1', event: 'x' }, {}, revoked.key)).statusCode).toBe(401);
  });
});

describe('request bodies', () => {
  it('accepts gzip bodies and text/plain beacons', async () => {
    const gz = gzipSync(JSON.stringify({ batch: [{ type: 'track', anonymousId: 'gz', event: 'Zipped' }] }));
    const res = await t.app.inject({ method: 'POST', url: '/v1/batch', headers: { 'content-type': 'application/json', 'content-encoding': 'gzip', ...basic(key) }, payload: gz });
    expect(res.json()).toMatchObject({ accepted: 1 });
    const beacon = await send(t, key, '/v1/page', { anonymousId: 'beacon', name: 'Home' }, { 'content-type': 'text/plain' });
    expect(beacon.statusCode).toBe(200);
  });

  it('answers malformed JSON, bad gzip, unknown encodings and empty bodies with a 4xx problem', async () => {
    expect((await refused('/v1/track', '{"anonymousId": "a1", ')).json()).toMatchObject({ status: 400, code: 'bad_request' });
    expect((await refused('/v1/track', 'not gzip', { 'content-encoding': 'gzip' })).json().detail).toMatch(/not valid gzip/);
    expect((await refused('/v1/track', '{}', { 'content-encoding': 'br' })).statusCode).toBe(415);
    expect((await refused('/v1/track', '')).statusCode).toBe(400);
    expect((await refused('/v1/track', '{"__proto__": {"admin": true}, "anonymousId": "a", "event": "x"}')).statusCode).toBe(400);
  });

  it('enforces 500 KB a request, also after decompression', async () => {
    const big = JSON.stringify({ batch: Array.from({ length: 30 }, (_, i) => ({ type: 'track', anonymousId: `b${i}`, event: 'Big', properties: { pad: 'x'.repeat(20_000) } })) });
    expect(big.length).toBeGreaterThan(500 * 1024);
    expect((await refused('/v1/batch', big)).json()).toMatchObject({ status: 413, code: 'payload_too_large' });
    const bomb = gzipSync(JSON.stringify({ batch: [{ type: 'track', anonymousId: 'z', event: 'x', properties: { pad: 'y'.repeat(600_000) } }] }));
    expect(bomb.length).toBeLessThan(10_000);
    expect((await refused('/v1/batch', bomb, { 'content-encoding': 'gzip' })).statusCode).toBe(413);
  });
});

describe('validation', () => {
  it('names the fields that are wrong', async () => {
    const res = await refused('/v1/track', { userId: { id: 1 }, event: '' });
    expect(res.json().code).toBe('validation_failed');
    expect(res.json().errors.map((e: { path: string }) => e.path)).toEqual(expect.arrayContaining(['body.userId', 'body.event']));
    expect((await refused('/v1/identify', { traits: { plan: 'gold' } })).json().errors[0]).toEqual({ path: 'body.userId', message: 'userId or anonymousId is required' });
    expect((await refused('/v1/alias', { userId: 'u1' })).json().errors[0].path).toBe('body.previousId');
  });

  it('refuses empty, placeholder and absurd identifiers', async () => {
    for (const [path, payload, field] of [
      ['/v1/track', { anonymousId: 'undefined', event: 'x' }, 'body.anonymousId'],
      ['/v1/track', { anonymousId: '   ', event: 'x' }, 'body.anonymousId'],
      ['/v1/track', { userId: 'u'.repeat(300), event: 'x' }, 'body.userId'],
      ['/v1/identify', { userId: 'u1', traits: { phone: '12345' } }, 'body.traits.phone'],
      ['/v1/identify', { userId: 'u1', traits: { email: 'nobody' } }, 'body.traits.email'],
      ['/v1/track', { userId: 'u1', event: 'x', context: { externalIds: [{ id: '', type: 'wechat_openid', collection: 'wx1' }] } }, 'body.context.externalIds.0.id'],
      ['/v1/track', { userId: 'u1', event: 'x', context: { externalIds: [{ id: 'o1', type: 'WeChat OpenID' }] } }, 'body.context.externalIds.0.type'],
    ] as const) {
      const res = await refused(path, payload);
      expect(res.json().errors.map((e: { path: string }) => e.path)).toContain(field);
    }
  });

  it('refuses strings PostgreSQL cannot store: NUL and unpaired surrogates', async () => {
    const nul = await refused('/v1/identify', '{"userId": "u1", "traits": {"plan": "gold\\u0000"}}');
    expect(nul.json().detail).toMatch(/NUL character/);
    expect((await refused('/v1/track', '{"anonymousId": "a", "event": "broken \\ud800 name"}')).statusCode).toBe(400);
    expect((await send(t, key, '/v1/track', { anonymousId: 'a', event: 'a literal \\u0000 and 😀 are fine' })).statusCode).toBe(200);
  });

  it('refuses events more than a day in the future or before 2000, after skew correction', async () => {
    const future = new Date(RECEIVED + 2 * 86_400_000).toISOString();
    expect((await refused('/v1/track', { anonymousId: 'a', event: 'x', timestamp: future })).json().errors[0]).toMatchObject({ path: 'body.timestamp' });
    expect((await refused('/v1/track', { anonymousId: 'a', event: 'x', timestamp: '1999-12-31T23:59:59Z' })).json().errors[0].message).toMatch(/2000/);
    expect((await refused('/v1/track', { anonymousId: 'a', event: 'x', timestamp: 'yesterday' })).statusCode).toBe(400);
    // Two days ahead by a client clock that is two days fast is fine: it happened just now.
    const fast = (ms: number) => new Date(RECEIVED + 2 * 86_400_000 + ms).toISOString();
    expect((await send(t, key, '/v1/track', { anonymousId: 'a', event: 'x', timestamp: fast(-1000), sentAt: fast(0) })).statusCode).toBe(200);
  });

  it('keeps the valid events of a batch and reports the others by index', async () => {
    const before = await storedCount(t.ctx, ws);
    const res = await send(t, key, '/v1/batch', {
      batch: [
        { type: 'track', anonymousId: 'mix', event: 'Good 1', messageId: 'mix-1' },
        { type: 'track', anonymousId: 'mix', event: 'Too big', messageId: 'mix-2', properties: { pad: 'x'.repeat(40_000) } },
        { type: 'teleport', anonymousId: 'mix', messageId: 'mix-3' },
        { type: 'page', anonymousId: 'mix', name: 'Good 2', messageId: 'mix-4' },
        'not an event',
      ],
    });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body).toMatchObject({ success: true, accepted: 2, duplicates: 0 });
    expect(body.rejected.map((r: { index: number; code: string }) => [r.index, r.code])).toEqual([
      [1, 'payload_too_large'],
      [2, 'validation_failed'],
      [4, 'validation_failed'],
    ]);
    expect(body.rejected[0]).toMatchObject({ messageId: 'mix-2', detail: expect.stringMatching(/limit is 32 KB/) });
    expect(await storedCount(t.ctx, ws)).toBe(before + 2);
  });

  it('answers a batch with no acceptable event with a 4xx naming each event', async () => {
    const res = await refused('/v1/batch', { batch: [{ type: 'track', anonymousId: 'x' }, { type: 'identify' }] });
    expect(res.json().errors.map((e: { path: string }) => e.path)).toEqual(expect.arrayContaining(['batch.0.event', 'batch.1.userId']));
    expect((await refused('/v1/batch', { batch: [] })).json().errors[0].path).toBe('body.batch');
    expect((await refused('/v1/batch', [1, 2])).statusCode).toBe(400);
    expect((await refused('/v1/track', { anonymousId: 'a', event: 'x', properties: { pad: 'x'.repeat(40_000) } })).statusCode).toBe(413);
  });
});

describe('time and context', () => {
  it('corrects the event time by the sender clock skew and stamps receivedAt', async () => {
    // The sender's clock is an hour fast: it says the event happened at 04:55 and was sent at 05:00.
    await send(t, key, '/v1/track', { anonymousId: 'skew', event: 'Skewed', messageId: 'skew-1', timestamp: '2026-06-15T04:55:00.000Z', sentAt: '2026-06-15T05:00:00.000Z' });
    const row = await storedEvent('skew-1');
    expect(row).toMatchObject({ timestamp: '2026-06-15 03:55:00.000', received_at: '2026-06-15 04:00:00.000', sent_at: '2026-06-15 05:00:00.000' });
  });

  it('applies a batch-level sentAt and context, and uses receivedAt when there is no timestamp', async () => {
    await send(t, key, '/v1/batch', {
      sentAt: '2026-06-15T03:00:00.000Z',
      context: { library: { name: 'analytics-python', version: '2.3.0' } },
      batch: [
        { type: 'track', anonymousId: 'b', event: 'Batched', messageId: 'batch-skew', timestamp: '2026-06-15T02:59:00.000Z' },
        { type: 'track', anonymousId: 'b', event: 'Untimed', messageId: 'batch-untimed' },
      ],
    });
    expect((await storedEvent('batch-skew')).timestamp).toBe('2026-06-15 03:59:00.000');
    expect(JSON.parse((await storedEvent('batch-skew')).context).library).toEqual({ name: 'analytics-python', version: '2.3.0' });
    expect((await storedEvent('batch-untimed')).timestamp).toBe('2026-06-15 04:00:00.000');
  });

  it('keeps context: ip (the caller when absent), user agent, library and campaign', async () => {
    await send(t, key, '/v1/page', {
      anonymousId: 'ctx',
      messageId: 'ctx-1',
      name: 'Landing',
      context: { userAgent: 'Mozilla/5.0 (iPhone) MicroMessenger/8.0', library: { name: 'analytics.js', version: '5.2.0' }, campaign: { source: 'xiaohongshu', medium: 'kol', name: '618' } },
    });
    const context = JSON.parse((await storedEvent('ctx-1')).context);
    expect(context).toMatchObject({ ip: '127.0.0.1', userAgent: expect.stringContaining('MicroMessenger'), library: { name: 'analytics.js' }, campaign: { source: 'xiaohongshu', name: '618' } });
  });
});

describe('de-duplication and durability', () => {
  it('ignores a messageId the workspace has sent before, in the same batch or later', async () => {
    const ev = { type: 'track', anonymousId: 'dup', event: 'Once', messageId: 'dup-1' };
    expect((await send(t, key, '/v1/batch', { batch: [ev, ev] })).json()).toMatchObject({ accepted: 2, duplicates: 1 });
    expect((await send(t, key, '/v1/track', ev)).json()).toMatchObject({ accepted: 1, duplicates: 1 });
    await drainInbox(t.ctx);
    expect((await send(t, key, '/v1/track', ev)).json()).toMatchObject({ duplicates: 1 });
    const other = await seedWorkspace(t.ctx, 'collect-other');
    expect((await send(t, await writeKey(t.ctx, other.id), '/v1/track', ev)).json()).toMatchObject({ duplicates: 0 });
    await drainInbox(t.ctx);
    const [row] = await t.ctx.events.query<{ n: number }>(`SELECT count() AS n FROM ${t.ctx.events.table('events')} WHERE workspace_id = {ws:UUID} AND message_id = 'dup-1'`, { ws });
    expect(Number(row.n)).toBe(1);
  });

  it('has the event durable in the API log, and sealed, before answering', async () => {
    await send(t, key, '/v1/identify', { userId: 'durable', messageId: 'durable-1', traits: { phone: '13800000001', name: '周杰' } });
    // The 200 came after the fsync of this server's log: the event is there, sealed.
    const dir = path.join(t.ctx.config.dataDir, 'ingest');
    const logs = fs.readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.log'));
    const text = logs.map((f) => fs.readFileSync(path.join(dir, f), 'utf8')).join('');
    expect(text).toContain(ws);
    expect(text).not.toContain('durable-1');
    expect(text).not.toContain('13800000001');
    expect(text).not.toContain('周杰');
    expect(JSON.parse((await storedEvent('durable-1')).traits)).toEqual({});
  });

  it('keeps events pending when the events store fails mid-way, and stores them once later', async () => {
    await drainInbox(t.ctx);
    const customersBefore = await t.ctx.db.selectFrom('customers').select('id').where('workspace_id', '=', ws).execute();
    const insert = t.ctx.events.insert;
    t.ctx.events.insert = async (table, rows) => {
      if (table === 'events') throw new Error('events store unavailable');
      return insert.call(t.ctx.events, table, rows);
    };
    try {
      // Processing from the API's log fails: the events wait in the inbox, and the worker fails too.
      await send(t, key, '/v1/batch', { batch: [{ type: 'identify', userId: 'outage-u', messageId: 'outage-1' }, { type: 'track', userId: 'outage-u', event: 'During outage', messageId: 'outage-2' }] });
      await flushIngestLog(t.ctx);
      await expect(drainInbox(t.ctx)).rejects.toThrow(/unavailable/);
    } finally {
      t.ctx.events.insert = insert;
    }
    const pending = await t.ctx.db.selectFrom('ingest_inbox').select(['processed_at', 'attempts']).where('workspace_id', '=', ws).where('message_id', 'in', ['outage-1', 'outage-2']).execute();
    expect(pending).toEqual([
      { processed_at: null, attempts: 0 },
      { processed_at: null, attempts: 0 },
    ]);
    expect(await t.ctx.db.selectFrom('customers').select('id').where('workspace_id', '=', ws).execute()).toHaveLength(customersBefore.length);
    const before = await eventCount(t.ctx, ws);
    await drainInbox(t.ctx);
    expect(await eventCount(t.ctx, ws)).toBe(before + 2);
  });
});
