import { z } from 'zod';
import { type Actor, recordAudit } from '../audit/index.js';
import type { Ctx } from '../store/index.js';

/**
 * Settings of the channels that are not WeCom (WeCom uses the corp connected in 企微设置).
 * Secret fields are stored encrypted and never returned: the view says only whether one is set.
 */
export const SECRET_FIELDS = ['secret', 'pass', 'appSecret'] as const;

export const smsSettings = z
  .object({
    url: z.string().url().describe("the provider's send endpoint: POST JSON {phone, text, ref}, headers Idempotency-Key, X-Siyu-Timestamp, X-Siyu-Signature"),
    secret: z.string().min(8).max(200).optional().describe('HMAC-SHA256 key signing requests to the provider and its callbacks to /hooks/sms/<workspace>'),
    signature: z.string().max(20).optional().describe('the brand in 【】 (the workspace name when absent)'),
  })
  .strict();
export const emailSettings = z
  .object({
    host: z.string().min(1).max(200),
    port: z.number().int().min(1).max(65535),
    secure: z.boolean().default(false),
    user: z.string().max(200).optional(),
    pass: z.string().max(200).optional(),
    from: z.string().min(3).max(200).describe('From: address, e.g. 花漾 <crm@example.com>'),
    ignoreTls: z.boolean().default(false).describe('no STARTTLS (local test servers)'),
  })
  .strict();
export const webhookSettings = z
  .object({
    url: z.string().url(),
    secret: z.string().min(16).max(200).optional().describe('HMAC-SHA256 key; the signature of `${timestamp}.${body}` is sent in X-Siyu-Signature'),
  })
  .strict();
export const miniprogramSettings = z
  .object({
    appid: z.string().min(1).max(64),
    appSecret: z.string().max(200).optional(),
    apiBaseUrl: z.string().url().default('https://api.weixin.qq.com').describe('WeChat API, or the simulator at <siyu>/_mp-sim'),
    state: z.enum(['developer', 'trial', 'formal']).default('formal').describe('miniprogram_state of subscribe/send'),
  })
  .strict();

export const channelSettingsInput = z
  .object({ sms: smsSettings.optional(), email: emailSettings.optional(), webhook: webhookSettings.optional(), miniprogram: miniprogramSettings.optional() })
  .strict()
  .meta({ id: 'ChannelSettingsInput' });
export type ChannelSettingsInput = z.infer<typeof channelSettingsInput>;
export type ConfigurableChannel = keyof ChannelSettingsInput;
export const CONFIGURABLE: ConfigurableChannel[] = ['sms', 'email', 'webhook', 'miniprogram'];

/** Settings of one channel with secrets in clear, for sending; {} when not configured. */
export async function channelConfig(ctx: Pick<Ctx, 'db' | 'secrets'>, workspaceId: string, channel: string): Promise<Record<string, unknown>> {
  const row = await ctx.db.selectFrom('channel_settings').select('settings').where('workspace_id', '=', workspaceId).where('channel', '=', channel).executeTakeFirst();
  if (!row) return {};
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(row.settings)) {
    if (k.endsWith('_enc') && typeof v === 'string') out[k.slice(0, -4)] = ctx.secrets.decrypt(v);
    else out[k] = v;
  }
  return out;
}

/** All settings without secrets: `<field>Set: true` says a secret is stored. */
export async function channelSettingsView(ctx: Pick<Ctx, 'db'>, workspaceId: string): Promise<Record<string, Record<string, unknown> | null>> {
  const rows = await ctx.db.selectFrom('channel_settings').select(['channel', 'settings']).where('workspace_id', '=', workspaceId).execute();
  const view: Record<string, Record<string, unknown> | null> = Object.fromEntries(CONFIGURABLE.map((c) => [c, null]));
  for (const r of rows) {
    const v: Record<string, unknown> = {};
    for (const [k, val] of Object.entries(r.settings)) {
      if (k.endsWith('_enc')) v[`${k.slice(0, -4)}Set`] = true;
      else v[k] = val;
    }
    view[r.channel] = v;
  }
  return view;
}

/** Saves the channels given; a secret left out keeps the stored one. */
export async function saveChannelSettings(ctx: Ctx, workspaceId: string, input: ChannelSettingsInput, by: { actor: Actor; requestId?: string }): Promise<void> {
  const now = ctx.clock.now();
  await ctx.db.transaction().execute(async (trx) => {
    for (const channel of CONFIGURABLE) {
      const given = input[channel] as Record<string, unknown> | undefined;
      if (!given) continue;
      const existing = await trx.selectFrom('channel_settings').select('settings').where('workspace_id', '=', workspaceId).where('channel', '=', channel).executeTakeFirst();
      const stored: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(given)) {
        if ((SECRET_FIELDS as readonly string[]).includes(k)) {
          if (typeof v === 'string' && v) stored[`${k}_enc`] = ctx.secrets.encrypt(v);
        } else stored[k] = v;
      }
      for (const f of SECRET_FIELDS) if (!(f in given) && existing?.settings[`${f}_enc`]) stored[`${f}_enc`] = existing.settings[`${f}_enc`];
      const json = JSON.stringify(stored);
      await trx
        .insertInto('channel_settings')
        .values({ workspace_id: workspaceId, channel, settings: json, updated_at: now })
        .onConflict((oc) => oc.columns(['workspace_id', 'channel']).doUpdateSet({ settings: json, updated_at: now }))
        .execute();
      const redacted = Object.fromEntries(Object.entries(given).map(([k, v]) => [k, (SECRET_FIELDS as readonly string[]).includes(k) ? '***' : v]));
      await recordAudit(ctx, trx, { workspaceId, actor: by.actor, action: 'channel_settings.update', entity: 'channel_settings', entityId: channel, after: redacted, requestId: by.requestId });
    }
  });
}
