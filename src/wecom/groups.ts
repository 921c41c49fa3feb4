import { z } from 'zod';
import { AppError, newId } from '../core/index.js';
import type { Ctx } from '../store/index.js';
import { type Actor, recordAudit } from '../audit/index.js';
import { addGroupWelcome, addJoinWay, deleteGroupWelcome, deleteJoinWay, getGroupChat, getJoinWay, updateJoinWay } from './api.js';
import type { WeComClient } from './client.js';
import { CHANNEL_NAMES, channelKey, codeRow, newShort, newState } from './codes.js';
import type { GroupChat } from './protocol.js';
import { wecomCall } from './problems.js';
import { clientFor, loadCredentials } from './settings.js';

/**
 * Group live codes (客户群活码): one QR in front of up to 5 groups (加入群聊, doc 92229). When a group
 * reaches the cap Siyu takes it off the code so joiners go to the next; when the last one fills,
 * WeCom's auto_create_room makes `roomBaseName + roomBaseId` and Siyu follows it.
 */
export const groupCodeInput = z.object({
  name: z.string().trim().min(1).max(50),
  channel: channelKey,
  chatIds: z.array(z.string().min(1).max(64)).min(1).max(5),
  autoCreate: z.boolean().default(true),
  roomBaseName: z.string().trim().min(1).max(40).optional(),
  roomBaseId: z.number().int().min(1).max(100_000).default(2),
  /** Customers per group; default the workspace's group cap (200). */
  cap: z.number().int().min(2).max(500).optional(),
  /** 入群欢迎语: {{客户昵称}} becomes WeCom's %NICKNAME%. */
  welcome: z.string().trim().min(1).max(3000).optional(),
});
export type GroupCodeInput = z.input<typeof groupCodeInput>;

export interface GroupCodeConfig {
  autoCreate: boolean;
  roomBaseName: string;
  roomBaseId: number;
  cap: number;
  channelName: string;
  welcome: string | null;
  /** The 入群欢迎语素材 in WeCom; WeCom tells the group owners to use it (notify). */
  welcomeTemplateId: string | null;
}

/** The joiner's name in a group welcome, written the way the console writes it. */
export function toNickname(text: string): string {
  return text.replace(/\{\{\s*(客户昵称|customer_name)\s*\}\}/g, '%NICKNAME%');
}

export interface GroupView {
  chatId: string;
  name: string;
  owner: string;
  customers: number;
  joinedByCode: number;
  dismissed: boolean;
}

export interface GroupCode extends GroupCodeConfig {
  id: string;
  name: string;
  channel: string;
  state: string;
  short: string;
  configId: string;
  qrUrl: string;
  /** Groups on the code now, in order: new joiners go to the first. */
  chatIds: string[];
  groups: GroupView[];
  createdAt: Date;
}

/** A group's customers: staff in the group do not count against the cap. */
export function customerCount(g: GroupChat): number {
  return g.member_list.filter((m) => m.type === 2).length;
}

/** Stores what WeCom says about a group: customers, joins per code state, owner, name. */
export async function upsertGroup(ctx: Ctx, workspaceId: string, g: GroupChat): Promise<void> {
  const states = [...new Set(g.member_list.map((m) => m.state).filter((s): s is string => !!s))];
  const code = states.length
    ? await ctx.db.selectFrom('wecom_codes').select(['id', 'state']).where('workspace_id', '=', workspaceId).where('kind', '=', 'group').where('state', 'in', states).executeTakeFirst()
    : undefined;
  const now = ctx.clock.now();
  const values = {
    name: g.name,
    owner: g.owner,
    member_count: customerCount(g),
    code_joins: code ? g.member_list.filter((m) => m.state === code.state).length : 0,
    updated_at: now,
    dismissed_at: null,
  };
  await ctx.db
    .insertInto('wecom_groups')
    .values({ workspace_id: workspaceId, chat_id: g.chat_id, ...values, code_id: code?.id ?? null, created_at: new Date(g.create_time * 1000) })
    .onConflict((oc) => oc.columns(['workspace_id', 'chat_id']).doUpdateSet(code ? { ...values, code_id: code.id } : values))
    .execute();
}

export async function createGroupCode(ctx: Ctx, workspaceId: string, input: GroupCodeInput, by: { actor: Actor; requestId?: string }): Promise<GroupCode> {
  const data = groupCodeInput.parse(input);
  const known = await ctx.db.selectFrom('wecom_groups').select(['chat_id', 'name']).where('workspace_id', '=', workspaceId).where('chat_id', 'in', data.chatIds).where('dismissed_at', 'is', null).execute();
  const unknown = data.chatIds.filter((c) => !known.some((k) => k.chat_id === c));
  if (unknown.length) throw new AppError('validation_failed', `unknown groups: ${unknown.join(', ')}`, [{ path: 'chatIds', message: 'pick customer groups synced from WeCom' }]);
  const creds = (await loadCredentials(ctx, workspaceId))!;
  const client = await clientFor(ctx, workspaceId);
  const welcomeTemplateId = data.welcome
    ? (await wecomCall('create the group welcome', () => addGroupWelcome(client, { text: { content: toNickname(data.welcome!) }, notify: 1 }))).template_id
    : null;
  const config: GroupCodeConfig = {
    autoCreate: data.autoCreate,
    roomBaseName: data.roomBaseName ?? known.find((k) => k.chat_id === data.chatIds[0])!.name,
    roomBaseId: data.roomBaseId,
    cap: data.cap ?? creds.options.groupCap,
    channelName: CHANNEL_NAMES[data.channel] ?? data.channel,
    welcome: data.welcome ?? null,
    welcomeTemplateId,
  };
  const state = newState(data.channel);
  const way = await wecomCall('create the join way', () =>
    addJoinWay(client, { scene: 2, remark: data.name.slice(0, 30), auto_create_room: data.autoCreate ? 1 : 0, room_base_name: config.roomBaseName, room_base_id: config.roomBaseId, chat_id_list: data.chatIds, state }),
  );
  const detail = await wecomCall('read the join way', () => getJoinWay(client, way.config_id));
  const now = ctx.clock.now();
  const id = newId(ctx.clock);
  await ctx.db.transaction().execute(async (trx) => {
    await trx
      .insertInto('wecom_codes')
      .values({
        workspace_id: workspaceId,
        id,
        kind: 'group',
        name: data.name,
        channel: data.channel,
        state,
        short: newShort(),
        config_id: way.config_id,
        qr_url: detail.join_way.qr_code ?? '',
        config: JSON.stringify(config),
        runtime: JSON.stringify({ chatIds: data.chatIds }),
        created_at: now,
        updated_at: now,
      })
      .execute();
    await trx.updateTable('wecom_groups').set({ code_id: id }).where('workspace_id', '=', workspaceId).where('chat_id', 'in', data.chatIds).execute();
    await recordAudit(ctx, trx, { workspaceId, actor: by.actor, action: 'wecom.groupcode.create', entity: 'wecom_code', entityId: id, after: { name: data.name, state, chatIds: data.chatIds, ...config } });
  });
  return getGroupCode(ctx, workspaceId, id);
}

export async function getGroupCode(ctx: Ctx, workspaceId: string, id: string): Promise<GroupCode> {
  return toGroupCode(ctx, workspaceId, await codeRow(ctx, workspaceId, id, 'group'));
}

export async function listGroupCodes(ctx: Ctx, workspaceId: string): Promise<GroupCode[]> {
  const rows = await ctx.db.selectFrom('wecom_codes').selectAll().where('workspace_id', '=', workspaceId).where('kind', '=', 'group').where('deleted_at', 'is', null).orderBy('id', 'desc').execute();
  return Promise.all(rows.map((r) => toGroupCode(ctx, workspaceId, r)));
}

async function toGroupCode(ctx: Ctx, workspaceId: string, r: Awaited<ReturnType<typeof codeRow>>): Promise<GroupCode> {
  const groups = await ctx.db.selectFrom('wecom_groups').selectAll().where('workspace_id', '=', workspaceId).where('code_id', '=', r.id).orderBy('created_at').orderBy('name').execute();
  const config = r.config as unknown as GroupCodeConfig;
  return {
    ...config,
    welcome: config.welcome ?? null,
    welcomeTemplateId: config.welcomeTemplateId ?? null,
    id: r.id,
    name: r.name,
    channel: r.channel,
    state: r.state,
    short: r.short,
    configId: r.config_id,
    qrUrl: r.qr_url,
    chatIds: (r.runtime as { chatIds?: string[] }).chatIds ?? [],
    groups: groups.map((g) => ({ chatId: g.chat_id, name: g.name, owner: g.owner, customers: g.member_count, joinedByCode: g.code_joins, dismissed: g.dismissed_at !== null })),
    createdAt: r.created_at,
  };
}

export async function deleteGroupCode(ctx: Ctx, workspaceId: string, id: string, by: { actor: Actor; requestId?: string }): Promise<void> {
  const row = await codeRow(ctx, workspaceId, id, 'group');
  const client = await clientFor(ctx, workspaceId);
  await wecomCall('delete the join way', () => deleteJoinWay(client, row.config_id));
  const templateId = (row.config as Partial<GroupCodeConfig>).welcomeTemplateId;
  if (templateId) await wecomCall('delete the group welcome', () => deleteGroupWelcome(client, templateId));
  await ctx.db.transaction().execute(async (trx) => {
    await trx.updateTable('wecom_codes').set({ deleted_at: ctx.clock.now() }).where('workspace_id', '=', workspaceId).where('id', '=', id).execute();
    await recordAudit(ctx, trx, { workspaceId, actor: by.actor, action: 'wecom.groupcode.delete', entity: 'wecom_code', entityId: id });
  });
}

/**
 * Keeps a group code's list to the groups below the cap, in order. WeCom's own list is the truth
 * (auto-created groups appear there); the last group stays listed when every group is full, so
 * WeCom creates the next one as it fills.
 */
export async function rotateGroupCode(ctx: Ctx, workspaceId: string, client: WeComClient, codeId: string): Promise<void> {
  const row = await codeRow(ctx, workspaceId, codeId, 'group');
  const config = row.config as unknown as GroupCodeConfig;
  const { join_way: way } = await getJoinWay(client, row.config_id);
  const counts = new Map<string, number>();
  for (const chatId of way.chat_id_list) {
    let g = await ctx.db.selectFrom('wecom_groups').select(['member_count', 'code_id']).where('workspace_id', '=', workspaceId).where('chat_id', '=', chatId).executeTakeFirst();
    if (!g || g.code_id !== codeId) {
      const chat = (await getGroupChat(client, chatId)).group_chat;
      await upsertGroup(ctx, workspaceId, chat);
      await ctx.db.updateTable('wecom_groups').set({ code_id: codeId }).where('workspace_id', '=', workspaceId).where('chat_id', '=', chatId).execute();
      g = { member_count: customerCount(chat), code_id: codeId };
    }
    counts.set(chatId, g.member_count);
  }
  const open = way.chat_id_list.filter((c) => counts.get(c)! < config.cap);
  const next = open.length ? open : way.chat_id_list.slice(-1);
  if (next.join() !== way.chat_id_list.join()) {
    await updateJoinWay(client, {
      config_id: way.config_id,
      scene: way.scene,
      remark: way.remark,
      auto_create_room: way.auto_create_room,
      room_base_name: way.room_base_name,
      room_base_id: way.room_base_id,
      chat_id_list: next,
      state: way.state,
    });
  }
  await ctx.db.updateTable('wecom_codes').set({ runtime: JSON.stringify({ chatIds: next }) }).where('workspace_id', '=', workspaceId).where('id', '=', codeId).execute();
}
