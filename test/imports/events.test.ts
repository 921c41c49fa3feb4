import { afterAll, beforeAll, expect, it } from 'vitest';
import { importLocalFile, prepareLocalFile } from '../../src/imports/index.js';
import { seedWorkspace } from '../support/app.js';
import { type TestCtx, testStores } from '../support/stores.js';
import { tempFile } from './support.js';

// Event history exported as JSONL (Segment-shaped, as other CDPs export it) goes in as tracks.
let ctx: TestCtx;
let ws: string;
beforeAll(async () => {
  ctx = await testStores();
  ws = (await seedWorkspace(ctx, 'events-import')).id;
});
afterAll(() => ctx?.close());

async function events(): Promise<{ event: string; user_id: string; timestamp: string; properties: string }[]> {
  return ctx.events.query(`SELECT event, user_id, toString(timestamp) AS timestamp, properties FROM ${ctx.events.table('events')} FINAL WHERE workspace_id = {ws:UUID} ORDER BY timestamp`, { ws });
}

it('imports JSONL events with their properties; bad lines are reported; re-importing adds nothing', async () => {
  const lines = [
    { messageId: 'e1', event: 'Coupon Claimed', userId: 'M1', timestamp: '2026-05-01T10:00:00+08:00', properties: { coupon: 'NEW10', value: 10 } },
    { event: 'Live Watched', userId: 'M2', timestamp: '2026-05-02 20:30:00', properties: { room: '周年庆', minutes: 42 } },
    { event: 'Live Watched', userId: 'M2', timestamp: '2026-05-02 20:30:00', properties: { room: '周年庆', minutes: 42 } },
    'not json at all',
    { event: 'Coupon Claimed', timestamp: '2026-05-03T10:00:00Z', properties: {} },
    { event: 'Coupon Claimed', userId: 'M3', timestamp: '2036-01-01T00:00:00Z' },
    { event: 'Store Visited', anonymousId: 'kiosk-7', context: { traits: { phone: '13800138000' } }, timestamp: 1_777_777_777 },
  ].map((l) => (typeof l === 'string' ? l : JSON.stringify(l)));
  const local = await prepareLocalFile(tempFile('events.jsonl', lines.join('\n')), { kind: 'events', encoding: 'utf-8', overrides: { 'context.traits.phone': 'phone' } });
  expect(local.inspection.format).toBe('jsonl');
  expect(local.mapping).toEqual({ messageId: 'message_id', event: 'event', userId: 'user_id', timestamp: 'timestamp', properties: 'properties', anonymousId: 'anonymous_id', 'context.traits.phone': 'phone' });

  const job = await importLocalFile(ctx, ws, local, { createdBy: 'test' });
  // The second Live Watched line is the first one again: the same row content, so a duplicate.
  expect({ rows: job.rows_read, imported: job.imported, duplicates: job.duplicates, failed: job.failed }).toEqual({ rows: 7, imported: 3, duplicates: 1, failed: 3 });
  const errors = await ctx.db.selectFrom('import_errors').select(['line', 'field', 'reason']).where('import_id', '=', job.id).orderBy('line').execute();
  expect(errors).toEqual([
    { line: 4, field: 'row', reason: expect.stringMatching(/^is not valid JSON/) },
    { line: 5, field: 'identifier', reason: expect.stringMatching(/^is missing/) },
    { line: 6, field: 'timestamp', reason: 'is in the future' },
  ]);
  const stored = await events();
  expect(stored.map((e) => [e.event, e.user_id, e.timestamp])).toEqual([
    ['Coupon Claimed', 'M1', '2026-05-01 02:00:00.000'],
    ['Store Visited', '', '2026-05-03 03:09:37.000'],
    ['Live Watched', 'M2', '2026-05-02 12:30:00.000'],
  ].sort((a, b) => a[2].localeCompare(b[2])));
  expect(JSON.parse(stored.find((e) => e.event === 'Live Watched')!.properties)).toEqual({ room: '周年庆', minutes: 42 });

  const again = await importLocalFile(ctx, ws, local, { createdBy: 'test' });
  expect({ imported: again.imported, duplicates: again.duplicates, failed: again.failed }).toEqual({ imported: 0, duplicates: 4, failed: 3 });
  expect(await events()).toHaveLength(3);
});
