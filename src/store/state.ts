import fs from 'node:fs';
import path from 'node:path';
import { Kysely, Migrator, PostgresDialect, sql, type MigrationProvider } from 'kysely';
import { PGliteDialect } from 'kysely-pglite-dialect';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import type { StateDB } from './schema.js';
import { stateMigrations } from './migrations/state.js';

export type StateStore = Kysely<StateDB>;

// int8 (bigint: counts, fen sums) as JS numbers, as PGlite already does; fen totals stay far below 2^53.
pg.types.setTypeParser(20, (v) => Number(v));

export interface StateStoreOptions {
  /** postgres:// URL; when absent, PGlite in `dir` (or in memory when dir is absent). */
  databaseUrl?: string;
  dir?: string;
}

export async function openStateStore(opts: StateStoreOptions): Promise<StateStore> {
  if (opts.databaseUrl) {
    const pool = new pg.Pool({ connectionString: opts.databaseUrl, max: 10, connectionTimeoutMillis: 5000 });
    pool.on('error', () => {
      /* an idle client died (server restart); the pool replaces it on next use */
    });
    const db = new Kysely<StateDB>({ dialect: new PostgresDialect({ pool }) });
    await sql`select 1`.execute(db);
    return db;
  }
  if (opts.dir) fs.mkdirSync(opts.dir, { recursive: true });
  const pglite = opts.dir ? new PGlite(opts.dir) : new PGlite();
  await pglite.waitReady;
  // The dialect's driver closes PGlite on destroy(), flushing the data directory.
  return new Kysely<StateDB>({ dialect: new PGliteDialect(pglite) });
}

const provider: MigrationProvider = { getMigrations: async () => stateMigrations };

export async function migrateStateStore(db: StateStore): Promise<string[]> {
  // Modules number their migrations in their own ranges (0010 wecom, 0020 segments …), so a
  // module's new migration may sort before another's that a data directory already has.
  const migrator = new Migrator({ db, provider, allowUnorderedMigrations: true });
  const { error, results } = await migrator.migrateToLatest();
  if (error) throw error instanceof Error ? error : new Error(String(error));
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}

export function pgliteDir(dataDir: string): string {
  return path.join(dataDir, 'state');
}
