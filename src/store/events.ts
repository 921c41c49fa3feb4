import fs from 'node:fs';
import path from 'node:path';
import { createClient, type ClickHouseClient } from '@clickhouse/client';
import type { Session } from 'chdb';
import { eventsMigrations } from './migrations/events.js';

/**
 * The events store speaks the ClickHouse dialect, whether chDB runs it in-process or a
 * ClickHouse server does. Parameters use ClickHouse's server-side binding ({name:Type}),
 * so values never enter SQL text. Tables are always named through `table()`.
 */
export interface EventsStore {
  readonly database: string;
  readonly kind: 'chdb' | 'clickhouse';
  table(name: string): string;
  query<T = Record<string, unknown>>(query: string, params?: Record<string, unknown>): Promise<T[]>;
  command(query: string, params?: Record<string, unknown>): Promise<void>;
  /**
   * Appends rows as JSONEachRow: objects with column names as keys, or lines of JSON the caller
   * serialized already (a hot path building its rows as text; a JSON object given for a String
   * column is stored as its text).
   */
  insert(table: string, rows: readonly (Record<string, unknown> | string)[] | JsonLines): Promise<void>;
  close(): Promise<void>;
}

export interface EventsStoreOptions {
  /** http(s) URL of a ClickHouse server; when absent, chDB in `dir`. */
  url?: string;
  dir?: string;
  database: string;
}

const SETTINGS = {
  date_time_input_format: 'best_effort',
  output_format_json_quote_64bit_integers: 0,
  input_format_skip_unknown_fields: 1,
  input_format_json_read_objects_as_strings: 1,
} as const;

/**
 * Rows serialized by the caller, appended as UTF-8 into off-heap buffers as they are made: a big
 * insert's text then never sits on the JavaScript heap (where it would be copied by every young
 * generation collection until the insert is done).
 */
export class JsonLines {
  private readonly chunks: Buffer[] = [];
  private chunk = Buffer.allocUnsafe(0);
  private used = 0;
  count = 0;

  push(line: string): void {
    const most = line.length * 3 + 1; // UTF-8 bytes of a UTF-16 unit, and the newline
    if (this.used + most > this.chunk.length) {
      if (this.used) this.chunks.push(this.chunk.subarray(0, this.used));
      this.chunk = Buffer.allocUnsafe(Math.max(1 << 20, most));
      this.used = 0;
    }
    this.used += this.chunk.write(line, this.used);
    this.chunk[this.used++] = 10;
    this.count++;
  }

  toBuffer(): Buffer {
    return Buffer.concat([...this.chunks, this.chunk.subarray(0, this.used)]);
  }

  lines(): string[] {
    return this.toBuffer().toString('utf8').split('\n').slice(0, this.count);
  }
}

/** A row as one line of JSON: objects are serialized, lines serialized by the caller pass as they are. */
const jsonLine = (row: unknown): string => (typeof row === 'string' ? row : JSON.stringify(row));

/** ClickHouse DateTime64(3, 'UTC') parameter text for an instant. */
export function chTime(d: Date): string {
  return d.toISOString().replace('T', ' ').replace('Z', '');
}

export async function openEventsStore(opts: EventsStoreOptions): Promise<EventsStore> {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(opts.database)) throw new Error(`bad ClickHouse database name: ${opts.database}`);
  const store = opts.url ? openServer(opts.url, opts.database) : await openChdb(opts.dir ?? '', opts.database);
  await store.command(`CREATE DATABASE IF NOT EXISTS ${opts.database}`);
  return store;
}

function openServer(url: string, database: string): EventsStore {
  const client: ClickHouseClient = createClient({ url, clickhouse_settings: { ...SETTINGS }, json: { parse: JSON.parse, stringify: jsonLine } });
  return {
    database,
    kind: 'clickhouse',
    table: (name) => `${database}.${name}`,
    async query<T>(query: string, params?: Record<string, unknown>) {
      const rs = await client.query({ query, query_params: params, format: 'JSONEachRow' });
      return (await rs.json()) as T[];
    },
    async command(query, params) {
      await client.command({ query, query_params: params });
    },
    async insert(table, input) {
      const rows = input instanceof JsonLines ? input.lines() : input;
      if (rows.length === 0) return;
      await client.insert({ table: `${database}.${table}`, values: rows as Record<string, unknown>[], format: 'JSONEachRow' }); // strings pass through jsonLine
    },
    close: () => client.close(),
  };
}

/** libchdb binds one data directory per process, so sessions are shared by path. */
const chdbSessions = new Map<string, { session: Session; users: number }>();

/**
 * chDB is loaded when a store is opened, not when this module is: a thread that only imports
 * modules (an intake thread) must not load a second copy of libchdb into the process.
 */
async function openChdb(dir: string, database: string): Promise<EventsStore> {
  const { Session: ChdbSession } = await import('chdb');
  const key = dir ? path.resolve(dir) : ':temp:';
  let entry = chdbSessions.get(key);
  if (!entry) {
    if (dir) fs.mkdirSync(dir, { recursive: true });
    const session: Session = new ChdbSession(dir || undefined, {
      connectionArgs: ['--async_load_databases=0', '--async_load_system_database=0'],
    });
    entry = { session, users: 0 };
    chdbSessions.set(key, entry);
  }
  entry.users++;
  const { session } = entry;
  const withSettings = (q: string) => `${q}\nSETTINGS ${settingsClause()}`;
  let closed = false;
  return {
    database,
    kind: 'chdb',
    table: (name) => `${database}.${name}`,
    async query<T>(query: string, params?: Record<string, unknown>) {
      const r = params
        ? await session.queryBindAsync(withSettings(query), params, { format: 'JSONEachRow' })
        : await session.queryAsync(withSettings(query), { format: 'JSONEachRow' });
      const text = r.text();
      return text ? (text.trimEnd().split('\n').map((line) => JSON.parse(line)) as T[]) : [];
    },
    async command(query, params) {
      if (params) await session.queryBindAsync(query, params, { format: 'Null' });
      else await session.queryAsync(query, { format: 'Null' });
    },
    async insert(table, rows) {
      if (rows instanceof JsonLines ? rows.count === 0 : rows.length === 0) return;
      const payload = rows instanceof JsonLines ? rows.toBuffer() : Buffer.from(rows.map(jsonLine).join('\n'));
      await session.insert({ table: `${database}.${table}`, values: payload, format: 'JSONEachRow', settings: { ...SETTINGS } });
    },
    async close() {
      if (closed) return;
      closed = true;
      const current = chdbSessions.get(key);
      if (current && --current.users === 0) {
        chdbSessions.delete(key);
        current.session.close();
      }
    },
  };
}

function settingsClause(): string {
  return Object.entries(SETTINGS)
    .map(([k, v]) => `${k} = ${typeof v === 'string' ? `'${v}'` : v}`)
    .join(', ');
}

/** Applies pending events-store migrations, recorded in the database's own schema_migrations table. */
export async function migrateEventsStore(store: EventsStore): Promise<string[]> {
  const log = store.table('schema_migrations');
  await store.command(
    `CREATE TABLE IF NOT EXISTS ${log} (name String, applied_at DateTime64(3, 'UTC')) ENGINE = MergeTree ORDER BY name`,
  );
  const done = new Set((await store.query<{ name: string }>(`SELECT name FROM ${log}`)).map((r) => r.name));
  const applied: string[] = [];
  for (const [name, statements] of Object.entries(eventsMigrations)) {
    if (done.has(name)) continue;
    for (const statement of statements(store.database)) await store.command(statement);
    await store.insert('schema_migrations', [{ name, applied_at: new Date().toISOString() }]);
    applied.push(name);
  }
  return applied;
}
