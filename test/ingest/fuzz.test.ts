import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { drainInbox } from '../../src/ingest/index.js';
import { seedWorkspace, type TestApp, testApp } from '../support/app.js';
import { basic, processedCount, storedCount, writeKey } from './support.js';

// Whatever a client sends, the collection API answers 2xx or a 4xx problem, never a 5xx; a 4xx
// stores nothing, a 2xx stores exactly the events it reports as new; and every stored event can
// then be processed by the worker.
let t: TestApp;
let ws: string;
let key: string;

beforeAll(async () => {
  t = await testApp({ config: { ingestThreads: 1 } }); // requests accepted on an intake thread, as in production
  ws = (await seedWorkspace(t.ctx, 'fuzz')).id;
  key = await writeKey(t.ctx, ws);
});
afterAll(() => t?.close());

const TYPES = ['track', 'identify', 'page', 'screen', 'alias', 'group'];
const weird = fc.oneof(
  fc.string(),
  fc.string({ unit: 'grapheme', maxLength: 300 }),
  fc.string({ unit: 'binary', maxLength: 10 }),
  fc.constantFrom('undefined', 'null', '', ' ', '0', '\u0000', 'x'.repeat(250), '13800138000', '+8613800138000', 'a@b.cn', '1999-01-01T00:00:00Z', '2999-01-01T00:00:00Z'),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.string(), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 8 }), fc.string({ maxLength: 8 }), { maxKeys: 3 }),
);
/** Mostly plausible values, sometimes anything: enough valid events get through to reach the worker. */
const mostly = <T,>(valid: fc.Arbitrary<T>) => fc.oneof({ weight: 30, arbitrary: valid }, { weight: 1, arbitrary: weird });
const time = mostly(
  fc.oneof(
    { weight: 1, arbitrary: fc.date({ min: new Date('1990-01-01'), max: new Date('2030-01-01'), noInvalidDate: true }).map((d) => d.toISOString()) },
    { weight: 4, arbitrary: fc.integer({ min: -86_400_000 * 30, max: 86_400_000 }).map((ms) => new Date(Date.parse('2026-06-15T04:00:00Z') + ms).toISOString()) },
  ),
);
const id = mostly(fc.constantFrom('u-1', 'u-2', 'anon-1', 'anon-2', 'anon-3', 13800138000));
const amount = mostly(fc.oneof(fc.double({ min: 0, max: 1e6, noNaN: true }), fc.integer({ min: 0, max: 10_000 }).map(String)));
const product = fc.record({ product_id: id, sku: id, name: weird, price: amount, quantity: mostly(fc.integer({ min: 0, max: 5 })) }, { requiredKeys: [] });
const properties = mostly(
  fc.oneof(
    fc.dictionary(fc.string({ maxLength: 10 }), weird, { maxKeys: 4 }),
    fc.record({ order_id: mostly(fc.constantFrom('o-1', 'o-2', 'o-3')), total: amount, revenue: amount, discount: amount, currency: mostly(fc.constantFrom('CNY', 'usd')), products: fc.array(product, { maxLength: 3 }) }, { requiredKeys: ['order_id'] }),
  ),
);
const context = fc.record(
  {
    ip: mostly(fc.ipV4()),
    externalIds: mostly(fc.array(fc.record({ id, type: mostly(fc.constantFrom('wechat_openid', 'wechat_unionid', 'taobao_buyer', 'Bad Type')), collection: mostly(fc.constantFrom('wx-mp', 'wx-mini')) }, { requiredKeys: ['id', 'type'] }), { maxLength: 3 })),
    campaign: mostly(fc.record({ source: mostly(fc.constantFrom('douyin', 'xiaohongshu')), medium: mostly(fc.constant('cpc')) }, { requiredKeys: [] })),
    traits: mostly(fc.record({ phone: mostly(fc.constantFrom('13800138000', '+8613900139000')), email: mostly(fc.constantFrom('a@b.cn', 'Li@Example.CN')) }, { requiredKeys: [] })),
    consent: mostly(fc.record({ categoryPreferences: fc.dictionary(fc.string({ maxLength: 8 }), mostly(fc.boolean()), { maxKeys: 3 }) })),
  },
  { requiredKeys: [] },
);
const event = fc.record(
  {
    type: mostly(fc.constantFrom(...TYPES)),
    event: mostly(fc.constantFrom('Order Completed', 'Order Refunded', 'Product Viewed')),
    userId: id,
    anonymousId: id,
    previousId: id,
    groupId: id,
    messageId: mostly(fc.oneof({ weight: 1, arbitrary: fc.constantFrom('m-1', 'm-2', 'm-3') }, { weight: 6, arbitrary: fc.uuid() })),
    timestamp: time,
    sentAt: time,
    properties,
    traits: mostly(fc.record({ phone: mostly(fc.constantFrom('13800138000', '138 0013 8001')), email: mostly(fc.constant('x@y.cn')), name: weird, plan: weird, consent: mostly(fc.record({ sms: fc.boolean() })) }, { requiredKeys: [] })),
    context,
    name: mostly(fc.string({ maxLength: 20 })),
  },
  { requiredKeys: ['type'] },
);
const body = fc.oneof(
  { weight: 4, arbitrary: fc.record({ batch: mostly(fc.array(event, { maxLength: 6 })), sentAt: time, context: fc.oneof(fc.constant(undefined), context) }, { requiredKeys: ['batch'] }) },
  { weight: 4, arbitrary: event.map(({ type: _type, ...rest }) => rest) },
  { weight: 1, arbitrary: fc.jsonValue() },
);
const request = fc.record({
  path: fc.constantFrom('/v1/batch', ...TYPES.map((x) => `/v1/${x}`)),
  payload: fc.oneof({ weight: 8, arbitrary: body.map((b) => JSON.stringify(b)) }, { weight: 1, arbitrary: fc.string() }),
  gzip: fc.boolean(),
  contentType: fc.constantFrom('application/json', 'text/plain', 'application/x-www-form-urlencoded'),
});

it('never answers 5xx, never half-writes, and the worker can process everything it stored', async () => {
  let stored = 0;
  await fc.assert(
    fc.asyncProperty(request, async (r) => {
      const before = await storedCount(t.ctx, ws);
      const res = await t.app.inject({
        method: 'POST',
        url: r.path,
        headers: { 'content-type': r.contentType, ...basic(key), ...(r.gzip ? { 'content-encoding': 'gzip' } : {}) },
        payload: r.gzip ? gzipSync(r.payload) : r.payload,
      });
      const after = await storedCount(t.ctx, ws);
      expect(res.statusCode).toBeLessThan(500);
      if (res.statusCode >= 400) {
        expect(res.headers['content-type']).toContain('application/problem+json');
        expect(after).toBe(before);
      } else {
        const { accepted, duplicates, rejected } = res.json();
        expect(after - before).toBe(accepted - duplicates);
        if (r.path === '/v1/batch') expect(accepted + rejected.length).toBe((JSON.parse(r.payload) as { batch: unknown[] }).batch.length);
        stored += accepted - duplicates;
      }
    }),
    { numRuns: 1000 },
  );
  expect(stored).toBeGreaterThan(20);
  await drainInbox(t.ctx);
  expect(await processedCount(t.ctx, ws)).toBe(stored);
  const failed = await t.ctx.db.selectFrom('ingest_inbox').select(['message_id', 'error']).where('workspace_id', '=', ws).where((eb) => eb.or([eb('processed_at', 'is', null), eb('error', 'is not', null)])).execute();
  expect(failed).toEqual([]);
});
