import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { AppError, newId } from '../core/index.js';
import type { Ctx } from '../store/index.js';
import { type Actor, recordAudit } from '../audit/index.js';
import { addContactWay, deleteContactWay, updateContactWay } from './api.js';
import type { WeComClient } from './client.js';
import { localTime, workspaceZone } from './local.js';
import { type PoolMember, STRATEGIES, type Strategy, nextStaff, poolMember } from './pool.js';
import { wecomCall } from './problems.js';
import { clientFor } from './settings.js';
import { ensureTags } from './tags.js';
import { type WelcomeMessage, welcomeMessage } from './welcome.js';

/** Channels operators pick from; any other key works too (its name is then the key). */
export const CHANNEL_NAMES: Record<string, string> = {
  xiaohongshu: '小红书',
  douyin: '抖音',
  parcel_card: '包裹卡',
  store: '门店',
  mp: '公众号',
  sms: '短信',
  taobao: '淘宝',
  livestream: '直播',
};

export const channelKey = z.string().regex(/^[a-z][a-z0-9_]{1,19}$/, 'lowercase letters, digits and _ (e.g. xiaohongshu)');

export const liveCodeInput = z.object({
  name: z.string().trim().min(1).max(50),
  channel: channelKey,
  channelName: z.string().trim().min(1).max(30).optional(),
  strategy: z.enum(STRATEGIES).default('round_robin'),
  pool: z.array(poolMember).min(1).max(100).refine((p) => new Set(p.map((m) => m.userid)).size === p.length, 'each staff member once'),
  backupUserid: z.string().min(1).max(64).nullable().default(null),
  skipVerify: z.boolean().default(true),
  tags: z.array(z.string().trim().min(1).max(30)).max(20).default([]),
  welcome: welcomeMessage.nullable().default(null),
});
export type LiveCodeInput = z.input<typeof liveCodeInput>;

/** A code's settings as stored (config column). */
export interface LiveCodeConfig {
  strategy: Strategy;
  pool: PoolMember[];
  backupUserid: string | null;
  skipVerify: boolean;
  tags: string[];
  tagIds: string[];
  welcome: WelcomeMessage | null;
  channelName: string;
}

/** What assignment remembers: who got the last add, adds per member, who is on the code now. */
export interface LiveCodeRuntime {
  last: string | null;
  total: Record<string, number>;
  current: string[];
  /** The callback last counted, so a retried callback is not counted twice. */
  lastEvent?: string;
}

export interface LiveCode extends LiveCodeConfig {
  id: string;
  name: string;
  channel: string;
  state: string;
  short: string;
  configId: string;
  qrUrl: string;
  current: string[];
  createdAt: Date;
  updatedAt: Date;
}

type CodeRow = {
  id: string;
  name: string;
  channel: string;
  state: string;
  short: string;
  config_id: string;
  qr_url: string;
  config: Record<string, unknown>;
  runtime: Record<string, unknown>;
  created_at: Date;
  updated_at: Date;
};

export function toLiveCode(r: CodeRow): LiveCode {
  const config = r.config as unknown as LiveCodeConfig;
  const runtime = r.runtime as unknown as Partial<LiveCodeRuntime>;
  return { ...config, id: r.id, name: r.name, channel: r.channel, state: r.state, short: r.short, configId: r.config_id, qrUrl: r.qr_url, current: runtime.current ?? [], createdAt: r.created_at, updatedAt: r.updated_at };
}

/** `state` travels in the add callback (≤ 30 characters, 「联系我」管理): the channel plus a random tail. */
export function newState(channel: string): string {
  return `${channel}-${randomBytes(4).toString('hex').slice(0, 6)}`;
}

/** The /s/{short} link: 8 base62 characters, unique across workspaces. */
export function newShort(): string {
  const alphabet = 'abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789';
  return [...randomBytes(8)].map((b) => alphabet[b % alphabet.length]).join('');
}

async function ensureChannel(ctx: Ctx, workspaceId: string, key: string, name: string): Promise<void> {
  await ctx.db.insertInto('channels').values({ workspace_id: workspaceId, key, name }).onConflict((oc) => oc.columns(['workspace_id', 'key']).doNothing()).execute();
}

async function checkStaff(ctx: Ctx, workspaceId: string, userids: string[]): Promise<void> {
  const known = await ctx.db.selectFrom('staff').select('userid').where('workspace_id', '=', workspaceId).where('userid', 'in', userids).execute();
  const unknown = userids.filter((u) => !known.some((k) => k.userid === u));
  if (unknown.length) throw new AppError('validation_failed', `unknown staff: ${unknown.join(', ')} (sync staff from WeCom first)`, unknown.map((u) => ({ path: 'pool', message: `${u} is not a WeCom member of this corp` })));
}

/** Adds through the code today (workspace zone) per staff member. */
async function addsToday(ctx: Ctx, workspaceId: string, codeId: string, dayStart: Date): Promise<Record<string, number>> {
  const rows = await ctx.db
    .selectFrom('wecom_relations')
    .select(['userid', (eb) => eb.fn.countAll<number>().as('n')])
    .where('workspace_id', '=', workspaceId)
    .where('code_id', '=', codeId)
    .where('added_at', '>=', dayStart)
    .groupBy('userid')
    .execute();
  return Object.fromEntries(rows.map((r) => [r.userid, Number(r.n)]));
}

async function assignment(ctx: Ctx, workspaceId: string, codeId: string | null, config: LiveCodeConfig, runtime: LiveCodeRuntime): Promise<string[]> {
  const local = localTime(ctx.clock.now(), await workspaceZone(ctx, workspaceId));
  const today = codeId ? await addsToday(ctx, workspaceId, codeId, local.dayStart) : {};
  return nextStaff(config.strategy, config.pool, config.backupUserid, { last: runtime.last, today, total: runtime.total, weekday: local.weekday, minutes: local.minutes });
}

const staffFields = { 40003: 'pool' };

export async function createLiveCode(ctx: Ctx, workspaceId: string, input: LiveCodeInput, by: { actor: Actor; requestId?: string }): Promise<LiveCode> {
  const data = liveCodeInput.parse(input);
  await checkStaff(ctx, workspaceId, [...data.pool.map((m) => m.userid), ...(data.backupUserid ? [data.backupUserid] : [])]);
  const client = await clientFor(ctx, workspaceId);
  const channelName = data.channelName ?? CHANNEL_NAMES[data.channel] ?? data.channel;
  const tagIds = await wecomCall('create the auto-tags', () => ensureTags(ctx, workspaceId, client, data.tags));
  const config: LiveCodeConfig = { strategy: data.strategy, pool: data.pool, backupUserid: data.backupUserid, skipVerify: data.skipVerify, tags: data.tags, tagIds, welcome: data.welcome, channelName };
  const runtime: LiveCodeRuntime = { last: null, total: {}, current: [] };
  runtime.current = await assignment(ctx, workspaceId, null, config, runtime);
  const state = newState(data.channel);
  // type 2 (multi-person) even for one member, so the member list can move with every add.
  const way = await wecomCall('create the contact way', () => addContactWay(client, { type: 2, scene: 2, remark: data.name.slice(0, 30), skip_verify: data.skipVerify, state, user: runtime.current }), staffFields);
  const now = ctx.clock.now();
  const row = {
    workspace_id: workspaceId,
    id: newId(ctx.clock),
    kind: 'contact' as const,
    name: data.name,
    channel: data.channel,
    state,
    short: newShort(),
    config_id: way.config_id,
    qr_url: way.qr_code ?? '',
    config: JSON.stringify(config),
    runtime: JSON.stringify(runtime),
    created_at: now,
    updated_at: now,
  };
  await ctx.db.transaction().execute(async (trx) => {
    await trx.insertInto('wecom_codes').values(row).execute();
    await recordAudit(ctx, trx, { workspaceId, actor: by.actor, action: 'wecom.livecode.create', entity: 'wecom_code', entityId: row.id, after: { name: data.name, channel: data.channel, state, ...config } });
  });
  await ensureChannel(ctx, workspaceId, data.channel, channelName);
  return getLiveCode(ctx, workspaceId, row.id);
}

async function codeRow(ctx: Ctx, workspaceId: string, id: string, kind: 'contact' | 'group') {
  const row = await ctx.db
    .selectFrom('wecom_codes')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', id)
    .where('kind', '=', kind)
    .where('deleted_at', 'is', null)
    .executeTakeFirst();
  if (!row) throw new AppError('not_found', `no ${kind === 'contact' ? 'live code' : 'group code'} ${id}`);
  return row;
}
export { codeRow };

export async function getLiveCode(ctx: Ctx, workspaceId: string, id: string): Promise<LiveCode> {
  return toLiveCode(await codeRow(ctx, workspaceId, id, 'contact'));
}

export async function listLiveCodes(ctx: Ctx, workspaceId: string): Promise<(LiveCode & { adds: number; active: number })[]> {
  const rows = await ctx.db.selectFrom('wecom_codes').selectAll().where('workspace_id', '=', workspaceId).where('kind', '=', 'contact').where('deleted_at', 'is', null).orderBy('id', 'desc').execute();
  const counts = await ctx.db
    .selectFrom('wecom_relations')
    .select(['code_id', (eb) => eb.fn.countAll<number>().as('adds'), (eb) => eb.fn.count<number>('external_userid').filterWhere('deleted_at', 'is', null).as('active')])
    .where('workspace_id', '=', workspaceId)
    .where('code_id', 'is not', null)
    .groupBy('code_id')
    .execute();
  return rows.map((r) => {
    const c = counts.find((x) => x.code_id === r.id);
    return { ...toLiveCode(r), adds: Number(c?.adds ?? 0), active: Number(c?.active ?? 0) };
  });
}

export async function updateLiveCode(ctx: Ctx, workspaceId: string, id: string, input: LiveCodeInput, by: { actor: Actor; requestId?: string }): Promise<LiveCode> {
  const data = liveCodeInput.parse(input);
  const row = await codeRow(ctx, workspaceId, id, 'contact');
  if (data.channel !== row.channel) throw new AppError('validation_failed', 'the channel of a live code cannot change: its adds are attributed to it', [{ path: 'channel', message: 'create a new code for another channel' }]);
  await checkStaff(ctx, workspaceId, [...data.pool.map((m) => m.userid), ...(data.backupUserid ? [data.backupUserid] : [])]);
  const client = await clientFor(ctx, workspaceId);
  const before = toLiveCode(row);
  const tagIds = await wecomCall('create the auto-tags', () => ensureTags(ctx, workspaceId, client, data.tags));
  const config: LiveCodeConfig = { strategy: data.strategy, pool: data.pool, backupUserid: data.backupUserid, skipVerify: data.skipVerify, tags: data.tags, tagIds, welcome: data.welcome, channelName: data.channelName ?? before.channelName };
  const runtime = { last: null, total: {}, current: [], ...(row.runtime as Partial<LiveCodeRuntime>) } as LiveCodeRuntime;
  runtime.current = await assignment(ctx, workspaceId, id, config, runtime);
  await wecomCall('update the contact way', () => updateContactWay(client, { config_id: row.config_id, remark: data.name.slice(0, 30), skip_verify: data.skipVerify, user: runtime.current }), staffFields);
  await ctx.db.transaction().execute(async (trx) => {
    await trx
      .updateTable('wecom_codes')
      .set({ name: data.name, config: JSON.stringify(config), runtime: JSON.stringify(runtime), updated_at: ctx.clock.now() })
      .where('workspace_id', '=', workspaceId)
      .where('id', '=', id)
      .execute();
    await recordAudit(ctx, trx, { workspaceId, actor: by.actor, action: 'wecom.livecode.update', entity: 'wecom_code', entityId: id, before, after: config });
  });
  return getLiveCode(ctx, workspaceId, id);
}

export async function deleteLiveCode(ctx: Ctx, workspaceId: string, id: string, by: { actor: Actor; requestId?: string }): Promise<void> {
  const row = await codeRow(ctx, workspaceId, id, 'contact');
  const client = await clientFor(ctx, workspaceId);
  await wecomCall('delete the contact way', () => deleteContactWay(client, row.config_id));
  await ctx.db.transaction().execute(async (trx) => {
    await trx.updateTable('wecom_codes').set({ deleted_at: ctx.clock.now() }).where('workspace_id', '=', workspaceId).where('id', '=', id).execute();
    await recordAudit(ctx, trx, { workspaceId, actor: by.actor, action: 'wecom.livecode.delete', entity: 'wecom_code', entityId: id, before: toLiveCode(row) });
  });
}

/**
 * After an add through the code: count it and put the next member on the contact way. A scan
 * between the add and this update goes to the same member, which the daily cap tolerates.
 */
export async function advanceLiveCode(ctx: Ctx, workspaceId: string, client: WeComClient, code: LiveCode, userid: string, eventId: string): Promise<void> {
  const row = await codeRow(ctx, workspaceId, code.id, 'contact');
  const runtime = { last: null, total: {}, current: [], ...(row.runtime as Partial<LiveCodeRuntime>) } as LiveCodeRuntime;
  if (runtime.lastEvent !== eventId) {
    runtime.last = userid;
    runtime.total[userid] = (runtime.total[userid] ?? 0) + 1;
    runtime.lastEvent = eventId;
  }
  await moveTo(ctx, workspaceId, client, row, runtime);
}

/** Re-evaluates every code's member (working hours opening or closing, caps on a new day). */
export async function refreshLiveCodes(ctx: Ctx, workspaceId: string): Promise<number> {
  const rows = await ctx.db.selectFrom('wecom_codes').selectAll().where('workspace_id', '=', workspaceId).where('kind', '=', 'contact').where('deleted_at', 'is', null).execute();
  if (rows.length === 0) return 0;
  const client = await clientFor(ctx, workspaceId);
  let moved = 0;
  for (const row of rows) {
    const runtime = { last: null, total: {}, current: [], ...(row.runtime as Partial<LiveCodeRuntime>) } as LiveCodeRuntime;
    if (await moveTo(ctx, workspaceId, client, row, runtime)) moved++;
  }
  return moved;
}

async function moveTo(ctx: Ctx, workspaceId: string, client: WeComClient, row: CodeRow, runtime: LiveCodeRuntime): Promise<boolean> {
  const config = row.config as unknown as LiveCodeConfig;
  const next = await assignment(ctx, workspaceId, row.id, config, runtime);
  const changed = next.join() !== runtime.current.join();
  if (changed) await updateContactWay(client, { config_id: row.config_id, user: next });
  runtime.current = next;
  await ctx.db.updateTable('wecom_codes').set({ runtime: JSON.stringify(runtime) }).where('workspace_id', '=', workspaceId).where('id', '=', row.id).execute();
  return changed;
}
