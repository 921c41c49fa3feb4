import { randomBytes } from 'node:crypto';
import { manualClock } from '../../src/core/index.js';
import { buildServer } from '../../src/api/index.js';
import { Simulator, clearTokenCache, wecomIdle } from '../../src/wecom/index.js';
import { apiKey, bearer, seedWorkspace } from '../support/app.js';
import { testStores } from '../support/stores.js';

export const STAFF = [
  { userid: 'ZhouYaTing', name: '周雅婷' },
  { userid: 'LiSiQi', name: '李思琪' },
  { userid: 'ChenJing', name: '陈静' },
];

/**
 * Siyu listening on a loopback port with a workspace connected to a simulated corp whose
 * callbacks point back at it: what a brand has after 企微设置.
 */
export async function connectedBrand(slug = 'brand') {
  clearTokenCache();
  const clock = manualClock('2026-06-15T04:00:00Z');
  const ctx = await testStores({ clock });
  const app = await buildServer(ctx, { logger: false });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  const siyuUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  const sim = new Simulator({ clock, corpId: `ww${randomBytes(6).toString('hex')}`, staff: STAFF });
  const simUrl = await sim.listen();
  const ws = await seedWorkspace(ctx, slug);
  const headers = bearer(await apiKey(ctx, ws.id, 'admin'));
  const token = randomBytes(12).toString('hex');
  const encodingAesKey = randomBytes(32).toString('base64').slice(0, 43);
  const settings = {
    corpId: sim.corp.corpId,
    contactSecret: sim.corp.contactSecret,
    agentId: String(sim.corp.agentId),
    agentSecret: sim.corp.agentSecret,
    token,
    encodingAesKey,
    apiBaseUrl: simUrl,
  };
  /** Waits until the simulator delivered its callbacks and Siyu processed them. */
  const settle = async () => {
    await sim.idle();
    await wecomIdle();
  };
  return {
    clock,
    ctx,
    app,
    sim,
    ws,
    headers,
    settings,
    siyuUrl,
    settle,
    async connect() {
      const res = await app.inject({ method: 'PUT', url: '/api/wecom/settings', headers, payload: settings });
      if (res.statusCode !== 200) throw new Error(`connect failed: ${res.body}`);
      await sim.configureCallback({ url: `${siyuUrl}/wecom/${slug}/callback`, token, encodingAesKey });
      await settle();
    },
    async close() {
      await settle();
      await sim.close();
      await app.close();
      await ctx.close();
    },
  };
}
