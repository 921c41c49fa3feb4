import type { Ctx } from '../store/index.js';
import { pollWecomDeliveries } from './delivery.js';
import { dispatchOnce } from './dispatch.js';

/**
 * Dispatches the outbox every `everyMs` (at once again while a pass finds a full batch), then
 * polls WeCom for the delivery of mass sends waiting for their staff member's confirmation.
 */
export function startMessagesWorker(ctx: Ctx, everyMs = 2_000): () => Promise<void> {
  let running: Promise<void> | null = null;
  let stopped = false;
  const pass = async () => {
    for (;;) {
      const r = await dispatchOnce(ctx, { limit: 100 });
      if (stopped || r.claimed < 100) break;
    }
    for (;;) {
      const r = await pollWecomDeliveries(ctx, { limit: 200 });
      if (stopped || r.checked < 200) return;
    }
  };
  const tick = () => {
    running ??= pass()
      .catch((err) => ctx.log.error({ err }, 'messages worker pass failed'))
      .finally(() => {
        running = null;
      });
  };
  tick();
  const timer = setInterval(tick, everyMs);
  return async () => {
    stopped = true;
    clearInterval(timer);
    await running;
  };
}
