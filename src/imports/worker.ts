import { newId } from '../core/index.js';
import type { Ctx } from '../store/index.js';
import { storedFile } from './file.js';
import { claimJob, LeaseLost, sweepAbandoned } from './jobs.js';
import { runImport } from './run.js';

/**
 * The import worker: takes queued uploads one at a time (several workers share them through
 * SKIP LOCKED), and gives up jobs nobody will finish. The stop function waits for the current
 * chunk and hands the job back to the queue; the next worker resumes it after its checkpoint.
 */
export function startImportWorker(ctx: Ctx, opts: { intervalMs?: number } = {}): () => Promise<void> {
  const interval = opts.intervalMs ?? 1000;
  const owner = `worker:${process.pid}:${newId()}`;
  let stopped = false;
  const abort = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  let round: Promise<void> = Promise.resolve();

  const tick = async () => {
    try {
      await sweepAbandoned(ctx);
      for (let job = await claimJob(ctx, owner); job && !stopped; job = await claimJob(ctx, owner)) {
        await runImport(ctx, job, storedFile(ctx, job), { owner, drain: true, signal: abort.signal }).catch((err) => {
          if (!(err instanceof LeaseLost)) ctx.log.error({ err, importId: job!.id }, 'import failed');
        });
      }
    } catch (err) {
      ctx.log.error({ err }, 'import worker round failed');
    }
  };
  const schedule = () => {
    if (stopped) return;
    timer = setTimeout(() => {
      round = tick().then(schedule);
    }, interval);
  };
  schedule();
  return async () => {
    stopped = true;
    abort.abort();
    clearTimeout(timer);
    await round;
  };
}
