import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import { type Channel, PROVIDERS, SETTINGS_OF, channelConfig, type SendOutcome } from '../channels/index.js';
import type { Ctx } from '../store/index.js';
import type { TemplateContent } from './content.js';
import { emitMessageEvent, type MessageRef } from './events.js';
import { CUSTOMER_FACING, capVerdict, consentVerdict, getPolicies, goldenStart, quietUntil, type Verdict } from './policies.js';
import { buildView, loadRecipient, renderContent } from './render.js';
import { getTemplate } from './templates.js';
import { BUILTIN_TEMPLATE_ID, builtinChannel, builtinContent } from './builtin.js';

/** A claimed row is left alone by other workers for this long. */
export const CLAIM_MS = 60_000;
/** A send not answered within this long is looked at again (crash between 'sending' and the outcome). */
export const SEND_LEASE_MS = 5 * 60_000;
/** Transient failures are retried this many times in all, then the message is parked. */
export const MAX_ATTEMPTS = 5;
/** Backoff before attempt n+1: 30 s × 4^(n-1): 30 s, 2 min, 8 min, 32 min. */
export const backoffMs = (attempts: number) => 30_000 * 4 ** Math.max(0, attempts - 1);

export interface DispatchResult {
  claimed: number;
  sent: number;
  deferred: number;
  suppressed: number;
  retried: number;
  failed: number;
  parked: number;
}

/**
 * One pass of the outbox: claims due rows (FOR UPDATE SKIP LOCKED, so several workers share the
 * load), applies the policies, renders, sends through the channel and records the outcome.
 */
export async function dispatchOnce(ctx: Ctx, opts: { limit?: number; workspaceId?: string } = {}): Promise<DispatchResult> {
  const now = ctx.clock.now();
  const ids = await ctx.db.transaction().execute(async (trx) => {
    let q = trx
      .selectFrom('messages')
      .select(['workspace_id', 'id'])
      .where('status', 'in', ['queued', 'deferred', 'sending'])
      .where('not_before', '<=', now)
      .orderBy('not_before')
      .limit(opts.limit ?? 50)
      .forUpdate()
      .skipLocked();
    if (opts.workspaceId) q = q.where('workspace_id', '=', opts.workspaceId);
    const rows = await q.execute();
    for (const r of rows) {
      await trx.updateTable('messages').set({ not_before: new Date(now.getTime() + CLAIM_MS) }).where('workspace_id', '=', r.workspace_id).where('id', '=', r.id).execute();
    }
    return rows;
  });
  const result: DispatchResult = { claimed: ids.length, sent: 0, deferred: 0, suppressed: 0, retried: 0, failed: 0, parked: 0 };
  for (const r of ids) {
    try {
      const outcome = await processMessage(ctx, r.workspace_id, r.id);
      if (outcome) result[outcome]++;
    } catch (err) {
      ctx.log.error({ err, messageId: r.id }, 'message dispatch failed');
    }
  }
  return result;
}

type Outcome = 'sent' | 'deferred' | 'suppressed' | 'retried' | 'failed' | 'parked';

async function processMessage(ctx: Ctx, workspaceId: string, id: string): Promise<Outcome | null> {
  const m = await ctx.db.selectFrom('messages').selectAll().where('workspace_id', '=', workspaceId).where('id', '=', id).executeTakeFirst();
  if (!m || !['queued', 'deferred', 'sending'].includes(m.status)) return null;
  const now = ctx.clock.now();
  if (!PROVIDERS[m.channel as Channel]) return finish(ctx, m, { status: 'failed', code: 'unknown_channel', text: `unknown channel ${m.channel}` });

  const ws = await ctx.db.selectFrom('workspaces').select(['name', 'timezone']).where('id', '=', workspaceId).executeTakeFirstOrThrow();
  const recipient = await loadRecipient(ctx, workspaceId, m.customer_id);
  if (!recipient) return finish(ctx, m, { status: 'suppressed', code: 'no_customer', text: 'the customer does not exist (erased or merged away)' });
  const builtin = m.template_id === BUILTIN_TEMPLATE_ID;
  if (builtin && m.status !== 'sending') {
    // A group invite without a template reaches a customer without WeCom by SMS.
    const to = builtinChannel(m, recipient);
    if (to !== m.channel) {
      await ctx.db.updateTable('messages').set({ channel: to }).where('workspace_id', '=', workspaceId).where('id', '=', m.id).execute();
      m.channel = to;
    }
  }
  const channel = m.channel as Channel;
  const provider = PROVIDERS[channel];

  let rendered = m.rendered as Record<string, unknown> | null;
  if (m.status === 'sending') {
    // A crash (or a lost answer) after the row was marked 'sending'. Providers that drop a repeated
    // idempotency key get the same send again; the others are not resent (never twice).
    if (!provider.idempotent) return finish(ctx, m, { status: 'failed', code: 'outcome_unknown', text: `no answer recorded from ${channel} before a crash; not resent to avoid a duplicate` });
  } else {
    const policies = await getPolicies(ctx, workspaceId);
    const facing = CUSTOMER_FACING.has(channel);
    if (facing) {
      const v = await consentVerdict(ctx, { workspaceId, customerId: m.customer_id, channel, marketing: m.marketing }, recipient.consent, policies);
      if (v) return finish(ctx, m, { status: 'suppressed', ...v });
      const quiet = quietUntil(now, policies, ws.timezone);
      if (quiet) return defer(ctx, m, quiet, { code: 'quiet_hours', text: `quiet hours ${policies.quietHours.start}–${policies.quietHours.end}: deferred to ${quiet.toISOString()}` });
    }
    if (m.golden) {
      const at = goldenStart(now, policies.goldenWindows, ws.timezone);
      if (at > now) return defer(ctx, m, at, { code: 'golden_window', text: `deferred to the next golden window at ${at.toISOString()}` });
    }
    if (builtin) {
      const view = await buildView(ctx, workspaceId, recipient, { brandName: ws.name, timezone: ws.timezone, links: {}, vars: m.vars ?? {} });
      const b = builtinContent(m, channel, view);
      if ('error' in b) return finish(ctx, m, { status: 'failed', code: 'no_template', text: b.error });
      rendered = b.render ? renderContent(channel, b.content as TemplateContent, view) : b.content;
    } else {
      const template = await getTemplate(ctx, workspaceId, m.template_id, { includeDeleted: true }).catch(() => null);
      if (!template) return finish(ctx, m, { status: 'failed', code: 'no_template', text: `template ${m.template_id} does not exist` });
      if (template.channel !== channel) return finish(ctx, m, { status: 'failed', code: 'template_channel', text: `template "${template.name}" is for ${template.channel}, not ${channel}` });
      const links = await trackedLinks(ctx, workspaceId, m.id, template.content);
      const view = await buildView(ctx, workspaceId, recipient, { brandName: ws.name, timezone: ws.timezone, links, vars: m.vars ?? {} });
      rendered = renderContent(channel, template.content, view);
    }

    // Caps are checked and the row marked 'sending' under a per-customer lock, so two workers
    // cannot both pass the cap for the same customer.
    const verdict = await ctx.db.transaction().execute(async (trx) => {
      await sql`SELECT pg_advisory_xact_lock(hashtext(${`msg:${workspaceId}:${m.customer_id}`}))`.execute(trx);
      const v: Verdict | null = facing || channel === 'wecom_1v1' ? await capVerdict({ db: trx }, { workspaceId, customerId: m.customer_id, channel, id: m.id, marketing: m.marketing }, policies, ws.timezone, now) : null;
      if (v) return v;
      await trx
        .updateTable('messages')
        .set({ status: 'sending', attempts: m.attempts + 1, not_before: new Date(now.getTime() + SEND_LEASE_MS), rendered: JSON.stringify(rendered), reason: null, reason_code: null })
        .where('workspace_id', '=', workspaceId)
        .where('id', '=', m.id)
        .execute();
      return null;
    });
    if (verdict) return finish(ctx, m, { status: 'suppressed', ...verdict });
    m.attempts += 1;
  }

  const settingsKey = SETTINGS_OF[channel];
  const settings = settingsKey ? await channelConfig(ctx, workspaceId, settingsKey) : {};
  const unsubscribeUrl = channel === 'email' && m.marketing ? await linkUrl(ctx, await linkToken(ctx, workspaceId, m.id, '__unsubscribe', '')) : undefined;
  const outcome: SendOutcome = await provider
    .send({
      ctx,
      workspaceId,
      messageId: m.id,
      idempotencyKey: `${workspaceId}:${m.idempotency_key}`,
      channel,
      recipient,
      content: rendered ?? {},
      settings,
      brandName: ws.name,
      source: { kind: m.source_kind, id: m.source_id, templateId: m.template_id },
      unsubscribeUrl,
    })
    .catch((err: Error): SendOutcome => ({ status: 'failed', transient: true, error: err.message }));
  const at = ctx.clock.now();
  if (outcome.status === 'sent' || outcome.status === 'delivered') {
    const delivered = outcome.status === 'delivered';
    await ctx.db
      .updateTable('messages')
      .set({
        status: outcome.status,
        sent_at: at,
        delivered_at: delivered ? at : null,
        provider_ref: outcome.providerRef,
        rendered: JSON.stringify({ ...(rendered ?? {}), ...(outcome.detail ?? {}) }),
        reason: null,
        reason_code: null,
      })
      .where('workspace_id', '=', workspaceId)
      .where('id', '=', m.id)
      .execute();
    await emitMessageEvent(ctx, 'Message Sent', m, at);
    if (delivered) await emitMessageEvent(ctx, 'Message Delivered', m, at);
    return 'sent';
  }
  if (outcome.status === 'unreachable') return finish(ctx, m, { status: 'suppressed', code: 'unreachable', text: outcome.reason });
  const failed = outcome as Extract<SendOutcome, { status: 'failed' }>;
  if (failed.transient && m.attempts < MAX_ATTEMPTS) {
    const next = new Date(at.getTime() + backoffMs(m.attempts));
    await ctx.db
      .updateTable('messages')
      .set({ status: 'queued', not_before: next, reason: `attempt ${m.attempts} failed: ${failed.error}; retry at ${next.toISOString()}`, reason_code: 'retrying' })
      .where('workspace_id', '=', workspaceId)
      .where('id', '=', m.id)
      .execute();
    return 'retried';
  }
  if (failed.transient) return finish(ctx, m, { status: 'parked', code: 'parked', text: `parked after ${m.attempts} attempts: ${failed.error}` });
  return finish(ctx, m, { status: 'failed', code: 'provider_error', text: failed.error });
}

async function defer(ctx: Ctx, m: MessageRef & { workspace_id: string }, until: Date, v: Verdict): Promise<Outcome> {
  await ctx.db.updateTable('messages').set({ status: 'deferred', not_before: until, reason: v.text, reason_code: v.code }).where('workspace_id', '=', m.workspace_id).where('id', '=', m.id).execute();
  return 'deferred';
}

async function finish(ctx: Ctx, m: MessageRef, r: { status: 'suppressed' | 'failed' | 'parked'; code: string; text: string }): Promise<Outcome> {
  await ctx.db.updateTable('messages').set({ status: r.status, reason: r.text, reason_code: r.code }).where('workspace_id', '=', m.workspace_id).where('id', '=', m.id).execute();
  const at = ctx.clock.now();
  await emitMessageEvent(ctx, r.status === 'suppressed' ? 'Message Suppressed' : 'Message Failed', m, at, { reason: r.code, reason_text: r.text });
  return r.status;
}

// ---- tracked links ----

async function linkToken(ctx: Ctx, workspaceId: string, messageId: string, name: string, url: string): Promise<string> {
  const existing = await ctx.db.selectFrom('message_links').select('token').where('workspace_id', '=', workspaceId).where('message_id', '=', messageId).where('name', '=', name).executeTakeFirst();
  if (existing) return existing.token;
  const token = randomBytes(12).toString('base64url');
  await ctx.db.insertInto('message_links').values({ token, workspace_id: workspaceId, message_id: messageId, name, url }).execute();
  return token;
}

export function publicBase(ctx: Pick<Ctx, 'config'>): string {
  if (ctx.config.publicUrl) return ctx.config.publicUrl.replace(/\/$/, '');
  const host = ['0.0.0.0', '::'].includes(ctx.config.host) ? '127.0.0.1' : ctx.config.host;
  return `http://${host}:${ctx.config.port}`;
}

async function linkUrl(ctx: Ctx, token: string): Promise<string> {
  return `${publicBase(ctx)}/m/${token}`;
}

/** `{{link.<name>}}` of a message: a /m/<token> address per link, made once per message. */
async function trackedLinks(ctx: Ctx, workspaceId: string, messageId: string, content: TemplateContent): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const [name, url] of Object.entries(content.links ?? {})) out[name] = await linkUrl(ctx, await linkToken(ctx, workspaceId, messageId, name, url));
  return out;
}

/** Outbox counts by status (for the worker's metrics and tests). */
export async function outboxCounts(ctx: Pick<Ctx, 'db'>, workspaceId: string): Promise<Record<string, number>> {
  const rows = await ctx.db.selectFrom('messages').select(['status', (eb) => eb.fn.countAll<string>().as('n')]).where('workspace_id', '=', workspaceId).groupBy('status').execute();
  return Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
}
