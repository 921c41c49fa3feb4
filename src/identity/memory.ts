import type { Ctx, StateStore } from '../store/index.js';
import { type Identifier, storedKey } from './identifiers.js';

/**
 * Records, in the caller's transaction, that identifier → customer links pointing at these
 * customers may be wrong from now on (a customer merged away, an unmerge moving ids back, an
 * identifier reassigned or deleted). `null` stands for every customer of the workspace.
 * Processes that remember links (IdentityMemory) drop them before their next batch.
 */
export async function recordIdentityChange(tx: Pick<Ctx, 'db' | 'clock'>, workspaceId: string, customerIds: readonly (string | null)[]): Promise<void> {
  if (customerIds.length === 0) return;
  const at = tx.clock.now();
  await tx.db
    .insertInto('identity_changes')
    .values([...new Set(customerIds)].map((customer_id) => ({ workspace_id: workspaceId, customer_id, at })))
    .execute();
}

/** Change rows are kept this long; a process that has not looked for longer forgets everything. */
export const IDENTITY_CHANGES_KEPT_MS = 24 * 3_600_000;

export async function purgeIdentityChanges(db: StateStore, before: Date): Promise<number> {
  const res = await db.deleteFrom('identity_changes').where('at', '<', before).executeTakeFirst();
  return Number(res.numDeletedRows);
}

/** Changes read before a batch at most; past that the workspace's links are all forgotten. */
const CHANGES_READ = 10_000;

interface Link {
  customer: string;
  /** The change sequence the link was known valid at. */
  seq: number;
}

interface WorkspaceLinks {
  current: Map<string, Link>;
  previous: Map<string, Link>;
  /** Customer → sequence of its newest change: links to it learned before that are stale. */
  changed: Map<string, number>;
  /** Newest change read; links learned now are valid as of it. */
  seq: number;
  /** Links in `current` (and `previous`) were learned at this sequence or later. */
  currentFrom: number;
  previousFrom: number;
  readAt: number;
}

/**
 * Which customer an event's identifiers belong to, remembered in this process so that events of
 * known people need no state-store lookup: the common case of ingest. Links are learned only from
 * committed resolutions, and before every batch `refresh` reads the identity changes since the
 * last look, so a link to a customer merged away (or otherwise changed) is not used again.
 *
 * That read sees every change made before it only if no change is still uncommitted: on PGlite a
 * transaction has the database to itself; on a PostgreSQL server the caller holds the
 * workspace's identity graph exclusively (locks.ts), which every identity change holds shared.
 *
 * Memory is bounded: two generations of at most `capacity` links (all workspaces together); a link
 * used from the older generation moves to the newer one.
 */
export class IdentityMemory {
  private readonly workspaces = new Map<string, WorkspaceLinks>();
  /** Links in the newer generations of all workspaces: past `capacity`, every workspace starts a new one. */
  private newer = 0;
  constructor(private readonly capacity: number) {}

  /** The one customer holding every identifier, when all are remembered; null otherwise. */
  lookup(workspaceId: string, ids: readonly Identifier[]): string | null {
    const w = this.workspaces.get(workspaceId);
    if (!w || ids.length === 0) return null;
    let customer: string | null = null;
    for (const id of ids) {
      const key = storedKey(id);
      const link = w.current.get(key) ?? w.previous.get(key);
      if (!link || !this.valid(w, link) || (customer !== null && link.customer !== customer)) return null;
      if (!w.current.has(key)) this.put(w, key, { customer: link.customer, seq: w.seq }); // still valid now
      customer = link.customer;
    }
    return customer;
  }

  /** Remembers committed links (call after the transaction that resolved them has committed). */
  learn(workspaceId: string, links: readonly { ids: readonly Identifier[]; customer: string }[]): void {
    const w = this.workspaces.get(workspaceId);
    if (!w) return; // never refreshed: nothing is known to be valid
    for (const { ids, customer } of links) for (const id of ids) this.put(w, storedKey(id), { customer, seq: w.seq });
  }

  /** Reads the identity changes of the workspace since the last call and drops what they invalidate. */
  async refresh(db: StateStore, workspaceId: string, now: number): Promise<void> {
    let w = this.workspaces.get(workspaceId);
    if (w && now - w.readAt > IDENTITY_CHANGES_KEPT_MS / 2) {
      this.workspaces.delete(workspaceId); // changes may have been purged since the last look
      w = undefined;
    }
    if (!w) {
      const row = await db.selectFrom('identity_changes').select((eb) => eb.fn.max('seq').as('seq')).where('workspace_id', '=', workspaceId).executeTakeFirst();
      const seq = Number(row?.seq ?? 0);
      this.workspaces.set(workspaceId, { current: new Map(), previous: new Map(), changed: new Map(), seq, currentFrom: seq, previousFrom: seq, readAt: now });
      return;
    }
    const rows = await db.selectFrom('identity_changes').select(['seq', 'customer_id']).where('workspace_id', '=', workspaceId).where('seq', '>', w.seq).orderBy('seq').limit(CHANGES_READ).execute();
    w.readAt = now;
    if (rows.length === CHANGES_READ) {
      // Many changes at once (a big merge run): forgetting everything is cheaper than reading them.
      this.workspaces.delete(workspaceId);
      return this.refresh(db, workspaceId, now);
    }
    for (const r of rows) {
      const seq = Number(r.seq);
      if (r.customer_id === null) {
        w.current.clear();
        w.previous.clear();
        w.changed.clear();
        w.currentFrom = w.previousFrom = seq;
      } else w.changed.set(r.customer_id, seq);
      w.seq = seq;
    }
  }

  /** Forgets every link (tests; a workspace wiped). */
  clear(): void {
    this.workspaces.clear();
  }

  private valid(w: WorkspaceLinks, link: Link): boolean {
    const changedAt = w.changed.get(link.customer);
    return changedAt === undefined || changedAt <= link.seq;
  }

  private put(w: WorkspaceLinks, key: string, link: Link): void {
    if (this.newer >= this.capacity) {
      for (const x of this.workspaces.values()) rotate(x);
      this.newer = 0;
    }
    if (!w.current.has(key)) this.newer++;
    w.current.set(key, link);
  }
}

function rotate(w: WorkspaceLinks): void {
  w.previous = w.current;
  w.current = new Map();
  w.previousFrom = w.currentFrom;
  w.currentFrom = w.seq;
  // A change no newer than every remembered link cannot invalidate any of them.
  for (const [customer, seq] of w.changed) if (seq <= w.previousFrom) w.changed.delete(customer);
}
