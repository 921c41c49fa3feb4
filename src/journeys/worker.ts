import type { Ctx } from '../store/index.js';

/** Puts customers into a live journey (manual / API trigger). Filled in by the engine. */
export async function enterJourney(_ctx: Ctx, _workspaceId: string, _journeyId: string, _customerIds: readonly string[]): Promise<{ entered: number; skipped: number }> {
  return { entered: 0, skipped: 0 };
}

/** One worker pass: triggers, due runs, deferred effects. */
export async function runJourneysOnce(_ctx: Ctx, _opts: { limit?: number } = {}): Promise<{ entered: number; executed: number }> {
  return { entered: 0, executed: 0 };
}

export function startJourneysWorker(_ctx: Ctx): () => Promise<void> {
  return async () => undefined;
}
