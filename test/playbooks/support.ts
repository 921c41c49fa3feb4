import fs from 'node:fs';
import { buildServer, type Server } from '../../src/api/index.js';
import { manualClock, newId, type ManualClock } from '../../src/core/index.js';
import { loadDemo } from '../../src/demo/index.js';
import { clearTokenCache, mountWecomDemo, type WecomDemo, wecomIdle } from '../../src/wecom/index.js';
import { insertEvent } from '../support/events.js';
import { type TestCtx, testStores } from '../support/stores.js';

export interface DemoBrand {
  ctx: TestCtx;
  clock: ManualClock;
  app: Server;
  demo: WecomDemo;
  ws: { id: string; timezone: string };
  /** Waits for the simulated WeCom and its callbacks to go quiet. */
  settle(): Promise<void>;
}

/**
 * The demo brand as `siyu serve` runs it: generated customers and the simulated WeCom connected
 * to a listening API server, at 2026-06-15 10:10 in Shanghai (outside the golden windows).
 */
export async function demoBrand(customers: number): Promise<DemoBrand> {
  clearTokenCache();
  const clock = manualClock('2026-06-15T02:10:00Z');
  const ctx = await testStores({ clock });
  fs.mkdirSync(ctx.config.dataDir, { recursive: true });
  const loaded = await loadDemo(ctx, { customers });
  const ws = await ctx.db.selectFrom('workspaces').select(['id', 'timezone']).where('id', '=', loaded.workspaceId).executeTakeFirstOrThrow();
  const app = await buildServer(ctx, { logger: false });
  const demo = await mountWecomDemo(ctx, app);
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  await demo.connect(`http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`);
  const settle = async () => {
    await demo.simulator.idle();
    await wecomIdle();
  };
  return { ctx, clock, app, demo, ws, settle };
}

/** A track event received now. */
export async function track(ctx: TestCtx, workspaceId: string, customerId: string, event: string, properties: Record<string, unknown>) {
  await insertEvent(ctx, workspaceId, { messageId: newId(), customerId, event, at: ctx.clock.now().toISOString(), properties });
}
