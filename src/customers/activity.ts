/** A customer's seen range and first / last channel, as the state store holds them. */
export interface Activity {
  firstSeen: number;
  lastSeen: number;
  channel: string | null;
  channelAt: number | null;
  lastChannel: string | null;
  lastChannelAt: number | null;
}

/** What a batch of activity-only events says about one customer (epoch ms). */
export interface ActivitySpan {
  first: number;
  last: number;
  /** First and last event with a channel, if any. */
  firstChannel?: { channel: string; at: number };
  lastChannel?: { channel: string; at: number };
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

  /** Whether the span changes the customer's stored activity (always, when it is not remembered). */
  changes(customerId: string, span: ActivitySpan): boolean {
    const a = this.current.get(customerId) ?? this.previous.get(customerId);
    if (!a) return true;
    if (span.first < a.firstSeen || span.last > a.lastSeen + SEEN_PRECISION_MS) return true;
    const fc = span.firstChannel;
    if (fc && (a.channelAt === null || fc.at < a.channelAt)) return true;
    const lc = span.lastChannel;
    if (lc && (a.lastChannelAt === null || (lc.channel !== a.lastChannel && lc.at >= a.lastChannelAt) || lc.at > a.lastChannelAt + SEEN_PRECISION_MS)) return true;
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

  forget(customerId: string): void {
    this.current.delete(customerId);
    this.previous.delete(customerId);
  }
}
