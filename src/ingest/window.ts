import { sql } from 'kysely';
import type { StateStore } from '../store/index.js';

/** How long processed messageIds are remembered (Segment keeps "at least 24 hours' worth"). */
export const MESSAGE_WINDOW_MS = 24 * 3_600_000;

interface WorkspaceIds {
  current: Set<string>;
  previous: Set<string>;
  /** Newest batch row read. */
  seq: number;
}

/**
 * The messageIds each workspace sent in the last 24 hours (the newest `capacity` to twice that
 * many, all workspaces together), for the collection API's de-duplication: a repeat (an SDK
 * retrying a request whose answer it missed, a client sending twice) is skipped. Every processed
 * batch leaves one row of its messageIds in the state store, in the batch's transaction; this
 * process reads the rows it has not seen before each batch (other processes', after a restart its
 * own), so the window is shared and survives restarts without a row per event.
 *
 * Reading the rows sees every batch committed before it if no other batch of the workspace is
 * uncommitted: on PGlite a transaction has the database to itself; on a PostgreSQL server the
 * batch holds the workspace's identity graph exclusively (locks.ts), as every batch does.
 */
export class MessageWindow {
  private readonly workspaces = new Map<string, WorkspaceIds>();
  /** messageIds in all workspaces' newer halves: past `capacity`, every workspace starts a new half. */
  private newer = 0;
  constructor(private readonly capacity: number) {}

  /** Reads the batches of the workspace committed since the last call (on the first, the newest of the last 24 hours). */
  async refresh(db: StateStore, workspaceId: string, now: Date): Promise<void> {
    let w = this.workspaces.get(workspaceId);
    let rows: { seq: number; message_ids: string }[];
    if (!w) {
      this.workspaces.set(workspaceId, (w = { current: new Set(), previous: new Set(), seq: 0 }));
      // The newest rows of the last 24 hours, as many as the window holds.
      const { rows: newest } = await sql<{ seq: number; message_ids: string }>`
        SELECT seq, message_ids FROM ingest_message_ids WHERE workspace_id = ${workspaceId} AND seq IN (
          SELECT seq FROM (SELECT seq, n, sum(n) OVER (ORDER BY seq DESC) AS upto FROM ingest_message_ids
                           WHERE workspace_id = ${workspaceId} AND at > ${new Date(now.getTime() - MESSAGE_WINDOW_MS)}) r
          WHERE upto - n < ${2 * this.capacity})
        ORDER BY seq`.execute(db);
      rows = newest;
    } else rows = await db.selectFrom('ingest_message_ids').select(['seq', 'message_ids']).where('workspace_id', '=', workspaceId).where('seq', '>', w.seq).orderBy('seq').execute();
    for (const r of rows) {
      for (const id of JSON.parse(r.message_ids) as string[]) this.add(w, id);
      w.seq = Number(r.seq);
    }
  }

  has(workspaceId: string, messageId: string): boolean {
    const w = this.workspaces.get(workspaceId);
    return !!w && (w.current.has(messageId) || w.previous.has(messageId));
  }

  /** The events whose messageId the workspace has not sent before, each messageId once. */
  fresh<E extends { messageId: string }>(workspaceId: string, events: readonly E[]): E[] {
    const batch = new Set<string>();
    return events.filter((e) => {
      if (batch.has(e.messageId) || this.has(workspaceId, e.messageId)) return false;
      batch.add(e.messageId);
      return true;
    });
  }

  /** Stores a processed batch's messageIds in the caller's transaction; returns its row's sequence. */
  async record(db: StateStore, workspaceId: string, messageIds: readonly string[], at: Date): Promise<number | null> {
    if (messageIds.length === 0) return null;
    const row = await db.insertInto('ingest_message_ids').values({ workspace_id: workspaceId, at, n: messageIds.length, message_ids: JSON.stringify(messageIds) }).returning('seq').executeTakeFirstOrThrow();
    return Number(row.seq);
  }

  /**
   * Remembers a batch once its transaction has committed. The window is then current up to its
   * row: nothing of the workspace could commit in between (see the class comment).
   */
  remember(workspaceId: string, messageIds: readonly string[], seq: number | null): void {
    const w = this.workspaces.get(workspaceId);
    if (!w) return;
    for (const id of messageIds) this.add(w, id);
    if (seq !== null && seq > w.seq) w.seq = seq;
  }

  private add(w: WorkspaceIds, id: string): void {
    if (this.newer >= this.capacity) {
      for (const x of this.workspaces.values()) [x.previous, x.current] = [x.current, new Set()];
      this.newer = 0;
    }
    if (!w.current.has(id)) {
      w.current.add(id);
      this.newer++;
    }
  }
}

/** Deletes batch rows older than the window. */
export async function purgeMessageWindow(db: StateStore, now: Date): Promise<number> {
  const res = await db.deleteFrom('ingest_message_ids').where('at', '<', new Date(now.getTime() - MESSAGE_WINDOW_MS)).executeTakeFirst();
  return Number(res.numDeletedRows);
}
