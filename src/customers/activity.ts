/** A customer's seen range and first / last channel, as the state store holds them. */
export interface Activity {
  firstSeen: number;
  lastSeen: number;
  channel: string | null;
  channelAt: number | null;
  lastChannel: string | null;
  lastChannelAt: number | null;
}

/**
 * The seen range and first / last channel that events (or imported rows) show: the earliest
 * event with a channel sets the first channel, the latest (the later of equal times) the last.
 */
export function activityOf(events: readonly { at: Date; channel?: string | null }[]): Activity {
  const a: Activity = { firstSeen: Infinity, lastSeen: -Infinity, channel: null, channelAt: null, lastChannel: null, lastChannelAt: null };
  for (const e of events) {
    const at = e.at.getTime();
    a.firstSeen = Math.min(a.firstSeen, at);
    a.lastSeen = Math.max(a.lastSeen, at);
    if (!e.channel) continue;
    if (a.channelAt === null || at < a.channelAt) [a.channel, a.channelAt] = [e.channel, at];
    if (a.lastChannelAt === null || at >= a.lastChannelAt) [a.lastChannel, a.lastChannelAt] = [e.channel, at];
  }
  return a;
}

/**
 * How precisely the seen range is kept: an event inside the stored range, or less than this
 * past its end with the same channel, changes nothing worth a write. Operators read "last seen"
 * in minutes and days; the events keep their exact times.
 */
export const SEEN_PRECISION_MS = 60_000;

/**
 * The activity this process last stored (or read back) per customer, so that the steady stream of
 * page views and clicks of known customers does not rewrite their profile rows on every batch.
 * Values are remembered only after their transaction commits. Another process may have moved a
 * customer's range further meanwhile: then a write skipped here would have changed nothing either
 * (ranges only widen), or less than SEEN_PRECISION_MS. Two generations of `capacity` customers
 * (all workspaces together: customer ids are unique).
 */
export class ActivityMemory {
  private current = new Map<string, Activity>();
  private previous = new Map<string, Activity>();
  constructor(private readonly capacity: number) {}

  /** Whether what a batch's events show changes the customer's stored activity (always, when it is not remembered). */
  changes(customerId: string, seen: Activity): boolean {
    const a = this.current.get(customerId) ?? this.previous.get(customerId);
    if (!a) return true;
    if (seen.firstSeen < a.firstSeen || seen.lastSeen > a.lastSeen + SEEN_PRECISION_MS) return true;
    if (seen.channelAt !== null && (a.channelAt === null || seen.channelAt < a.channelAt)) return true;
    const last = seen.lastChannelAt;
    if (last !== null && (a.lastChannelAt === null || (seen.lastChannel !== a.lastChannel && last >= a.lastChannelAt) || last > a.lastChannelAt + SEEN_PRECISION_MS)) return true;
    return false;
  }

  /** Remembers stored activity (after the transaction that wrote or read it committed). */
  remember(customerId: string, a: Activity): void {
    if (this.current.size >= this.capacity && !this.current.has(customerId)) {
      this.previous = this.current;
      this.current = new Map();
    }
    this.current.set(customerId, a);
  }
}
