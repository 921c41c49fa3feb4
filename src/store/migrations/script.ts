import { type Kysely, sql } from 'kysely';

/** Runs a migration script statement by statement (PGlite's extended protocol takes one at a time). */
export async function execScript(db: Kysely<any>, script: string): Promise<void> {
  for (const statement of script.split(/;\s*\n/).map((s) => s.trim()).filter(Boolean)) {
    await sql.raw(statement).execute(db);
  }
}
