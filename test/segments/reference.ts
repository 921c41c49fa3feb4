// An independent RFM in plain TypeScript: raw rows in, scores out. It shares no code with
// src/segments, reading the orders and aliases as stored (every version) and doing the
// de-duplication, OneID remap, local-day arithmetic, quantiles and classification itself.
import type { Ctx } from '../../src/store/index.js';
import type { RfmSettings } from '../../src/segments/index.js';

export interface RawOrder {
  order_id: string;
  customer_id: string;
  status: string;
  ordered_at: string;
  total_fen: number;
  refunded_fen: number;
  version: number;
}

export interface ReferenceScore {
  recencyDays: number;
  frequency: number;
  monetaryFen: number;
  r: number;
  f: number;
  m: number;
  segment: string;
}

export async function rawOrders(ctx: Ctx, ws: string): Promise<RawOrder[]> {
  return ctx.events.query<RawOrder>(
    `SELECT order_id, toString(customer_id) AS customer_id, status, toString(ordered_at) AS ordered_at, total_fen, refunded_fen, version
     FROM ${ctx.events.table('orders')} WHERE workspace_id = {ws:UUID}`,
    { ws },
  );
}

export async function rawAliases(ctx: Ctx, ws: string): Promise<Map<string, string>> {
  const rows = await ctx.events.query<{ alias_id: string; customer_id: string; version: number }>(
    `SELECT toString(alias_id) AS alias_id, toString(customer_id) AS customer_id, version FROM ${ctx.events.table('customer_aliases')} WHERE workspace_id = {ws:UUID}`,
    { ws },
  );
  const best = new Map<string, { to: string; v: number }>();
  for (const r of rows) {
    const cur = best.get(r.alias_id);
    if (!cur || Number(r.version) > cur.v) best.set(r.alias_id, { to: r.customer_id, v: Number(r.version) });
  }
  return new Map([...best].map(([k, v]) => [k, v.to]));
}

/** Days since 1970-01-01 of the local calendar date of an instant. */
export function localDay(at: Date, timeZone: string): number {
  const parts = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).formatToParts(at);
  const get = (t: string) => Number(parts.find((p) => p.type === t)!.value);
  return Date.UTC(get('year'), get('month') - 1, get('day')) / 86_400_000;
}

const utc = (s: string) => new Date(`${s.replace(' ', 'T')}Z`);

/** The element at ⌊level·n⌋ of the sorted values. */
function quantile(sorted: number[], level: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(level * sorted.length))];
}

const BITS = ['general_winback', 'important_winback', 'general_retain', 'important_retain', 'general_develop', 'important_develop', 'general_value', 'important_value'];

export function referenceRfm(orders: RawOrder[], aliases: Map<string, string>, settings: RfmSettings, now: Date, timeZone: string): Map<string, ReferenceScore> {
  const newest = new Map<string, RawOrder>();
  for (const o of orders) {
    const cur = newest.get(o.order_id);
    if (!cur || Number(o.version) > Number(cur.version)) newest.set(o.order_id, o);
  }
  const today = localDay(now, timeZone);
  const firstDay = today - (settings.windowDays - 1);
  const per = new Map<string, { last: number; f: number; m: number }>();
  for (const o of newest.values()) {
    const at = utc(o.ordered_at);
    const day = localDay(at, timeZone);
    if (o.status !== 'completed' || day < firstDay || at > now) continue;
    const who = aliases.get(o.customer_id) ?? o.customer_id;
    const s = per.get(who) ?? { last: -Infinity, f: 0, m: 0 };
    s.last = Math.max(s.last, day);
    s.f += 1;
    s.m += Math.max(0, Number(o.total_fen) - Number(o.refunded_fen));
    per.set(who, s);
  }
  const rows = [...per].map(([id, s]) => ({ id, rd: today - s.last, f: s.f, m: s.m }));
  const sorted = (xs: number[]) => [...xs].sort((a, b) => a - b);
  const levels = [0.2, 0.4, 0.6, 0.8];
  let score: (x: { rd: number; f: number; m: number }) => [number, number, number];
  if (settings.scoring === 'quintile') {
    const rq = levels.map((l) => quantile(sorted(rows.map((r) => r.rd)), l));
    const fq = levels.map((l) => quantile(sorted(rows.map((r) => r.f)), l));
    const mq = levels.map((l) => quantile(sorted(rows.map((r) => r.m)), l));
    score = (x) => [1 + rq.filter((c) => x.rd < c).length, 1 + fq.filter((c) => x.f > c).length, 1 + mq.filter((c) => x.m > c).length];
  } else {
    const t = settings.thresholds;
    score = (x) => [1 + t.recencyDays.filter((c) => x.rd <= c).length, 1 + t.frequency.filter((c) => x.f >= c).length, 1 + t.monetaryFen.filter((c) => x.m >= c).length];
  }
  const scored = rows.map((x) => ({ ...x, s: score(x) }));
  const center = (xs: number[]) => (settings.compareTo === 'mean' ? xs.reduce((a, b) => a + b, 0) / xs.length : quantile(sorted(xs), 0.5));
  const [rc, fc, mc] = [0, 1, 2].map((i) => center(scored.map((x) => x.s[i])));
  return new Map(
    scored.map((x) => {
      const [r, f, m] = x.s;
      const bits = (r > rc ? 4 : 0) + (f > fc ? 2 : 0) + (m > mc ? 1 : 0);
      return [x.id, { recencyDays: x.rd, frequency: x.f, monetaryFen: x.m, r, f, m, segment: BITS[bits] }];
    }),
  );
}
