import { z } from 'zod';
import { AppError } from '../core/index.js';
import type { Ctx } from '../store/index.js';
import { type Actor, recordAudit } from '../audit/index.js';
import { getAgent, listFollowUsers } from './api.js';
import { WeComClient } from './client.js';
import { isEncodingAesKey } from './crypto.js';
import { WeComError } from './errors.js';

export const WECOM_API = 'https://qyapi.weixin.qq.com';

const secret = z.string().trim().min(8, 'at least 8 characters').max(128);

/** PUT /api/wecom/settings. Secrets may be left out to keep the stored ones. */
export const settingsInput = z.object({
  corpId: z.string().trim().regex(/^[A-Za-z0-9_-]{4,64}$/, 'the corp id from 我的企业 > 企业信息 (ww…)'),
  contactSecret: secret.optional().describe('the Secret of 客户联系 > API'),
  agentId: z.string().trim().regex(/^\d{1,12}$/, 'digits only').nullable().optional(),
  agentSecret: secret.nullable().optional(),
  token: z.string().trim().regex(/^[A-Za-z0-9]{1,32}$/, 'letters and digits, at most 32 (callback Token)').optional(),
  encodingAesKey: z.string().trim().refine(isEncodingAesKey, '43 letters and digits (callback EncodingAESKey)').optional(),
  apiBaseUrl: z.string().url().default(WECOM_API),
  /** Customers a group of a group live code takes before the code moves on (客户群: 200 for QR joins). */
  groupCap: z.number().int().min(2).max(500).default(200),
  /** Mass sends a customer may get a month; null: as many as the month has days (doc 92135). */
  massSendMonthlyCap: z.number().int().min(1).max(31).nullable().default(null),
});
export type SettingsInput = z.input<typeof settingsInput>;

export interface Credentials {
  corpId: string;
  contactSecret: string;
  agentId: string | null;
  agentSecret: string | null;
  token: string;
  encodingAesKey: string;
  apiBaseUrl: string;
}

export interface WecomOptions {
  groupCap: number;
  massSendMonthlyCap: number | null;
}

export interface ConnectionCheck {
  field: 'apiBaseUrl' | 'corpId' | 'contactSecret' | 'agentId' | 'agentSecret';
  ok: boolean;
  message: string;
}

export interface SettingsView {
  corpId: string;
  agentId: string | null;
  apiBaseUrl: string;
  hasAgentSecret: boolean;
  callbackPath: string;
  options: WecomOptions;
  connectedAt: Date;
  sync: Record<string, unknown>;
}

export async function loadCredentials(ctx: Ctx, workspaceId: string): Promise<(Credentials & { options: WecomOptions }) | null> {
  const row = await ctx.db.selectFrom('wecom_settings').selectAll().where('workspace_id', '=', workspaceId).executeTakeFirst();
  if (!row) return null;
  const open = ctx.secrets.decrypt;
  return {
    corpId: row.corp_id,
    contactSecret: open(row.contact_secret_enc),
    agentId: row.agent_id,
    agentSecret: row.agent_secret_enc ? open(row.agent_secret_enc) : null,
    token: open(row.token_enc),
    encodingAesKey: open(row.aes_key_enc),
    apiBaseUrl: row.api_base_url,
    options: { groupCap: 200, massSendMonthlyCap: null, ...(row.options as Partial<WecomOptions>) },
  };
}

/** The client for a workspace's corp with the 客户联系 secret; 400 when no corp is connected. */
export async function clientFor(ctx: Ctx, workspaceId: string): Promise<WeComClient> {
  const c = await loadCredentials(ctx, workspaceId);
  if (!c) throw new AppError('bad_request', 'connect a WeCom corp first (企微设置)');
  return new WeComClient({ baseUrl: c.apiBaseUrl, corpId: c.corpId, secret: c.contactSecret, clock: ctx.clock });
}

/** What each credential field means when WeCom refuses it. */
const blame: Record<number, ConnectionCheck['field']> = { 40013: 'corpId', 40056: 'agentId' };

/**
 * Tries each credential against WeCom and says which one is wrong: the corp id and 客户联系 secret
 * by fetching a token and the follow-user list, the app secret by its own token, the agent id by
 * reading the agent with that token.
 */
export async function testConnection(ctx: Ctx, c: Credentials): Promise<{ ok: boolean; checks: ConnectionCheck[] }> {
  const checks: ConnectionCheck[] = [];
  const client = (s: string) => new WeComClient({ baseUrl: c.apiBaseUrl, corpId: c.corpId, secret: s, clock: ctx.clock, retries: 0 });
  const attempt = async (field: ConnectionCheck['field'], okMessage: string, fn: () => Promise<unknown>) => {
    try {
      await fn();
      checks.push({ field, ok: true, message: okMessage });
      return true;
    } catch (err) {
      if (!(err instanceof WeComError)) throw err;
      const culprit = err.kind === 'unavailable' ? 'apiBaseUrl' : (blame[err.errcode] ?? field);
      checks.push({ field: culprit, ok: false, message: describe(culprit, err) });
      return false;
    }
  };
  const contact = await attempt('contactSecret', 'the 客户联系 secret works', () => listFollowUsers(client(c.contactSecret)));
  if (contact && c.agentSecret) {
    const agent = client(c.agentSecret);
    const agentOk = await attempt('agentSecret', 'the app secret works', () => agent.token());
    if (agentOk && c.agentId) await attempt('agentId', 'the app id matches its secret', () => getAgent(agent, c.agentId!));
  }
  return { ok: checks.every((x) => x.ok), checks };
}

function describe(field: ConnectionCheck['field'], err: WeComError): string {
  const which: Record<ConnectionCheck['field'], string> = {
    apiBaseUrl: 'WeCom cannot be reached at this API address',
    corpId: 'WeCom does not know this corp id',
    contactSecret: 'the 客户联系 secret is wrong or lacks customer-contact permission',
    agentSecret: 'the app (agent) secret is wrong',
    agentId: 'the app id does not belong to the app secret',
  };
  return `${which[field]} (${err.errcode} ${err.errmsg})`;
}

/**
 * Saves the corp's credentials after a successful connection test; on failure nothing is saved
 * and the error names each wrong field. Secrets are sealed; the audit log never sees them.
 */
export async function saveSettings(ctx: Ctx, workspaceId: string, input: SettingsInput, by: { actor: Actor; requestId?: string }): Promise<SettingsView> {
  const data = settingsInput.parse(input);
  const stored = await loadCredentials(ctx, workspaceId);
  const keep = stored && stored.corpId === data.corpId ? stored : null;
  const merged = {
    corpId: data.corpId,
    contactSecret: data.contactSecret ?? keep?.contactSecret,
    agentId: data.agentId === undefined ? (keep?.agentId ?? null) : data.agentId,
    agentSecret: data.agentSecret === undefined ? (keep?.agentSecret ?? null) : data.agentSecret,
    token: data.token ?? keep?.token,
    encodingAesKey: data.encodingAesKey ?? keep?.encodingAesKey,
    apiBaseUrl: data.apiBaseUrl,
  };
  const missing = (['contactSecret', 'token', 'encodingAesKey'] as const).filter((k) => !merged[k]);
  if (missing.length) throw new AppError('validation_failed', `${missing.join(', ')} required`, missing.map((path) => ({ path, message: 'required' })));
  const creds = merged as Credentials;
  const test = await testConnection(ctx, creds);
  if (!test.ok) {
    const wrong = test.checks.filter((x) => !x.ok);
    throw new AppError('validation_failed', wrong.map((x) => x.message).join('; '), wrong.map((x) => ({ path: x.field, message: x.message })));
  }
  const now = ctx.clock.now();
  const seal = ctx.secrets.encrypt;
  const options: WecomOptions = { groupCap: data.groupCap, massSendMonthlyCap: data.massSendMonthlyCap };
  const row = {
    corp_id: creds.corpId,
    agent_id: creds.agentId,
    contact_secret_enc: seal(creds.contactSecret),
    agent_secret_enc: creds.agentSecret ? seal(creds.agentSecret) : null,
    token_enc: seal(creds.token),
    aes_key_enc: seal(creds.encodingAesKey),
    api_base_url: creds.apiBaseUrl,
    options: JSON.stringify(options),
    updated_at: now,
  };
  await ctx.db.transaction().execute(async (trx) => {
    await trx
      .insertInto('wecom_settings')
      .values({ workspace_id: workspaceId, ...row, connected_at: now, sync: '{}' })
      .onConflict((oc) => oc.column('workspace_id').doUpdateSet(row))
      .execute();
    const after = { corpId: creds.corpId, agentId: creds.agentId, apiBaseUrl: creds.apiBaseUrl, ...options, secretsChanged: ['contactSecret', 'agentSecret', 'token', 'encodingAesKey'].filter((k) => k in input && (input as Record<string, unknown>)[k] !== undefined) };
    await recordAudit(ctx, trx, { workspaceId, actor: by.actor, action: 'wecom.settings.update', entity: 'wecom_settings', entityId: workspaceId, after, requestId: by.requestId });
  });
  return (await settingsView(ctx, workspaceId))!;
}

export async function settingsView(ctx: Ctx, workspaceId: string): Promise<SettingsView | null> {
  const row = await ctx.db.selectFrom('wecom_settings').selectAll().where('workspace_id', '=', workspaceId).executeTakeFirst();
  if (!row) return null;
  const ws = await ctx.db.selectFrom('workspaces').select('slug').where('id', '=', workspaceId).executeTakeFirstOrThrow();
  return {
    corpId: row.corp_id,
    agentId: row.agent_id,
    apiBaseUrl: row.api_base_url,
    hasAgentSecret: row.agent_secret_enc !== null,
    callbackPath: `/wecom/${ws.slug}/callback`,
    options: { groupCap: 200, massSendMonthlyCap: null, ...(row.options as Partial<WecomOptions>) },
    connectedAt: row.connected_at,
    sync: row.sync,
  };
}

export async function recordSync(ctx: Ctx, workspaceId: string, sync: Record<string, unknown>): Promise<void> {
  await ctx.db.updateTable('wecom_settings').set({ sync: JSON.stringify(sync) }).where('workspace_id', '=', workspaceId).execute();
}
