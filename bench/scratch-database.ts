import { randomBytes } from 'node:crypto';
import pg from 'pg';

/** The PostgreSQL server that benchmarks run their `--postgres` side on. */
export const ADMIN_URL = process.env.SIYU_BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** Runs one statement on the server's admin database. */
export async function adminQuery(q: string): Promise<void> {
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  try {
    await admin.query(q);
  } finally {
    await admin.end();
  }
}

/** A new, empty database for one run; drop() removes it, closing its connections. */
export async function scratchDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `siyu_bench_${randomBytes(4).toString('hex')}`;
  await adminQuery(`CREATE DATABASE ${name}`);
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: () => adminQuery(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) };
}
