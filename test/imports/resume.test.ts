import { afterAll, beforeAll, expect, it } from 'vitest';
import type { ManualClock } from '../../src/core/index.js';
import { createCliJob, getJob, type ImportJob, runImport, sweepAbandoned } from '../../src/imports/index.js';
import { claimJob, createUploadJob, LEASE_MS } from '../../src/imports/jobs.js';
import { storedFile } from '../../src/imports/file.js';
import { apiKey, bearer, seedWorkspace, type TestApp, testApp } from '../support/app.js';
import { multipart, orderTotals, ordersCsv } from './support.js';

// A worker may stop (shutdown) or die (crash) in the middle of an import. A stopped job goes back
// to the queue; a dead worker's lease runs out. Either way the next worker resumes after the
// checkpoint, and every row is counted once.
let t: TestApp;
let ws: string;
let key: string;
beforeAll(async () => {
  t = await testApp();
  ws = (await seedWorkspace(t.ctx, 'resume')).id;
  key = await apiKey(t.ctx, ws, 'operator');
});
afterAll(() => t?.close());

async function queue(csv: string): Promise<string> {
  const body = multipart({ kind: 'orders' }, { name: 'orders.csv', content: csv });
  const res = await t.app.inject({ method: 'POST', url: '/api/imports', headers: { ...bearer(key), ...body.headers }, payload: body.payload });
  expect(res.statusCode).toBe(202);
  return res.json().id;
}

/** The stored file in small pieces; with `dieAfter`, the reader hangs there forever, as a dead process would. */
async function* pieces(job: ImportJob, dieAfter?: number): AsyncGenerator<Buffer> {
  let sent = 0;
  for await (const chunk of storedFile(t.ctx, job)) {
    for (let i = 0; i < chunk.length; i += 2048) {
      if (dieAfter !== undefined && sent >= dieAfter) await new Promise(() => undefined);
      sent += Math.min(2048, chunk.length - i);
      yield chunk.subarray(i, i + 2048);
    }
  }
}

const summary = (j: ImportJob) => ({ status: j.status, rows: j.rows_read, imported: j.imported, duplicates: j.duplicates, failed: j.failed });

it('resumes a job handed back by a stopping worker after its checkpoint', async () => {
  const file = ordersCsv(1000, 250);
  const id = await queue(file.csv);
  const first = (await claimJob(t.ctx, 'w1'))!;
  const stop = new AbortController();
  const handedBack = await runImport(t.ctx, first, pieces(first), { owner: 'w1', chunkRows: 100, signal: stop.signal, onProgress: () => stop.abort() });
  expect(handedBack.status).toBe('queued');
  expect(handedBack.line_done).toBeGreaterThan(1);
  expect(handedBack.rows_read).toBeLessThan(1000);

  const second = (await claimJob(t.ctx, 'w2'))!;
  expect(second.id).toBe(id);
  const done = await runImport(t.ctx, second, pieces(second), { owner: 'w2', chunkRows: 100, drain: true });
  expect(summary(done)).toEqual({ status: 'completed', rows: 1000, imported: 1000 - file.bad.size, duplicates: 0, failed: file.bad.size });
  expect(await orderTotals(t.ctx, ws)).toEqual({ orders: file.orders, grossFen: file.grossFen, netFen: file.netFen });
});

it('takes over the job of a worker that died once its lease runs out', async () => {
  const file = ordersCsv(1000, 250);
  const csv = file.csv.replace(/\nO/g, '\nD'); // orders of their own
  const id = await queue(csv);
  const first = (await claimJob(t.ctx, 'dying'))!;
  void runImport(t.ctx, first, pieces(first, 30_000), { owner: 'dying', chunkRows: 100 });
  // It gets the first 15 pieces (30,720 bytes), records every full chunk of the rows in them, and
  // hangs waiting for more, holding the rest of its last chunk, never to be recorded.
  const rowsBeforeDeath = Buffer.from(csv).subarray(0, 15 * 2048).toString('latin1').split('\n').length - 2;
  await expect.poll(async () => (await getJob(t.ctx, ws, id)).rows_read).toBe(Math.floor(rowsBeforeDeath / 100) * 100);
  expect(await claimJob(t.ctx, 'w3')).toBeNull(); // the lease still holds

  (t.ctx.clock as ManualClock).advance(LEASE_MS + 1000);
  const taken = (await claimJob(t.ctx, 'w3'))!;
  expect(taken.id).toBe(id);
  const done = await runImport(t.ctx, taken, pieces(taken), { owner: 'w3', chunkRows: 100, drain: true });
  expect(summary(done)).toEqual({ status: 'completed', rows: 1000, imported: 1000 - file.bad.size, duplicates: 0, failed: file.bad.size });
  const errors = await t.ctx.db.selectFrom('import_errors').select('line').where('import_id', '=', id).execute();
  expect(errors.map((e) => e.line).sort((a, b) => a - b)).toEqual([...file.bad.keys()]);
});

it('gives up a CLI import whose process died, and an upload that never finished', async () => {
  const input = { kind: 'orders', format: 'csv', encoding: 'utf-8', filename: 'gone.csv', mapping: {}, createdBy: 'cli' } as const;
  const cli = await createCliJob(t.ctx, ws, input, 100, 'cli:1');
  const upload = await createUploadJob(t.ctx, ws, input);
  expect(await sweepAbandoned(t.ctx)).toBe(0);
  (t.ctx.clock as ManualClock).advance(LEASE_MS + 1000);
  expect(await sweepAbandoned(t.ctx)).toBe(1);
  expect(await getJob(t.ctx, ws, cli.id)).toMatchObject({ status: 'failed', message: expect.stringMatching(/^interrupted/) });
  expect((await getJob(t.ctx, ws, upload.id)).status).toBe('uploading');
  (t.ctx.clock as ManualClock).advance(60 * 60_000);
  expect(await sweepAbandoned(t.ctx)).toBe(1);
  expect(await getJob(t.ctx, ws, upload.id)).toMatchObject({ status: 'failed', message: 'the upload did not finish; upload the file again' });
});
