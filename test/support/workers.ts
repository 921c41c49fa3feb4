import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createLogger, createSecrets, fileClock, loadConfig, loadMasterKey } from '../../src/core/index.js';
import { type Ctx, migrateEventsStore, migrateStateStore, openEventsStore, openStateStore } from '../../src/store/index.js';
import type { TestCtx } from './stores.js';

/**
 * Worker processes killed with SIGKILL and restarted (kill -9 tests). The test and its workers share
 * a PostgreSQL state store and a clock file (SIYU_CLOCK_FILE), so these run in the postgres project only.
 */

/** Writes the clock file through a temporary file and a rename: readers never see it half written. */
export function setFileClock(clockFile: string, at: Date): void {
  fs.writeFileSync(`${clockFile}.tmp`, at.toISOString());
  fs.renameSync(`${clockFile}.tmp`, clockFile);
}

/** Stores on an existing PostgreSQL database, with the clock read from clockFile, for a test that runs workers beside it. */
export async function fileClockStores(opts: { databaseUrl: string; dataDir: string; clockFile: string; eventsDatabase: string }): Promise<TestCtx> {
  const db = await openStateStore({ databaseUrl: opts.databaseUrl });
  await migrateStateStore(db);
  const events = await openEventsStore({ dir: path.join(os.tmpdir(), `siyu-test-chdb-${process.pid}`), database: opts.eventsDatabase });
  await migrateEventsStore(events);
  return {
    config: loadConfig({ DATA_DIR: opts.dataDir, LOG_LEVEL: 'silent' } as NodeJS.ProcessEnv),
    clock: fileClock(opts.clockFile, (f) => fs.readFileSync(f, 'utf8')),
    log: createLogger('silent'),
    db,
    events,
    secrets: createSecrets(loadMasterKey(opts.dataDir)),
    async close() {
      await db.destroy();
      await events.command(`DROP DATABASE IF EXISTS ${events.database}`);
      await events.close();
    },
  } as TestCtx & Ctx;
}

/** Starts `node --import tsx <script>` with env added to this process's (minus CLICKHOUSE_URL); resolves once it prints "ready". */
export function startWorker(script: string, env: NodeJS.ProcessEnv): Promise<ChildProcess> {
  const childEnv: NodeJS.ProcessEnv = { ...process.env, LOG_LEVEL: 'silent', ...env };
  delete childEnv.CLICKHOUSE_URL;
  const proc = spawn(process.execPath, ['--import', 'tsx', script], { env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  proc.stderr!.on('data', (d) => (err += String(d)));
  return new Promise((resolve, reject) => {
    proc.stdout!.on('data', (d) => String(d).includes('ready') && resolve(proc));
    proc.on('exit', (code, signal) => signal !== 'SIGKILL' && reject(new Error(`worker exited ${code}: ${err}`)));
  });
}

/** kill -9, and wait for the process to be gone. */
export async function killWorker(proc: ChildProcess | null): Promise<void> {
  if (!proc) return;
  const gone = new Promise((r) => proc.once('exit', r));
  proc.kill('SIGKILL');
  await gone;
}

/** Polls cond every 10 ms until it holds; throws after ms. */
export async function until(cond: () => Promise<boolean>, ms = 60_000): Promise<void> {
  const end = performance.now() + ms;
  while (!(await cond())) {
    if (performance.now() > end) throw new Error('timed out waiting for the worker');
    await new Promise((r) => setTimeout(r, 10));
  }
}
