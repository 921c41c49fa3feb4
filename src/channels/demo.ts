import { randomBytes } from 'node:crypto';
import type { FastifyPluginAsync } from 'fastify';
import { systemActor } from '../audit/index.js';
import { findWorkspace } from '../auth/index.js';
import { demoCatalog } from '../demo/index.js';
import type { Ctx } from '../store/index.js';
import { channelConfig, saveChannelSettings } from './settings.js';
import { MP_SIM_PREFIX, MiniprogramSimulator, SMS_SIM_PREFIX, SmsSimulator } from './simulators.js';

export interface ChannelsDemo {
  sms: SmsSimulator;
  miniprogram: MiniprogramSimulator;
  /** After the server listens at `url`: points the demo workspace's SMS and mini-program channels at the simulators. */
  connect(url: string): Promise<void>;
}

/**
 * The demo brand's SMS gateway and mini-program API, simulated and served by Siyu itself under
 * /_sms-sim and /_mp-sim (only with `serve --demo`), so the demo brand sends SMS and subscription
 * messages out of the box. A channel the operator pointed elsewhere is left alone. Call before
 * listen; then connect(url). Messages sent live in memory: GET /_sms-sim/messages lists them,
 * POST /_sms-sim/reply {phone, text} and /_sms-sim/report {id, status} play the customer and the
 * gateway; POST /_mp-sim/sim/subscribe {openid, templateId} is a user tapping 允许.
 */
export async function mountChannelsDemo(ctx: Ctx, app: { register(plugin: FastifyPluginAsync, opts: { prefix: string }): PromiseLike<unknown> }, slug = 'demo'): Promise<ChannelsDemo> {
  const ws = await findWorkspace(ctx, slug);
  if (!ws) throw new Error(`the demo workspace "${slug}" does not exist yet`);
  const [smsNow, mpNow] = await Promise.all([channelConfig(ctx, ws.id, 'sms'), channelConfig(ctx, ws.id, 'miniprogram')]);
  const onSim = (url: unknown, prefix: string) => typeof url === 'string' && new URL(url).pathname.startsWith(prefix);
  // Keep the secrets across restarts so callbacks already in flight still verify.
  const smsSecret = onSim(smsNow.url, SMS_SIM_PREFIX) && typeof smsNow.secret === 'string' ? smsNow.secret : randomBytes(18).toString('base64url');
  const seed = (ws.settings as { demo?: { seed?: number } }).demo?.seed ?? 42;
  const appid = demoCatalog(seed).brand.appIds.miniProgram;
  const mpSecret = onSim(mpNow.apiBaseUrl, MP_SIM_PREFIX) && typeof mpNow.appSecret === 'string' ? mpNow.appSecret : randomBytes(16).toString('hex');
  const sms = new SmsSimulator({ clock: ctx.clock, secret: smsSecret });
  const miniprogram = new MiniprogramSimulator({ clock: ctx.clock, appid, secret: mpSecret });
  await app.register(sms.plugin, { prefix: SMS_SIM_PREFIX });
  await app.register(miniprogram.plugin, { prefix: MP_SIM_PREFIX });
  return {
    sms,
    miniprogram,
    async connect(url) {
      const base = url.replace(/\/$/, '');
      sms.callback = { url: `${base}/hooks/sms/${ws.id}`, secret: smsSecret };
      const input: Parameters<typeof saveChannelSettings>[2] = {};
      if (!smsNow.url || onSim(smsNow.url, SMS_SIM_PREFIX)) input.sms = { url: `${base}${SMS_SIM_PREFIX}/send`, secret: smsSecret };
      if (!mpNow.appid || onSim(mpNow.apiBaseUrl, MP_SIM_PREFIX)) input.miniprogram = { appid, appSecret: mpSecret, apiBaseUrl: `${base}${MP_SIM_PREFIX}`, state: 'formal' };
      if (input.sms || input.miniprogram) await saveChannelSettings(ctx, ws.id, input, { actor: systemActor });
    },
  };
}
