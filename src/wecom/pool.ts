import { z } from 'zod';

/**
 * Which staff member a channel live code hands the next customer to. WeCom only spreads adds
 * randomly over a multi-person code, so Siyu keeps exactly the chosen member on the code and
 * moves it after every add (update_contact_way keeps the same QR image).
 */
export const hhmm = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'HH:MM');

export const poolMember = z.object({
  userid: z.string().min(1).max(64),
  /** Share of adds under the weighted strategy. */
  weight: z.number().int().min(1).max(100).default(1),
  /** Adds a day through this code; past it the member is skipped until tomorrow. */
  dailyCap: z.number().int().min(1).max(10_000).nullable().default(null),
  /** Working hours in the workspace's zone, for the scheduled strategy (days 1 = Monday … 7). */
  hours: z.object({ days: z.array(z.number().int().min(1).max(7)).min(1), start: hhmm, end: hhmm }).nullable().default(null),
});
export type PoolMember = z.infer<typeof poolMember>;

export const STRATEGIES = ['round_robin', 'weighted', 'scheduled'] as const;
export type Strategy = (typeof STRATEGIES)[number];

export interface PoolState {
  /** The member who got the last add. */
  last: string | null;
  /** Adds through the code per member: today (workspace zone) and ever. */
  today: Record<string, number>;
  total: Record<string, number>;
  /** Local weekday (1 = Monday) and minutes since local midnight. */
  weekday: number;
  minutes: number;
}

const minutes = (t: string) => Number(t.slice(0, 2)) * 60 + Number(t.slice(3));

function onDuty(m: PoolMember, s: PoolState): boolean {
  if (!m.hours) return true;
  const [start, end] = [minutes(m.hours.start), minutes(m.hours.end)];
  const inHours = start <= end ? s.minutes >= start && s.minutes < end : s.minutes >= start || s.minutes < end;
  return m.hours.days.includes(s.weekday) && inHours;
}

const pick: Record<Strategy, (eligible: PoolMember[], pool: PoolMember[], s: PoolState) => PoolMember> = {
  // The next eligible member after the last one, in pool order.
  round_robin: (eligible, pool, s) => {
    const from = pool.findIndex((m) => m.userid === s.last);
    const order = [...pool.slice(from + 1), ...pool.slice(0, from + 1)];
    return order.find((m) => eligible.includes(m))!;
  },
  // The member furthest below their share: fewest adds per unit of weight (pool order on ties).
  weighted: (eligible, _pool, s) => eligible.reduce((best, m) => ((s.total[m.userid] ?? 0) / m.weight < (s.total[best.userid] ?? 0) / best.weight ? m : best)),
  scheduled: (eligible, pool, s) => pick.round_robin(eligible, pool, s),
};

/**
 * The userids to put on the contact way: the member whose turn it is among those under their
 * daily cap (and, when scheduled, on duty); the backup when nobody is; the whole pool as a last
 * resort, because a contact way must name someone.
 */
export function nextStaff(strategy: Strategy, pool: PoolMember[], backup: string | null, s: PoolState): string[] {
  const eligible = pool.filter((m) => (m.dailyCap === null || (s.today[m.userid] ?? 0) < m.dailyCap) && (strategy !== 'scheduled' || onDuty(m, s)));
  if (eligible.length > 0) return [pick[strategy](eligible, pool, s).userid];
  return backup ? [backup] : pool.map((m) => m.userid);
}
