import { DAY_MS, zonedDayStart } from '../core/index.js';
import { chTime, type EventsStore } from '../store/index.js';
import { remappedCustomer } from '../identity/index.js';

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
 * merges: `FROM <from> WHERE …` yields `cid`, the live customer the row counts for.
 */
export function remapped(ev: EventsStore, table: string, alias: string, final = false): { from: string; cid: string } {
  const remap = remappedCustomer(ev, `${alias}.customer_id`);
  return { from: `${ev.table(table)} AS ${alias}${final ? ' FINAL' : ''} ${remap.join}`, cid: remap.customer };
}

/**
 * Purchases aggregated per live customer, in two steps: per stored customer first (one row per
 * buyer instead of one per order), then resolved through OneID, so the merge join looks up
 * buyers rather than orders. Count, sum, min and max add up exactly across a merged customer's
 * rows: group the result by cid with sum(n), sum(net), min(first), max(last).
 * Columns: cid, n (purchases), net (amount net of refunds), first, last (ordered_at).
 *
 * Purchases are the newest version of every completed order (ingest marks a fully refunded
 * order 'refunded': not a purchase), at its amount net of partial refunds (net_fen, a column
 * ClickHouse computes on insert). `when` (a condition on
 * o.ordered_at) is applied before the versions are merged: all versions of an order share its
 * ordered_at, so this is exact, and a short window reads only its rows (minmax index).
 * `filter` (on o.skus, o.categories) applies to the newest version.
 */
export function orderAggregates(ev: EventsStore, when: string, filter?: string): string {
  const remap = remappedCustomer(ev, 'b.customer_id');
  return `SELECT ${remap.customer} AS cid, b.n AS n, b.net AS net, b.first AS first, b.last AS last
    FROM (
      SELECT o.customer_id AS customer_id, count() AS n, sum(o.net_fen) AS net, min(o.ordered_at) AS first, max(o.ordered_at) AS last
      FROM ${ev.table('orders')} AS o FINAL
      PREWHERE ${when}
      WHERE o.workspace_id = {ws:UUID} AND o.status = 'completed'${filter ? ` AND (${filter})` : ''}
      GROUP BY o.customer_id
    ) AS b ${remap.join}`;
}

/**
 * Live customers with at least one purchase matching `when` and `filter` (as in orderAggregates):
 * the stored buyers, distinct, then resolved through OneID. No per-customer aggregate is built,
 * which makes "bought (not) in the last N days" about a quarter cheaper than counting.
 */
export function orderBuyers(ev: EventsStore, when: string, filter?: string): string {
  const remap = remappedCustomer(ev, 'b.customer_id');
  return `SELECT ${remap.customer} AS cid
    FROM (
      SELECT DISTINCT o.customer_id AS customer_id
      FROM ${ev.table('orders')} AS o FINAL
      PREWHERE ${when}
      WHERE o.workspace_id = {ws:UUID} AND o.status = 'completed'${filter ? ` AND (${filter})` : ''}
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
