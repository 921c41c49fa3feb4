import { startLoop } from '../core/index.js';
import type { Ctx } from '../store/index.js';
import { pollWecomDeliveries } from './delivery.js';
import { dispatchOnce } from './dispatch.js';

/**
 * Dispatches the outbox every `everyMs` (at once again while a pass finds a full batch), then
 * polls WeCom for the delivery of mass sends waiting for their staff member's confirmation.
 */
export function startMessagesWorker(ctx: Ctx, everyMs = 2_000): () => Promise<void> {
  const pass = async (stopped: () => boolean) => {
    for (;;) {
      const r = await dispatchOnce(ctx, { limit: 100 });
      if (stopped() || r.claimed < 100) break;
    }
    for (;;) {
      const r = await pollWecomDeliveries(ctx, { limit: 200 });
      if (stopped() || r.checked < 200) return;
    }
  };
  return startLoop(pass, everyMs, (err) => ctx.log.error({ err }, 'messages worker pass failed'));
}
