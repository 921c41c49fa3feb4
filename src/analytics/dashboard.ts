import { DAY_MS, formatDateInZone, zonedDayStart } from '../core/index.js';
import { chTime, type Ctx } from '../store/index.js';
import { remappedCustomer } from '../identity/index.js';

export interface Dashboard {
  timezone: string;
  customers: number;
  eventsToday: number;
  orders30d: number;
  /** Customers with an order in the 30 days, counting merged customers once (as their survivor). */
  buyers30d: number;
  gmv30dFen: number;
  aov30dFen: number;
  daily: { date: string; orders: number; gmvFen: number }[];
}

/**
 * The landing figures: customers (merged ones count once, as their survivor), events since local
 * midnight, and orders / buyers / GMV over the last 30 local days (today included). GMV counts
 * every order placed, before refunds.
 */
export async function dashboard(ctx: Ctx, workspace: { id: string; timezone: string }): Promise<Dashboard> {
  const tz = workspace.timezone;
  const now = ctx.clock.now();
  const today = zonedDayStart(now, tz);
  const from = new Date(today.getTime() - 29 * DAY_MS);
  const ev = ctx.events;
  const buyer = remappedCustomer(ev, 'o.customer_id');
  const [customers, events, days, buyers] = await Promise.all([
    ctx.db
      .selectFrom('customers')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('workspace_id', '=', workspace.id)
      .where('merged_into', 'is', null)
      .executeTakeFirstOrThrow(),
    ev.query<{ n: number }>(
      `SELECT count() AS n FROM ${ev.table('events')} WHERE workspace_id = {ws:UUID} AND timestamp >= {from:DateTime64(3, 'UTC')} AND timestamp <= {to:DateTime64(3, 'UTC')}`,
      { ws: workspace.id, from: chTime(today), to: chTime(now) },
    ),
    ev.query<{ d: string; orders: number; gmv: number }>(
      `SELECT toString(toDate(ordered_at, {tz:String})) AS d, count() AS orders, sum(total_fen) AS gmv
       FROM ${ev.table('orders')} FINAL
       WHERE workspace_id = {ws:UUID} AND ordered_at >= {from:DateTime64(3, 'UTC')} AND ordered_at <= {to:DateTime64(3, 'UTC')}
       GROUP BY d`,
      { ws: workspace.id, tz, from: chTime(from), to: chTime(now) },
    ),
    ev.query<{ n: number }>(
      `SELECT uniqExact(${buyer.customer}) AS n
       FROM ${ev.table('orders')} AS o FINAL ${buyer.join}
       WHERE o.workspace_id = {ws:UUID} AND o.ordered_at >= {from:DateTime64(3, 'UTC')} AND o.ordered_at <= {to:DateTime64(3, 'UTC')}`,
      { ws: workspace.id, from: chTime(from), to: chTime(now) },
    ),
  ]);
  const byDay = new Map(days.map((d) => [d.d, d]));
  const daily = Array.from({ length: 30 }, (_, i) => {
    // Noon of each local day avoids any ambiguity at day boundaries when naming it.
    const date = formatDateInZone(new Date(from.getTime() + i * DAY_MS + 12 * 3_600_000), tz);
    const d = byDay.get(date);
    return { date, orders: Number(d?.orders ?? 0), gmvFen: Number(d?.gmv ?? 0) };
  });
  const orders30d = daily.reduce((s, d) => s + d.orders, 0);
  const gmv30dFen = daily.reduce((s, d) => s + d.gmvFen, 0);
  return {
    timezone: tz,
    customers: Number(customers.n),
    eventsToday: Number(events[0]?.n ?? 0),
    orders30d,
    buyers30d: Number(buyers[0]?.n ?? 0),
    gmv30dFen,
    aov30dFen: orders30d ? Math.round(gmv30dFen / orders30d) : 0,
    daily,
  };
}
