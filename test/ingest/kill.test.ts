import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedWorkspace } from '../support/app.js';
import { createDatabase, dropDatabase, storeKind, type TestCtx } from '../support/stores.js';
import { fileClockStores, killWorker, startWorker, until } from '../support/workers.js';
import { basic, processedCount, writeKey } from './support.js';

/**
 * "A crash right after the response loses nothing": the API process acknowledges batches while its
 * processing is stalled (so the events are only in its log), is killed with SIGKILL, and a new
 * process on the same DATA_DIR processes every acknowledged event, once. Needs the PostgreSQL
 * server (the test reads the state store beside the API process), so postgres project only.
 */
const suffix = randomBytes(5).toString('hex');
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'siyu-ikill-'));
let dbName = '';
let url = '';
let ctx: TestCtx;
let child: ChildProcess | null = null;

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((r) => server.close(r));
  return port;
}

describe.skipIf(storeKind !== 'postgres')('collection API killed with SIGKILL after acknowledging', () => {
  beforeAll(async () => {
    dbName = `siyu_ikill_${suffix}`;
    url = await createDatabase(dbName);
    ctx = await fileClockStores({ databaseUrl: url, dataDir, clockFile: path.join(dataDir, 'clock'), eventsDatabase: `ik_${suffix}` });
    fs.writeFileSync(path.join(dataDir, 'clock'), new Date().toISOString());
  });
  afterAll(async () => {
    await killWorker(child);
    await ctx?.close();
    if (dbName) await dropDatabase(dbName);
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('processes every acknowledged event after a restart, once', async () => {
    const ws = await seedWorkspace(ctx, 'ikill');
    const key = await writeKey(ctx, ws.id);
    const port = await freePort();
    const env = { DATABASE_URL: url, DATA_DIR: dataDir, PORT: String(port) };
    child = await startWorker('test/ingest/api-child.ts', { ...env, INGEST_STALL: '1' });
    const batches = Array.from({ length: 10 }, (_, b) =>
      Array.from({ length: 50 }, (_, k) => ({ type: 'track', userId: `k-${(b * 50 + k) % 120}`, event: 'Viewed', messageId: `kill-${b}-${k}` })),
    );
    const acks = await Promise.all(
      batches.map((batch) =>
        fetch(`http://127.0.0.1:${port}/v1/batch`, { method: 'POST', headers: { ...basic(key), 'content-type': 'application/json' }, body: JSON.stringify({ batch }) }).then((r) => r.json()),
      ),
    );
    for (const a of acks) expect(a).toMatchObject({ success: true, accepted: 50, duplicates: 0 });
    const p = child;
    child = null;
    await killWorker(p);

    const processed = () => processedCount(ctx, ws.id);
    expect(await processed()).toBe(0); // nothing was processed: the events were only in the log
    child = await startWorker('test/ingest/api-child.ts', env);
    // Each messageId once in the window's rows: processed once, none twice.
    await until(async () => (await processed()) === 500);
    const customers = await ctx.db.selectFrom('customers').select('id').where('workspace_id', '=', ws.id).execute();
    expect(customers).toHaveLength(120);
  });
});
