import { DAY_MS } from '../core/index.js';
import type { Ctx } from '../store/index.js';
import { IDENTITY_CHANGES_KEPT_MS, purgeIdentityChanges } from '../identity/index.js';
import { drainInbox } from './process.js';
import { purgeMessageWindow } from './window.js';

/** How long processed inbox rows (imports, retried API batches) are kept for de-duplication. */
export const DEDUPE_WINDOW_MS = 7 * DAY_MS;

/**
 * The ingest worker: drains the inbox every `intervalMs` (backing off while a store fails) and
 * forgets processed events, messageIds and identity changes once they are older than their windows. Several workers
 * may run against one PostgreSQL server; they share the work. Returns a stop function that waits
 * for the current round.
 */
export function startIngestWorker(ctx: Ctx, opts: { intervalMs?: number } = {}): () => Promise<void> {
  const interval = opts.intervalMs ?? 200;
  let stopped = false;
  let delay = interval;
  let lastPurge = 0;
  let timer: NodeJS.Timeout | undefined;
  let round: Promise<void> = Promise.resolve();

  const tick = async () => {
    try {
      await drainInbox(ctx);
      const now = ctx.clock.now().getTime();
      if (now - lastPurge > 3_600_000) {
        await purgeProcessed(ctx, new Date(now - DEDUPE_WINDOW_MS));
        await purgeMessageWindow(ctx.db, new Date(now));
        await purgeIdentityChanges(ctx.db, new Date(now - IDENTITY_CHANGES_KEPT_MS));
        lastPurge = now;
      }
      delay = interval;
    } catch (err) {
      delay = Math.min(delay * 2, 30_000);
      ctx.log.error({ err, retryInMs: delay }, 'ingest worker round failed');
    }
  };
  const schedule = () => {
    if (stopped) return;
    timer = setTimeout(() => {
      round = tick().then(schedule);
    }, delay);
  };
  schedule();
  return async () => {
    stopped = true;
    clearTimeout(timer);
    await round;
  };
}

export async function purgeProcessed(ctx: Ctx, before: Date): Promise<number> {
  const res = await ctx.db.deleteFrom('ingest_inbox').where('processed_at', '<', before).executeTakeFirst();
  return Number(res.numDeletedRows);
}
