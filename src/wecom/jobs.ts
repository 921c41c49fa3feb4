import type { Ctx } from '../store/index.js';

/**
 * Work that runs after an answer was sent (callback processing, the sync on connect). Each key
 * runs one job at a time, so events of a workspace are processed in order; idle() lets tests
 * and shutdown wait until everything started has finished.
 */
const running = new Map<string, Promise<void>>();
const rerun = new Set<string>();

export function runInBackground(ctx: Pick<Ctx, 'log'>, key: string, job: () => Promise<unknown>): void {
  if (running.has(key)) {
    rerun.add(key);
    return;
  }
  const loop = async () => {
    do {
      rerun.delete(key);
      await job().catch((err) => ctx.log.error({ err, job: key }, 'wecom background job failed'));
    } while (rerun.has(key));
    running.delete(key);
  };
  running.set(key, loop());
}

export async function wecomIdle(): Promise<void> {
  while (running.size > 0) await Promise.all([...running.values()]);
}
