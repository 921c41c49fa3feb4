import { DAY_MS, zonedDayStart } from '../core/index.js';
import { chTime, type EventsStore } from '../store/index.js';
import { aliasRoots, remappedCustomer } from '../identity/index.js';

/**
 * Collects ClickHouse query parameters. Every value reaches the server through {name:Type}
 * binding; SQL text only ever contains generated parameter names and fixed fragments.
 */
export class Params {
  readonly values: Record<string, unknown>;
  private next = 0;
  constructor(workspaceId: string) {
    this.values = { ws: workspaceId };
  }
  add(type: string, value: unknown): string {
    const name = `p${this.next++}`;
    this.values[name] = value;
    return `{${name}:${type}}`;
  }
  time(at: Date): string {
    return this.add("DateTime64(3, 'UTC')", chTime(at));
  }
}

/**
 * Rows of an events-store table keyed by customer, with the customer resolved through OneID
 * merges: `FROM <from> WHERE …` yields `cid`, the live customer the row counts for (the stored
 * customer_id itself when the workspace has no merges). `source`: see remappedCustomer.
 */
export function remapped(ev: EventsStore, table: string, alias: string, final = false, merges = true, source?: string): { from: string; cid: string } {
  if (!merges) return { from: `${ev.table(table)} AS ${alias}${final ? ' FINAL' : ''}`, cid: `${alias}.customer_id` };
  const remap = remappedCustomer(ev, `${alias}.customer_id`, source);
  return { from: `${ev.table(table)} AS ${alias}${final ? ' FINAL' : ''} ${remap.join}`, cid: remap.customer };
}

/**
 * Whether any customer of the workspace was ever merged into another (customer_aliases has a
 * row). Without merges every stored customer id is its live customer, and queries skip the
 * OneID remap (a join per row or per buyer, and a second grouping): the first merge pushed
 * while such a query runs is seen by the next one, as a merge pushed just after it would be.
 */
export async function hasMerges(ev: EventsStore, workspaceId: string): Promise<boolean> {
  const rows = await ev.query(`SELECT 1 AS m FROM ${ev.table('customer_aliases')} WHERE workspace_id = {ws:UUID} LIMIT 1`, { ws: workspaceId });
  return rows.length > 0;
}

/**
 * Per-customer rows of a query over stored customers, resolved to live customers through OneID,
 * as entries of a WITH clause (materialized CTEs, so each is computed once): `remap` (alias →
 * root), `<name>_stored` (the query: one row per stored customer_id) and `<name>` (one row per
 * live customer, as cid and the same columns). Only the rows of merged customers (aliases) and
 * of those they were merged into (roots) are regrouped; every other row is already its live
 * customer's, so a workspace with few merges pays for few (the remap and regrouping of every
 * buyer cost ≈ 40% of the RFM query at 10^6 customers). Each column combines across a merged
 * customer's rows as `combine` says (sum for counts and amounts, min or max for dates), which is
 * exact. The query that uses them needs `SETTINGS enable_materialized_cte = 1`.
 */
export function resolvedRows(ev: EventsStore, name: string, stored: string, combine: Record<string, 'sum' | 'min' | 'max'>): string {
  const cols = Object.keys(combine);
  const merged = `customer_id IN (SELECT alias_id FROM remap) OR customer_id IN (SELECT root FROM remap)`;
  return `remap AS MATERIALIZED (
      ${aliasRoots(ev)}
    ), ${name}_stored AS MATERIALIZED (${stored}),
    ${name} AS MATERIALIZED (
      SELECT customer_id AS cid, ${cols.join(', ')} FROM ${name}_stored WHERE NOT (${merged})
      UNION ALL
      SELECT cid, ${cols.map((c) => `${combine[c]}(${c}) AS ${c}`).join(', ')}
      FROM (
        SELECT if(r.alias_id = s.customer_id, r.root, s.customer_id) AS cid, ${cols.map((c) => `s.${c} AS ${c}`).join(', ')}
        FROM (SELECT * FROM ${name}_stored WHERE ${merged}) AS s LEFT ANY JOIN remap AS r ON r.alias_id = s.customer_id
      )
      GROUP BY cid
    )`;
}

/**
 * Purchases aggregated per live customer, in two steps: per stored customer first (one row per
 * buyer instead of one per order), then resolved through OneID, so the merge join looks up
 * buyers rather than orders. Count, sum, min and max add up exactly across a merged customer's
 * rows: group the result by cid with sum(n), sum(net), min(first), max(last). Without merges
 * (`merges` false) a row is its customer's already: no join, and nothing to group again.
 * Columns: cid, n (purchases), net (amount net of refunds), first, last (ordered_at).
 *
 * Purchases are the newest version of every completed order (ingest marks a fully refunded
 * order 'refunded': not a purchase), at its amount net of partial refunds (net_fen, a column
 * ClickHouse computes on insert). `when` (a condition on o.ordered_at) is applied before the
 * versions are merged: all versions of an order share its ordered_at, so this is exact, and a
 * short window reads only its rows (minmax index). `filter` (on o.skus, o.categories) and
 * `within` (` AND o.customer_id IN …`: only some customers' rows) apply to the newest version
 * (WHERE after FINAL: a later version may name another customer).
 */
export function orderAggregates(ev: EventsStore, when: string, filter?: string, within = '', merges = true, source?: string): string {
  const stored = `SELECT o.customer_id AS customer_id, count() AS n, sum(o.net_fen) AS net, min(o.ordered_at) AS first, max(o.ordered_at) AS last
      FROM ${ev.table('orders')} AS o FINAL
      PREWHERE ${when}
      WHERE o.workspace_id = {ws:UUID} AND o.status = 'completed'${filter ? ` AND (${filter})` : ''}${within}
      GROUP BY o.customer_id`;
  if (!merges) return `SELECT customer_id AS cid, n, net, first, last FROM (${stored})`;
  const remap = remappedCustomer(ev, 'b.customer_id', source);
  return `SELECT ${remap.customer} AS cid, b.n AS n, b.net AS net, b.first AS first, b.last AS last FROM (${stored}) AS b ${remap.join}`;
}

/**
 * Live customers with at least one purchase matching `when`, `filter` and `within` (as in orderAggregates):
 * the stored buyers, distinct, then resolved through OneID. No per-customer aggregate is built,
 * which makes "bought (not) in the last N days" about a quarter cheaper than counting.
 */
export function orderBuyers(ev: EventsStore, when: string, filter?: string, within = '', merges = true, source?: string): string {
  if (!merges) {
    return `SELECT DISTINCT o.customer_id AS cid FROM ${ev.table('orders')} AS o FINAL
      PREWHERE ${when}
      WHERE o.workspace_id = {ws:UUID} AND o.status = 'completed'${filter ? ` AND (${filter})` : ''}${within}`;
  }
  const remap = remappedCustomer(ev, 'b.customer_id', source);
  return `SELECT ${remap.customer} AS cid
    FROM (
      SELECT DISTINCT o.customer_id AS customer_id
      FROM ${ev.table('orders')} AS o FINAL
      PREWHERE ${when}
      WHERE o.workspace_id = {ws:UUID} AND o.status = 'completed'${filter ? ` AND (${filter})` : ''}${within}
    ) AS b ${remap.join}`;
}

/** Start of the local day `days - 1` days before today: "the last N days" includes today. */
export function lastDaysStart(now: Date, timeZone: string, days: number): Date {
  const today = zonedDayStart(now, timeZone);
  // From noon of the target day, so a DST change on the way cannot shift the date.
  return zonedDayStart(new Date(today.getTime() - (days - 1) * DAY_MS + 12 * 3_600_000), timeZone);
}

/** Local midnight starting a YYYY-MM-DD date in the zone. */
export function localDateStart(date: string, timeZone: string): Date {
  return zonedDayStart(new Date(`${date}T12:00:00Z`), timeZone);
}

/** Local midnight ending a YYYY-MM-DD date (the next day's start). */
export function localDateEnd(date: string, timeZone: string): Date {
  return zonedDayStart(new Date(new Date(`${date}T12:00:00Z`).getTime() + DAY_MS), timeZone);
}
