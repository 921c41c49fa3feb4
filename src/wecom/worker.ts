import type { Ctx } from '../store/index.js';
import { refreshLiveCodes } from './codes.js';
import { kickInbox } from './inbox.js';
import { runInBackground, wecomIdle } from './jobs.js';
import { syncAll } from './sync.js';
import { pushTags } from './tag-sync.js';

export interface WorkerOptions {
  /** Retry failed callbacks and move live codes on (working hours, a new day's caps). */
  pollMs?: number;
  /** The reconcile full sync. */
  reconcileMs?: number;
}

async function connected(ctx: Ctx): Promise<string[]> {
  return (await ctx.db.selectFrom('wecom_settings').select('workspace_id').execute()).map((r) => r.workspace_id);
}

/**
 * Background work of the WeCom module for `siyu serve`: callbacks left unprocessed (a crash, a
 * WeCom outage), live-code schedules and the push of linked tags every half minute, and a full reconcile once a day.
 * Returns the stop function, which waits for running work.
 */
export function startWecomWorker(ctx: Ctx, opts: WorkerOptions = {}): () => Promise<void> {
  const poll = async () => {
    for (const ws of await connected(ctx)) {
      kickInbox(ctx, ws);
      runInBackground(ctx, `wecom-codes:${ws}`, () => refreshLiveCodes(ctx, ws));
      runInBackground(ctx, `wecom-tags:${ws}`, () => pushTags(ctx, ws));
    }
  };
  const reconcile = async () => {
    for (const ws of await connected(ctx)) runInBackground(ctx, `wecom-sync:${ws}`, () => syncAll(ctx, ws));
  };
  const safely = (fn: () => Promise<void>) => () => void fn().catch((err) => ctx.log.error({ err }, 'wecom worker tick failed'));
  const timers = [setInterval(safely(poll), opts.pollMs ?? 30_000), setInterval(safely(reconcile), opts.reconcileMs ?? 86_400_000)];
  return async () => {
    for (const t of timers) clearInterval(t);
    await wecomIdle();
  };
}
