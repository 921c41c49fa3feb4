import { sql } from 'kysely';
import { normalizePhone } from '../core/index.js';
import type { Ctx } from '../store/index.js';
import { emitMessageEvent, type MessageRef } from './events.js';

const REF_COLUMNS = ['workspace_id', 'id', 'customer_id', 'channel', 'template_id', 'source_kind', 'source_id', 'run_id', 'step_id', 'variant'] as const;

/** Replies that mean 退订 (SMS). */
export const UNSUBSCRIBE_REPLIES = new Set(['T', 'TD', 'N', '退订', 'UNSUBSCRIBE', 'STOP']);

/**
 * 退订: no more marketing on this channel ('*' for all). Recorded once per customer and channel,
 * the customer's consent for the channel set to refused, and an `Unsubscribed` event written.
 */
export async function unsubscribe(ctx: Ctx, workspaceId: string, customerId: string, channel: string, source: string, message?: MessageRef | null): Promise<{ created: boolean }> {
  const now = ctx.clock.now();
  const created = await ctx.db.transaction().execute(async (trx) => {
    const ins = await trx
      .insertInto('unsubscribes')
      .values({ workspace_id: workspaceId, customer_id: customerId, channel, at: now, source, message_id: message?.id ?? null })
      .onConflict((oc) => oc.columns(['workspace_id', 'customer_id', 'channel']).doNothing())
      .returning('customer_id')
      .executeTakeFirst();
    const consent = JSON.stringify({ granted: false, at: now.toISOString() });
    await sql`UPDATE customers SET consent = jsonb_set(consent, ARRAY[${channel === '*' ? 'marketing' : channel}]::text[], ${consent}::jsonb, true), updated_at = ${now}
              WHERE workspace_id = ${workspaceId} AND id = ${customerId}`.execute(trx);
    return ins !== undefined;
  });
  if (created) {
    const ref: MessageRef = message ?? { workspace_id: workspaceId, id: '', customer_id: customerId, channel, template_id: '', source_kind: 'manual', source_id: source, run_id: null, step_id: null, variant: null };
    await emitMessageEvent(ctx, 'Unsubscribed', ref, now, { channel, via: source }, message ? undefined : `${channel}:${now.getTime()}`);
  }
  return { created };
}

/** A tracked-link click: counts it, stamps the message, writes `Message Clicked`; returns where to go. */
export async function recordClick(ctx: Ctx, token: string): Promise<{ url: string; unsubscribed?: boolean } | null> {
  if (!/^[A-Za-z0-9_-]{8,64}$/.test(token)) return null;
  const now = ctx.clock.now();
  const link = await ctx.db
    .updateTable('message_links')
    .set((eb) => ({ clicks: eb('clicks', '+', 1), first_clicked_at: sql`coalesce(first_clicked_at, ${now})` }))
    .where('token', '=', token)
    .returning(['workspace_id', 'message_id', 'name', 'url', 'clicks'])
    .executeTakeFirst();
  if (!link) return null;
  const m = await ctx.db.selectFrom('messages').select(REF_COLUMNS).where('workspace_id', '=', link.workspace_id).where('id', '=', link.message_id).executeTakeFirst();
  if (!m) return null;
  if (link.name === '__unsubscribe') {
    await unsubscribe(ctx, m.workspace_id, m.customer_id, m.channel, 'email_link', m);
    return { url: '', unsubscribed: true };
  }
  await ctx.db.updateTable('messages').set({ clicked_at: sql`coalesce(clicked_at, ${now})` }).where('workspace_id', '=', m.workspace_id).where('id', '=', m.id).execute();
  await emitMessageEvent(ctx, 'Message Clicked', m, now, { link: link.name, url: link.url }, String(link.clicks));
  return { url: link.url };
}

export interface SmsInbound {
  type: 'reply' | 'report';
  phone?: string;
  text?: string;
  id?: string;
  status?: 'delivered' | 'failed';
}

/** An SMS reply (→ `Message Replied`, "T" → 退订) or delivery report (→ `Message Delivered` / `Message Failed`). */
export async function smsInbound(ctx: Ctx, workspaceId: string, body: SmsInbound): Promise<{ matched: boolean; unsubscribed?: boolean }> {
  const now = ctx.clock.now();
  if (body.type === 'report') {
    if (!body.id) return { matched: false };
    const m = await ctx.db.selectFrom('messages').select(REF_COLUMNS).where('workspace_id', '=', workspaceId).where('channel', '=', 'sms').where('provider_ref', '=', body.id).executeTakeFirst();
    if (!m) return { matched: false };
    if (body.status === 'delivered') {
      await ctx.db.updateTable('messages').set({ status: 'delivered', delivered_at: now }).where('workspace_id', '=', workspaceId).where('id', '=', m.id).where('status', 'in', ['sent', 'delivered']).execute();
      await emitMessageEvent(ctx, 'Message Delivered', m, now);
    } else {
      await ctx.db.updateTable('messages').set({ status: 'failed', reason: 'the operator reported the SMS undelivered', reason_code: 'undelivered' }).where('workspace_id', '=', workspaceId).where('id', '=', m.id).execute();
      await emitMessageEvent(ctx, 'Message Failed', m, now, { reason: 'undelivered' });
    }
    return { matched: true };
  }
  const phone = body.phone ? normalizePhone(body.phone) : null;
  if (!phone) return { matched: false };
  const customer = await ctx.db
    .selectFrom('customers')
    .select('id')
    .where('workspace_id', '=', workspaceId)
    .where('phone_index', '=', ctx.secrets.blindIndex('phone', phone))
    .where('merged_into', 'is', null)
    .executeTakeFirst();
  if (!customer) return { matched: false };
  const m = await ctx.db
    .selectFrom('messages')
    .select(REF_COLUMNS)
    .where('workspace_id', '=', workspaceId)
    .where('customer_id', '=', customer.id)
    .where('channel', '=', 'sms')
    .where('status', 'in', ['sent', 'delivered'])
    .orderBy('sent_at', 'desc')
    .executeTakeFirst();
  const text = (body.text ?? '').trim();
  if (m) {
    await ctx.db.updateTable('messages').set({ replied_at: sql`coalesce(replied_at, ${now})` }).where('workspace_id', '=', workspaceId).where('id', '=', m.id).execute();
    await emitMessageEvent(ctx, 'Message Replied', m, now, { text: text.slice(0, 500) }, String(now.getTime()));
  }
  if (UNSUBSCRIBE_REPLIES.has(text.toUpperCase())) {
    await unsubscribe(ctx, workspaceId, customer.id, 'sms', 'sms_reply', m ?? null);
    return { matched: true, unsubscribed: true };
  }
  return { matched: true };
}
