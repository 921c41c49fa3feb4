import { sql } from 'kysely';
import type { Ctx, EventsStore, StateStore } from '../store/index.js';

/**
 * Events and orders keep the customer_id resolved when they arrived. After a merge, the events
 * store's customer_aliases maps every merged customer to its live root, so aggregate queries
 * count history under the survivor without rewriting it. The state store is the source: each
 * change of a customer's root bumps remap_version, and pushAliases copies pending versions over.
 */

/** Marks a customer and everyone merged into it as resolving to a new root. */
export async function bumpRemap(db: StateStore, workspaceId: string, customerId: string): Promise<void> {
  await sql`
    WITH RECURSIVE down(id) AS (
      SELECT ${customerId}::uuid
      UNION ALL
      SELECT c.id FROM customers c JOIN down ON c.workspace_id = ${workspaceId} AND c.merged_into = down.id
    )
    UPDATE customers SET remap_version = remap_version + 1
    WHERE workspace_id = ${workspaceId} AND id IN (SELECT id FROM down)`.execute(db);
}

/** Copies pending remaps to the events store; safe to run in several processes at once. */
export async function pushAliases(ctx: Pick<Ctx, 'db' | 'events'>, batch = 5000): Promise<number> {
  let pushed = 0;
  for (;;) {
    const { rows } = await sql<{ workspace_id: string; alias_id: string; root: string; version: number }>`
      WITH RECURSIVE pending AS (
        SELECT workspace_id, id, remap_version FROM customers WHERE remap_version > remap_pushed LIMIT ${batch}
      ), up(workspace_id, alias_id, node, version) AS (
        SELECT workspace_id, id, id, remap_version FROM pending
        UNION ALL
        SELECT up.workspace_id, up.alias_id, c.merged_into, up.version
        FROM up JOIN customers c ON c.workspace_id = up.workspace_id AND c.id = up.node
        WHERE c.merged_into IS NOT NULL
      )
      SELECT up.workspace_id, up.alias_id, up.node AS root, up.version
      FROM up JOIN customers c ON c.workspace_id = up.workspace_id AND c.id = up.node
      WHERE c.merged_into IS NULL`.execute(ctx.db);
    if (rows.length === 0) return pushed;
    await ctx.events.insert(
      'customer_aliases',
      rows.map((r) => ({ workspace_id: r.workspace_id, alias_id: r.alias_id, customer_id: r.root, version: Number(r.version) })),
    );
    await sql`
      UPDATE customers c SET remap_pushed = p.version
      FROM unnest(${sql.val(rows.map((r) => r.workspace_id))}::uuid[], ${sql.val(rows.map((r) => r.alias_id))}::uuid[], ${sql.val(rows.map((r) => Number(r.version)))}::bigint[]) AS p(workspace_id, id, version)
      WHERE c.workspace_id = p.workspace_id AND c.id = p.id AND c.remap_pushed < p.version`.execute(ctx.db);
    pushed += rows.length;
  }
}

/** The workspace's merged customers as (alias_id, root): each alias's newest root. Needs {ws:UUID}. */
export function aliasRoots(ev: EventsStore): string {
  return `SELECT alias_id, argMax(customer_id, version) AS root FROM ${ev.table('customer_aliases')}
      WHERE workspace_id = {ws:UUID} GROUP BY alias_id`;
}

/**
 * SQL pieces that count an events-store table's rows under the live customer: add `join` after
 * the table (aliased) in FROM and use `customer` instead of its customer_id. Needs {ws:UUID}.
 * `source` names a table or CTE of aliasRoots' rows the query defines (computed once however
 * many conditions join it); by default the join reads them itself.
 */
export function remappedCustomer(ev: EventsStore, column: string, source?: string): { join: string; customer: string } {
  return {
    join: `LEFT ANY JOIN ${source ?? `(\n      ${aliasRoots(ev)}\n    )`} AS remap ON remap.alias_id = ${column}`,
    customer: `if(remap.alias_id = ${column}, remap.root, ${column})`,
  };
}
