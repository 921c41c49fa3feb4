import fs from 'node:fs';
import path from 'node:path';
import { sql } from 'kysely';
import {
  type Clock,
  type Config,
  ConfigError,
  type Logger,
  type Secrets,
  createSecrets,
  loadMasterKey,
  systemClock,
} from '../core/index.js';
import { type EventsStore, migrateEventsStore, openEventsStore } from './events.js';
import { type DataDirLock, lockDataDir } from './lock.js';
import { type StateStore, migrateStateStore, openStateStore, pgliteDir } from './state.js';

export type { EventsStore } from './events.js';
export type { StateStore } from './state.js';
export type * from './schema.js';
export { DataDirBusyError, readLock, type LockInfo } from './lock.js';
export { openEventsStore, migrateEventsStore, chTime, JsonLines } from './events.js';
export { EVENT_PROPERTY_COLUMNS } from './migrations/events-audience-speed.js';
export { openStateStore, migrateStateStore } from './state.js';
export { isAlive } from './lock.js';

/** What every domain function receives: configuration, time, logs, both stores and the PII keys. */
export interface Ctx {
  config: Config;
  clock: Clock;
  log: Logger;
  db: StateStore;
  events: EventsStore;
  secrets: Secrets;
}

export interface OpenOptions {
  clock?: Clock;
  log: Logger;
  /** The command holding the embedded stores, shown to other processes. */
  command: string;
  migrate?: boolean;
}

export interface Stores extends Ctx {
  lock: DataDirLock | null;
  close(): Promise<void>;
}

export function usesEmbeddedStores(config: Config): boolean {
  return !config.databaseUrl || !config.clickhouseUrl;
}

/** Opens (and by default migrates) both stores; every failure is one plain sentence. */
export async function openStores(config: Config, opts: OpenOptions): Promise<Stores> {
  ensureWritableDir(config.dataDir);
  const lock = usesEmbeddedStores(config) ? lockDataDir(config.dataDir, opts.command) : null;
  const opened: { close(): Promise<void> }[] = [];
  try {
    const db = await openStateStore({ databaseUrl: config.databaseUrl, dir: pgliteDir(config.dataDir) }).catch((err) => {
      throw new ConfigError(`cannot open the state store${config.databaseUrl ? ' at DATABASE_URL' : ''}: ${describe(err)}`);
    });
    opened.push({ close: () => db.destroy() });
    const events = await openEventsStore({
      url: config.clickhouseUrl,
      dir: path.join(config.dataDir, 'events'),
      database: config.clickhouseDatabase,
    }).catch((err) => {
      throw new ConfigError(`cannot open the events store${config.clickhouseUrl ? ' at CLICKHOUSE_URL' : ''}: ${describe(err)}`);
    });
    opened.push(events);
    if (opts.migrate !== false) {
      await migrateStateStore(db);
      await migrateEventsStore(events);
    }
    const secrets = createSecrets(loadMasterKey(config.dataDir, config.secretKey));
    if (opts.migrate !== false) await checkSecretKey(db, secrets);
    return {
      config,
      clock: opts.clock ?? systemClock,
      log: opts.log,
      db,
      events,
      secrets,
      lock,
      async close() {
        for (const store of opened.reverse()) await store.close();
        lock?.release();
      },
    };
  } catch (err) {
    for (const store of opened.reverse()) await store.close().catch(() => undefined);
    lock?.release();
    throw err;
  }
}

/** The first process records which key encrypts PII; a process with another key refuses to start. */
async function checkSecretKey(db: StateStore, secrets: Secrets): Promise<void> {
  await db
    .insertInto('system_settings')
    .values({ key: 'pii_key_check', value: secrets.keyCheck })
    .onConflict((oc) => oc.column('key').doNothing())
    .execute();
  const row = await db.selectFrom('system_settings').select('value').where('key', '=', 'pii_key_check').executeTakeFirstOrThrow();
  if (row.value !== secrets.keyCheck) {
    throw new ConfigError(
      'the secret key differs from the one that encrypted this database: set SIYU_SECRET_KEY to the original key (or restore DATA_DIR/secret.key)',
    );
  }
}

export async function pingStores(ctx: Pick<Ctx, 'db' | 'events'>): Promise<{ state: boolean; events: boolean }> {
  const state = await sql`select 1`.execute(ctx.db).then(() => true, () => false);
  const events = await ctx.events.query('SELECT 1 AS ok').then(() => true, () => false);
  return { state, events };
}

function ensureWritableDir(dir: string): void {
  try {
    fs.mkdirSync(dir, { recursive: true });
    fs.accessSync(dir, fs.constants.W_OK);
  } catch {
    throw new ConfigError(`DATA_DIR ${dir} is not writable: create it or point DATA_DIR at a writable directory`);
  }
}

function describe(err: unknown): string {
  const e = err as { message?: string; code?: string; errors?: { message?: string }[] };
  return e.message || e.errors?.[0]?.message || e.code || String(err);
}
