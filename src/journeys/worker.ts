import type { Ctx } from '../store/index.js';
import { executeDue, type EngineOptions } from './engine.js';
import { applyEffects, runTriggers } from './triggers.js';

export { enterJourney } from './enter.js';

const BATCH = 500;

export interface PassResult {
  entered: number;
  executed: number;
  effects: number;
}

/**
 * One worker pass: triggers (events, dates, schedules) enter customers, then due runs execute in
 * batches until none is due or `limit` runs were handled, then queued tag changes apply.
 */
export async function runJourneysOnce(ctx: Ctx, opts: { limit?: number; triggers?: boolean; batch?: number } & EngineOptions = {}): Promise<PassResult> {
  const entered = opts.triggers === false ? 0 : await runTriggers(ctx);
  const executed = await executeAll(ctx, opts.limit ?? Infinity, opts);
  const effects = await applyEffects(ctx);
  return { entered, executed, effects };
}

async function executeAll(ctx: Ctx, limit: number, opts: { batch?: number } & EngineOptions): Promise<number> {
  let total = 0;
  while (total < limit) {
    const n = await executeDue(ctx, Math.min(opts.batch ?? BATCH, limit - total), opts);
    total += n;
    if (n === 0) break;
  }
  return total;
}

/**
 * The journeys worker: due runs are claimed continuously (a short sleep when none is due),
 * triggers and tag changes every `triggerEveryMs`. Several workers (processes) share the load.
 */
export function startJourneysWorker(ctx: Ctx, opts: { idleMs?: number; triggerEveryMs?: number; batch?: number } & EngineOptions = {}): () => Promise<void> {
  let stopped = false;
  let lastTriggers = 0;
  const idle = opts.idleMs ?? 200;
  const every = opts.triggerEveryMs ?? 5_000;
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
  const loop = (async () => {
    while (!stopped) {
      try {
        // Wall time paces the loop; domain time (ctx.clock) decides what is due.
        const wall = performance.now();
        if (wall - lastTriggers >= every) {
          lastTriggers = wall;
          await runTriggers(ctx);
          await applyEffects(ctx);
        }
        const n = await executeDue(ctx, opts.batch ?? BATCH, opts);
        if (n === 0) await sleep(idle);
      } catch (err) {
        ctx.log.error({ err }, 'journeys worker pass failed');
        await sleep(1000);
      }
    }
  })();
  return async () => {
    stopped = true;
    await loop;
  };
}
