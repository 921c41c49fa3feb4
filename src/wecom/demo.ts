import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import type { FastifyPluginAsync } from 'fastify';
import type { Ctx } from '../store/index.js';
import { systemActor } from '../audit/index.js';
import { findWorkspace } from '../auth/index.js';
import { createLiveCode } from './codes.js';
import { createGroupCode } from './groups.js';
import { wecomIdle } from './jobs.js';
import { saveSettings } from './settings.js';
import { Simulator } from './simulator/index.js';
import { syncAll } from './sync.js';

export const SIMULATOR_PREFIX = '/_wecom-sim';

export interface WecomDemo {
  simulator: Simulator;
  /** After the server listens at `url`: connects the workspace to the simulator and fills it once. */
  connect(url: string): Promise<void>;
  /** Waits for running work and saves the simulator's data. */
  stop(): Promise<void>;
}

/**
 * The demo brand on a simulated WeCom: the simulator is served by Siyu itself under
 * /_wecom-sim (so `siyu wecom simulate` finds it through the running server), its data kept in
 * DATA_DIR/wecom-simulator.json across restarts. Call before listen; then connect(url).
 */
export async function mountWecomDemo(ctx: Ctx, app: { register(plugin: FastifyPluginAsync, opts: { prefix: string }): PromiseLike<unknown> }, slug = 'demo'): Promise<WecomDemo> {
  const ws = await findWorkspace(ctx, slug);
  if (!ws) throw new Error(`the demo workspace "${slug}" does not exist yet`);
  const file = path.join(ctx.config.dataDir, 'wecom-simulator.json');
  const staff = await ctx.db.selectFrom('staff').selectAll().where('workspace_id', '=', ws.id).orderBy('userid').execute();
  const deptNames = [...new Set(staff.map((s) => s.department ?? '总部'))];
  const departments = [{ id: 1, name: ws.name, parentid: 0 }, ...deptNames.map((name, i) => ({ id: i + 2, name, parentid: 1 }))];
  const sim = new Simulator({
    clock: ctx.clock,
    corpId: 'wwhuayangdemo01',
    staff: staff.map((s) => ({ userid: s.userid, name: s.name, department: [deptNames.indexOf(s.department ?? '总部') + 2] })),
    departments,
  });
  if (fs.existsSync(file)) sim.load(fs.readFileSync(file, 'utf8'));
  await app.register(sim.plugin, { prefix: SIMULATOR_PREFIX });
  const save = () => fs.writeFileSync(file, sim.save());
  let timer: NodeJS.Timeout | undefined;

  return {
    simulator: sim,
    async connect(url) {
      const base = `${url}${SIMULATOR_PREFIX}`;
      sim.setBaseUrl(base);
      const token = sim.callbacks.target?.token ?? randomBytes(12).toString('hex');
      const encodingAesKey = sim.callbacks.target?.encodingAesKey ?? randomBytes(32).toString('base64').replace(/[+/]/g, 'A').slice(0, 43);
      const c = sim.corp;
      await saveSettings(ctx, ws.id, { corpId: c.corpId, contactSecret: c.contactSecret, agentId: String(c.agentId), agentSecret: c.agentSecret, token, encodingAesKey, apiBaseUrl: base }, { actor: systemActor });
      await sim.configureCallback({ url: `${url}/wecom/${slug}/callback`, token, encodingAesKey });
      await syncAll(ctx, ws.id);
      const hasCodes = await ctx.db.selectFrom('wecom_codes').select('id').where('workspace_id', '=', ws.id).executeTakeFirst();
      if (!hasCodes) await fillDemo(ctx, ws.id, sim, staff.map((s) => s.userid));
      save();
      timer = setInterval(save, 10_000);
    },
    async stop() {
      clearInterval(timer);
      await sim.idle();
      await wecomIdle();
      save();
    },
  };
}

/** The playbook's flow, ready to look at: channel codes with pools, tags and welcomes, a group code, some adds and joins. */
async function fillDemo(ctx: Ctx, workspaceId: string, sim: Simulator, staff: string[]): Promise<void> {
  const by = { actor: systemActor };
  const online = ['LiuJiaHui', 'HuangShiHan', 'LinXiaoYu', 'XuYuTong', 'SunHao'].filter((u) => staff.includes(u));
  const [a, b, c, d, e] = online.length >= 5 ? online : staff;
  const settle = async () => {
    await sim.idle();
    await wecomIdle();
  };
  const group = await sim.createGroup(a, '花漾美妆福利群');
  await settle();
  const welcome = {
    text: '{{客户昵称}}你好，我是你的专属美妆顾问{{员工姓名}}～本群每周三晚8点美妆师在线答疑。回复【肤质】获取专属护理方案。新人券仅限今日领取！',
    attachments: [{ type: 'link' as const, title: '新人专享券：首单9.9包邮', url: 'https://example.com/coupon/new' }],
  };
  const xhs = await createLiveCode(ctx, workspaceId, { name: '小红书种草笔记', channel: 'xiaohongshu', pool: [{ userid: a }, { userid: b }], tags: ['小红书引流'], welcome }, by);
  const douyin = await createLiveCode(
    ctx,
    workspaceId,
    { name: '抖音直播间', channel: 'douyin', strategy: 'weighted', pool: [{ userid: c, weight: 2, dailyCap: 200 }, { userid: d, weight: 1, dailyCap: 100 }], backupUserid: e, tags: ['抖音引流'], welcome },
    by,
  );
  const parcel = await createLiveCode(
    ctx,
    workspaceId,
    {
      name: '包裹卡·扫码领小样',
      channel: 'parcel_card',
      strategy: 'scheduled',
      pool: [{ userid: d, hours: { days: [1, 2, 3, 4, 5], start: '09:00', end: '18:00' } }, { userid: e, hours: { days: [6, 7], start: '10:00', end: '22:00' } }],
      backupUserid: a,
      tags: ['包裹卡'],
      welcome: { text: '{{客户昵称}}你好，感谢购买花漾美妆！回复【小样】领取试用装，数量有限先到先得。', attachments: [] },
    },
    by,
  );
  const groupCode = await createGroupCode(
    ctx,
    workspaceId,
    { name: '福利群活码', channel: 'mp', chatIds: [group.chat_id], roomBaseName: '花漾美妆福利群', welcome: '欢迎{{客户昵称}}入群！本群每周三晚8点美妆师在线答疑，回复【肤质】获取专属护理方案。群内仅限200人，满员即止。' },
    by,
  );
  // The owner picks the 入群欢迎语 in the WeCom app, as WeCom's notice asks them to.
  if (groupCode.welcomeTemplateId) sim.chooseGroupWelcome(group.chat_id, groupCode.welcomeTemplateId);
  for (const [code, n] of [[xhs, 6], [douyin, 6], [parcel, 3]] as const) {
    for (let i = 0; i < n; i++) {
      await sim.addContact(code.configId);
      await settle();
    }
  }
  for (let i = 0; i < 24; i++) await sim.joinGroup(groupCode.configId);
  await settle();
}
