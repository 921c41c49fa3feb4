import fs from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { buildServer } from '../../src/api/index.js';
import { writeCustomers } from '../../src/customers/index.js';
import { newId } from '../../src/core/index.js';
import { clearTokenCache, mountWecomDemo, wecomIdle } from '../../src/wecom/index.js';
import { apiKey, bearer, seedWorkspace } from '../support/app.js';
import { type TestCtx, testStores } from '../support/stores.js';

let ctx: TestCtx;
afterAll(async () => {
  await wecomIdle();
  await ctx?.close();
});

async function serveDemo() {
  const app = await buildServer(ctx, { logger: false });
  const demo = await mountWecomDemo(ctx, app);
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  await demo.connect(url);
  return { app, demo, url };
}

describe('the demo brand on the simulator', () => {
  it('connects, fills live codes with adds and joins, takes CLI scans, and survives a restart', async () => {
    clearTokenCache();
    ctx = await testStores();
    fs.mkdirSync(ctx.config.dataDir, { recursive: true });
    const ws = await seedWorkspace(ctx, 'demo');
    const staff = [
      ['LiuJiaHui', '刘佳慧', '私域运营部'],
      ['HuangShiHan', '黄诗涵', '私域运营部'],
      ['LinXiaoYu', '林晓雨', '私域运营部'],
      ['XuYuTong', '徐雨桐', '美妆顾问中心'],
      ['SunHao', '孙浩', '美妆顾问中心'],
    ];
    await ctx.db.insertInto('staff').values(staff.map(([userid, name, department]) => ({ workspace_id: ws.id, userid, name, department }))).execute();
    // A mini-program buyer the brand knows by unionid: adding staff on WeCom makes them one customer.
    const buyer = newId();
    await writeCustomers(ctx, ws.id, [{ id: buyer, name: '赵小米', firstSeenAt: new Date('2026-01-01T00:00:00Z'), identifiers: [{ type: 'wechat_unionid', value: 'oUnion-buyer-1' }] }]);
    const headers = bearer(await apiKey(ctx, ws.id, 'admin'));

    const first = await serveDemo();
    const codes = (await first.app.inject({ url: '/api/wecom/live-codes', headers })).json().items;
    const byName = (a: { name: string }, b: { name: string }) => a.name.localeCompare(b.name, 'zh');
    expect(codes.sort(byName).map((c: { name: string; adds: number }) => [c.name, c.adds])).toEqual([
      ['包裹卡·扫码领小样', 3],
      ['抖音直播间', 6],
      ['小红书种草笔记', 6],
    ]);
    const groupCodes = (await first.app.inject({ url: '/api/wecom/group-codes', headers })).json().items;
    expect(groupCodes[0].groups.map((g: { customers: number }) => g.customers)).toEqual([24]);
    const xhs = codes.find((c: { channel: string }) => c.channel === 'xiaohongshu');

    // What `siyu wecom simulate add-contact --code <state> --unionid …` sends to the running server.
    const res = await fetch(`${first.url}/_wecom-sim/sim/add-contact`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ code: xhs.state, unionid: 'oUnion-buyer-1', intervalMs: 0 }) });
    const answer = (await res.json()) as { errcode: number; result: { externalUserid: string }[] };
    expect(answer.errcode).toBe(0);
    await first.demo.stop();
    const relations = (await first.app.inject({ url: `/api/wecom/customers/${buyer}/relations`, headers })).json().items;
    expect(relations).toEqual([expect.objectContaining({ externalUserid: answer.result[0].externalUserid, liveCode: '小红书种草笔记', tags: ['小红书引流'], welcome: 'sent' })]);
    await first.app.close();

    const second = await serveDemo();
    const again = (await second.app.inject({ url: '/api/wecom/live-codes', headers })).json().items;
    expect(again.sort(byName).map((c: { name: string; adds: number; active: number }) => [c.name, c.adds, c.active])).toEqual([
      ['包裹卡·扫码领小样', 3, 3],
      ['抖音直播间', 6, 6],
      ['小红书种草笔记', 7, 7],
    ]);
    await second.demo.stop();
    await second.app.close();
  });
});
