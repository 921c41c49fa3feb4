import { createHash, randomUUID } from 'node:crypto';
import { z } from 'zod';
import { AppError, newId } from '../core/index.js';
import type { Ctx } from '../store/index.js';
import { systemActor, recordAudit } from '../audit/index.js';
import { findWorkspace } from '../auth/index.js';
import { getGroupChat } from './api.js';
import type { WeComClient } from './client.js';
import { contactAdded, contactDeleted, contactEdited } from './contacts.js';
import { CallbackCryptoError, type CallbackKeys, openSigned, withinReplayWindow } from './crypto.js';
import { WeComError } from './errors.js';
import { rotateGroupCode, upsertGroup } from './groups.js';
import { runInBackground } from './jobs.js';
import { clientFor, loadCredentials } from './settings.js';
import { syncCorpTags } from './tags.js';
import { parseXml, xmlString } from './xml.js';

/** A callback older or newer than this (seconds) is a replay or a badly skewed clock. */
export const REPLAY_WINDOW_S = 300;

export const callbackQuery = z.object({
  msg_signature: z.string().regex(/^[0-9a-fA-F]{40}$/, 'a SHA1 hex digest'),
  timestamp: z.string().regex(/^\d{1,12}$/),
  nonce: z.string().min(1).max(64),
  echostr: z.string().max(1024).optional(),
});
export type CallbackQuery = z.infer<typeof callbackQuery>;

/** The decrypted event: what every processor may rely on. */
const wecomEvent = z
  .object({
    ToUserName: z.string().min(1),
    CreateTime: z.string().regex(/^\d+$/),
    MsgType: z.literal('event'),
    Event: z.string().min(1),
    ChangeType: z.string().optional(),
    UserID: z.string().optional(),
    ExternalUserID: z.string().optional(),
    State: z.string().optional(),
    WelcomeCode: z.string().optional(),
    ChatId: z.string().optional(),
    FailReason: z.string().optional(),
  })
  .passthrough();
type WecomEvent = z.infer<typeof wecomEvent>;

async function keysFor(ctx: Ctx, slug: string): Promise<{ workspaceId: string; keys: CallbackKeys }> {
  const ws = await findWorkspace(ctx, slug);
  const creds = ws ? await loadCredentials(ctx, ws.id) : null;
  if (!ws || !creds) throw new AppError('not_found', `no WeCom corp is connected to workspace ${slug}`);
  return { workspaceId: ws.id, keys: { token: creds.token, encodingAesKey: creds.encodingAesKey, receiveId: creds.corpId } };
}

function reject(ctx: Ctx, slug: string, reason: string, code: 'forbidden' | 'bad_request'): never {
  ctx.log.warn({ workspace: slug, reason }, 'wecom callback rejected');
  throw new AppError(code, `callback rejected: ${reason}`);
}

function open(ctx: Ctx, slug: string, keys: CallbackKeys, q: CallbackQuery, encrypted: string): string {
  if (!withinReplayWindow(q.timestamp, ctx.clock.now(), REPLAY_WINDOW_S)) reject(ctx, slug, `timestamp ${q.timestamp} is outside the ${REPLAY_WINDOW_S} s window (replay?)`, 'forbidden');
  try {
    return openSigned(keys, { msgSignature: q.msg_signature, timestamp: q.timestamp, nonce: q.nonce }, encrypted);
  } catch (err) {
    if (err instanceof CallbackCryptoError) reject(ctx, slug, err.message, err.reason === 'malformed' ? 'bad_request' : 'forbidden');
    throw err;
  }
}

/** URL verification (GET): the decrypted echostr proves we hold the token and key. */
export async function verifyCallbackUrl(ctx: Ctx, slug: string, q: CallbackQuery): Promise<string> {
  const { keys } = await keysFor(ctx, slug);
  if (!q.echostr) reject(ctx, slug, 'echostr missing', 'bad_request');
  return open(ctx, slug, keys, q, q.echostr);
}

/**
 * An event POST: verified, decrypted, stored once (WeCom retries carry the same message, so a
 * hash of it de-duplicates), then processed after the answer. Anything wrong is refused before
 * a row is written.
 */
export async function acceptCallback(ctx: Ctx, slug: string, q: CallbackQuery, body: string): Promise<{ stored: boolean }> {
  const { workspaceId, keys } = await keysFor(ctx, slug);
  const envelope = parseXml(body);
  const encrypted = envelope ? xmlString(envelope, 'Encrypt') : undefined;
  if (!encrypted) reject(ctx, slug, 'the body is not WeCom XML with an Encrypt field', 'bad_request');
  const message = open(ctx, slug, keys, q, encrypted);
  const parsed = wecomEvent.safeParse(parseXml(message) ?? {});
  if (!parsed.success) reject(ctx, slug, `not an event: ${parsed.error.issues.map((i) => `${i.path.join('.')} ${i.message}`).join('; ')}`, 'bad_request');
  const event = parsed.data;
  const inserted = await ctx.db
    .insertInto('wecom_inbox')
    .values({
      workspace_id: workspaceId,
      id: newId(ctx.clock),
      dedupe_key: createHash('sha256').update(message).digest('hex'),
      received_at: ctx.clock.now(),
      kind: [event.Event, event.ChangeType].filter(Boolean).join(':'),
      event: JSON.stringify(event),
    })
    .onConflict((oc) => oc.columns(['workspace_id', 'dedupe_key']).doNothing())
    .executeTakeFirst();
  const stored = Number(inserted.numInsertedOrUpdatedRows ?? 0) > 0;
  if (stored) kickInbox(ctx, workspaceId);
  return { stored };
}

export function kickInbox(ctx: Ctx, workspaceId: string): void {
  runInBackground(ctx, `wecom-inbox:${workspaceId}`, () => processInbox(ctx, workspaceId));
}

type Processor = (ctx: Ctx, workspaceId: string, client: WeComClient, ev: WecomEvent, id: string) => Promise<void>;

const need = (ev: WecomEvent, key: 'UserID' | 'ExternalUserID' | 'ChatId'): string => ev[key] ?? fail(`${key} missing`);
function fail(message: string): never {
  throw new Error(message);
}

const contactEvent = (ev: WecomEvent) => ({ userid: need(ev, 'UserID'), externalUserid: need(ev, 'ExternalUserID') });
/** _welcome: the welcome outcome an earlier attempt recorded on the stored callback. */
const addEvent = (ev: WecomEvent) => ({ ...contactEvent(ev), state: ev.State, welcomeCode: ev.WelcomeCode, welcomed: typeof ev._welcome === 'string' ? ev._welcome : undefined });

async function groupChanged(ctx: Ctx, workspaceId: string, client: WeComClient, ev: WecomEvent): Promise<void> {
  // A group dismissed before we got to it answers 86001; its dismiss event follows.
  const found = await getGroupChat(client, need(ev, 'ChatId')).catch((err: unknown) => (err instanceof WeComError && err.errcode === 86001 ? null : Promise.reject(err)));
  if (!found) return;
  const chat = found.group_chat;
  await upsertGroup(ctx, workspaceId, chat);
  const group = await ctx.db.selectFrom('wecom_groups').select('code_id').where('workspace_id', '=', workspaceId).where('chat_id', '=', chat.chat_id).executeTakeFirstOrThrow();
  if (group.code_id) await rotateGroupCode(ctx, workspaceId, client, group.code_id);
}

/** What each callback (Event:ChangeType, 回调 docs of 客户联系) does; others are kept, not acted on. */
const processors: Record<string, Processor> = {
  'change_external_contact:add_external_contact': (ctx, ws, client, ev, id) => contactAdded(ctx, ws, client, { ...addEvent(ev), half: false, eventId: id }),
  'change_external_contact:add_half_external_contact': (ctx, ws, client, ev, id) => contactAdded(ctx, ws, client, { ...addEvent(ev), half: true, eventId: id }),
  'change_external_contact:edit_external_contact': (ctx, ws, client, ev) => contactEdited(ctx, ws, client, contactEvent(ev)),
  'change_external_contact:del_external_contact': (ctx, ws, _c, ev) => contactDeleted(ctx, ws, { ...contactEvent(ev), by: 'staff' }),
  'change_external_contact:del_follow_user': (ctx, ws, _c, ev) => contactDeleted(ctx, ws, { ...contactEvent(ev), by: 'customer' }),
  // The customer stays with the handover member; the failure is kept in the audit log for the console.
  'change_external_contact:transfer_fail': async (ctx, ws, _c, ev) => {
    await recordAudit(ctx, ctx.db, { workspaceId: ws, actor: systemActor, action: 'wecom.transfer.fail', entity: 'wecom_relation', entityId: need(ev, 'ExternalUserID'), after: { takeover: ev.UserID, reason: ev.FailReason } });
  },
  'change_external_chat:create': groupChanged,
  'change_external_chat:update': groupChanged,
  'change_external_chat:dismiss': async (ctx, ws, _c, ev) => {
    await ctx.db.updateTable('wecom_groups').set({ dismissed_at: ctx.clock.now(), updated_at: ctx.clock.now() }).where('workspace_id', '=', ws).where('chat_id', '=', need(ev, 'ChatId')).execute();
  },
  'change_external_tag:create': (ctx, ws, client) => syncCorpTags(ctx, ws, client).then(() => undefined),
  'change_external_tag:update': (ctx, ws, client) => syncCorpTags(ctx, ws, client).then(() => undefined),
  'change_external_tag:delete': (ctx, ws, client) => syncCorpTags(ctx, ws, client).then(() => undefined),
  'change_external_tag:shuffle': (ctx, ws, client) => syncCorpTags(ctx, ws, client).then(() => undefined),
};

const MAX_ATTEMPTS = 5;
const LEASE_MS = 60_000;
const PROCESS = randomUUID();

/** Takes (or renews) this process's lease on a workspace's inbox; false while another process holds it. */
async function lease(ctx: Ctx, workspaceId: string): Promise<boolean> {
  const now = ctx.clock.now();
  const until = new Date(now.getTime() + LEASE_MS);
  const row = await ctx.db
    .insertInto('wecom_inbox_leases')
    .values({ workspace_id: workspaceId, owner: PROCESS, until })
    .onConflict((oc) =>
      oc
        .column('workspace_id')
        .doUpdateSet({ owner: PROCESS, until })
        .where((eb) => eb.or([eb('wecom_inbox_leases.until', '<', now), eb('wecom_inbox_leases.owner', '=', PROCESS)])),
    )
    .returning('owner')
    .executeTakeFirst();
  return row !== undefined;
}

async function release(ctx: Ctx, workspaceId: string): Promise<void> {
  await ctx.db.updateTable('wecom_inbox_leases').set({ until: new Date(0) }).where('workspace_id', '=', workspaceId).where('owner', '=', PROCESS).execute();
}

async function pending(ctx: Ctx, workspaceId: string): Promise<boolean> {
  const row = await ctx.db.selectFrom('wecom_inbox').select('id').where('workspace_id', '=', workspaceId).where('processed_at', 'is', null).where('attempts', '<', MAX_ATTEMPTS).executeTakeFirst();
  return row !== undefined;
}

/**
 * Processes stored callbacks in arrival order, in one process at a time per workspace (a lease);
 * a failure is counted and retried by the next pass. A callback stored by another process while
 * this one was finishing is picked up by the re-check after the release.
 */
export async function processInbox(ctx: Ctx, workspaceId: string): Promise<{ processed: number; failed: number }> {
  const total = { processed: 0, failed: 0 };
  while (await lease(ctx, workspaceId)) {
    try {
      const r = await drain(ctx, workspaceId);
      total.processed += r.processed;
      total.failed += r.failed;
    } finally {
      await release(ctx, workspaceId);
    }
    if (total.failed > 0 || !(await pending(ctx, workspaceId))) break;
  }
  return total;
}

async function drain(ctx: Ctx, workspaceId: string): Promise<{ processed: number; failed: number }> {
  const client = await clientFor(ctx, workspaceId);
  let processed = 0;
  let failed = 0;
  let after = '';
  for (;;) {
    if (!(await lease(ctx, workspaceId))) return { processed, failed };
    const rows = await ctx.db
      .selectFrom('wecom_inbox')
      .select(['id', 'kind', 'event', 'attempts'])
      .where('workspace_id', '=', workspaceId)
      .where('processed_at', 'is', null)
      .where('attempts', '<', MAX_ATTEMPTS)
      .where('id', '>', after || '00000000-0000-0000-0000-000000000000')
      .orderBy('id')
      .limit(50)
      .execute();
    if (rows.length === 0) return { processed, failed };
    for (const row of rows) {
      after = row.id;
      const processor = processors[row.kind];
      try {
        if (processor) await processor(ctx, workspaceId, client, row.event as WecomEvent, row.id);
        await ctx.db.updateTable('wecom_inbox').set({ processed_at: ctx.clock.now(), attempts: row.attempts + 1, error: null }).where('workspace_id', '=', workspaceId).where('id', '=', row.id).execute();
        processed++;
      } catch (err) {
        failed++;
        ctx.log.warn({ err, event: row.kind }, 'wecom callback processing failed; will retry');
        await ctx.db.updateTable('wecom_inbox').set({ attempts: row.attempts + 1, error: String((err as Error).message ?? err).slice(0, 500) }).where('workspace_id', '=', workspaceId).where('id', '=', row.id).execute();
      }
    }
  }
}
