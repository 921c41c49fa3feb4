import { sql } from 'kysely';
import type { StateStore } from '../store/index.js';

/**
 * Merged customers form trees (merged_into points at the parent). A live customer's history is
 * that of every customer in its tree, so per-customer queries of the events store ask for all of
 * them; this is exact the moment a merge commits.
 */
export async function customerMembers(db: StateStore, workspaceId: string, ids: readonly string[]): Promise<Map<string, string>> {
  if (ids.length === 0) return new Map();
  const { rows } = await sql<{ id: string; root: string }>`
    WITH RECURSIVE down(id, root) AS (
      SELECT id, id FROM customers WHERE workspace_id = ${workspaceId} AND id = ANY(${sql.val([...ids])}::uuid[])
      UNION ALL
      SELECT c.id, down.root FROM customers c JOIN down ON c.workspace_id = ${workspaceId} AND c.merged_into = down.id
    )
    SELECT id, root FROM down`.execute(db);
  return new Map(rows.map((r) => [r.id, r.root]));
}

/** The live customer a (possibly merged) customer belongs to now, or null when it does not exist. */
export async function rootCustomer(db: StateStore, workspaceId: string, id: string): Promise<string | null> {
  const { rows } = await sql<{ id: string }>`
    WITH RECURSIVE up(id, parent) AS (
      SELECT id, merged_into FROM customers WHERE workspace_id = ${workspaceId} AND id = ${id}
      UNION ALL
      SELECT c.id, c.merged_into FROM customers c JOIN up ON c.workspace_id = ${workspaceId} AND c.id = up.parent
    )
    SELECT id FROM up WHERE parent IS NULL`.execute(db);
  return rows[0]?.id ?? null;
}

/** The live customer each of many (possibly merged) customers belongs to now; unknown ids are left out. */
export async function rootCustomers(db: StateStore, workspaceId: string, ids: readonly string[]): Promise<Map<string, string>> {
  if (ids.length === 0) return new Map();
  const { rows } = await sql<{ id: string; root: string }>`
    WITH RECURSIVE up(id, at, parent) AS (
      SELECT id, id, merged_into FROM customers WHERE workspace_id = ${workspaceId} AND id = ANY(${sql.val([...new Set(ids)])}::uuid[])
      UNION ALL
      SELECT up.id, c.id, c.merged_into FROM customers c JOIN up ON c.workspace_id = ${workspaceId} AND c.id = up.parent
    )
    SELECT id, at AS root FROM up WHERE parent IS NULL`.execute(db);
  return new Map(rows.map((r) => [r.id, r.root]));
}
