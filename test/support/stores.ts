import { randomBytes } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { createLogger, createSecrets, loadConfig, manualClock, type Clock, type Config } from '../../src/core/index.js';
import { type Ctx, migrateEventsStore, migrateStateStore, openEventsStore, openStateStore } from '../../src/store/index.js';

export const TEST_DATABASE_URL = process.env.SIYU_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
export const storeKind = (process.env.SIYU_TEST_STORE ?? 'pglite') as 'pglite' | 'postgres';

export interface TestCtx extends Ctx {
  close(): Promise<void>;
}

/**
 * Fresh, isolated stores for one test file: an in-memory PGlite or a new database on the
 * PostgreSQL server, and a new database in this process's chDB.
 */
export async function testStores(opts: { clock?: Clock; config?: Partial<Config> } = {}): Promise<TestCtx> {
  const suffix = randomBytes(6).toString('hex');
  let databaseUrl: string | undefined;
  if (storeKind === 'postgres') {
    databaseUrl = await createDatabase(`siyu_t_${suffix}`);
  }
  const db = await openStateStore({ databaseUrl });
  const events = await openEventsStore({ dir: path.join(os.tmpdir(), `siyu-test-chdb-${process.pid}`), database: `t_${suffix}` });
  await migrateStateStore(db);
  await migrateEventsStore(events);
  // Collection requests are accepted on the main thread unless a test asks for intake threads
  // (starting one costs a second or two of CPU, for every app a test builds).
  const config = loadConfig({ DATA_DIR: path.join(os.tmpdir(), `siyu-test-${suffix}`), LOG_LEVEL: 'silent', INGEST_THREADS: '0' } as NodeJS.ProcessEnv, opts.config);
  return {
    config,
    clock: opts.clock ?? manualClock('2026-06-15T04:00:00Z'),
    log: createLogger('silent'),
    db,
    events,
    secrets: createSecrets(randomBytes(32)),
    async close() {
      await db.destroy();
      await events.command(`DROP DATABASE IF EXISTS ${events.database}`);
      await events.close();
      if (databaseUrl) await dropDatabase(new URL(databaseUrl).pathname.slice(1));
    },
  };
}

async function admin<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

export async function createDatabase(name: string): Promise<string> {
  await admin((c) => c.query(`CREATE DATABASE ${name}`));
  const url = new URL(TEST_DATABASE_URL);
  url.pathname = `/${name}`;
  return url.toString();
}

export async function dropDatabase(name: string): Promise<void> {
  await admin((c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
}
