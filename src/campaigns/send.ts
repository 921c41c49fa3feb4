import { createHash } from 'node:crypto';
import { sql } from 'kysely';
import { startLoop } from '../core/index.js';
import type { Ctx } from '../store/index.js';
import { recordAudit, systemActor } from '../audit/index.js';
import { enqueueMessages } from '../messages/index.js';
import { refreshSegment } from '../segments/index.js';
import type { Channel } from '../journeys/model.js';
import type { CampaignVariant } from './schema.js';

/**
 * Sending: the worker claims a due campaign (FOR UPDATE SKIP LOCKED, with a lease), then walks the
 * segment's members in customer-id order, a batch at a time. Each batch commits in one
 * transaction: the recipients (variant or holdout), their messages in the outbox (idempotency key
 * `c:${campaignId}:${customerId}`) and the cursor. A crash loses at most the batch in flight, which
 * the next claim redoes; the keys make a redone batch queue nothing twice. Memory holds one batch.
 */

export const HOLDOUT = 'holdout';
const BATCH = 1000;
const LEASE_MS = 5 * 60_000;

/** A number in [0, 1) from a hash of the campaign, the customer and a salt: stable across runs and processes. */
function unit(campaignId: string, customerId: string, salt: string): number {
  const h = createHash('sha256').update(`${campaignId}:${customerId}:${salt}`).digest();
  return h.readUInt32BE(0) / 0x1_0000_0000;
}

/** The variant key (or 'holdout') of a customer in a campaign. Holdout and variant draws are independent. */
export function assignVariant(campaignId: string, customerId: string, holdoutPercent: number, variants: readonly CampaignVariant[]): string {
  if (holdoutPercent > 0 && unit(campaignId, customerId, 'holdout') * 100 < holdoutPercent) return HOLDOUT;
  const total = variants.reduce((s, v) => s + v.weight, 0);
  let x = unit(campaignId, customerId, 'variant') * total;
  for (const v of variants) {
    if (x < v.weight) return v.key;
    x -= v.weight;
  }
  return variants[variants.length - 1].key;
}

/** Members of a segment after a customer id, in id order (the materialized audience in the events store). */
async function memberPage(ctx: Ctx, workspaceId: string, segmentId: string, after: string | null, limit: number): Promise<string[]> {
  const rows = await ctx.events.query<{ customer_id: string }>(
    `SELECT customer_id FROM ${ctx.events.table('audience_state')} FINAL
     WHERE workspace_id = {ws:UUID} AND audience = {aud:String} AND value != ''
       ${after ? 'AND customer_id > {after:UUID}' : ''}
     ORDER BY customer_id LIMIT {limit:UInt32}`,
    { ws: workspaceId, aud: `segment:${segmentId}`, limit, ...(after ? { after } : {}) },
  );
  return rows.map((r) => r.customer_id);
}

interface Claimed {
  workspace_id: string;
  id: string;
  started: boolean;
}

/** Claims one due campaign (scheduled and due, or sending with an expired lease) and marks it sending. */
async function claim(ctx: Ctx): Promise<Claimed | null> {
  const now = ctx.clock.now();
  return ctx.db.transaction().execute(async (trx) => {
    const c = await trx
      .selectFrom('campaigns')
      .select(['workspace_id', 'id', 'status', 'started_at'])
      .where('status', 'in', ['scheduled', 'sending'])
      .where('due_at', '<=', now)
      .where((eb) => eb.or([eb('claimed_until', 'is', null), eb('claimed_until', '<', now)]))
      .orderBy('due_at')
      .limit(1)
      .forUpdate()
      .skipLocked()
      .executeTakeFirst();
    if (!c) return null;
    await trx
      .updateTable('campaigns')
      .set({ status: 'sending', started_at: c.started_at ?? now, claimed_until: new Date(now.getTime() + LEASE_MS), updated_at: now })
      .where('workspace_id', '=', c.workspace_id)
      .where('id', '=', c.id)
      .execute();
    if (c.status === 'scheduled') {
      await recordAudit(ctx, trx, { workspaceId: c.workspace_id, actor: systemActor, action: 'campaign.start', entity: 'campaign', entityId: c.id, before: { status: 'scheduled' }, after: { status: 'sending', startedAt: now } });
    }
    return { workspace_id: c.workspace_id, id: c.id, started: c.started_at === null };
  });
}

/**
 * Sends one claimed campaign to the end (or until it is cancelled or the process stops). Returns
 * the number of batches committed.
 */
async function sendClaimed(ctx: Ctx, claimed: Claimed, opts: TickOptions): Promise<number> {
  const ws = claimed.workspace_id;
  const head = await ctx.db.selectFrom('campaigns').select(['segment_id']).where('workspace_id', '=', ws).where('id', '=', claimed.id).executeTakeFirstOrThrow();
  if (claimed.started) {
    // The audience as of the send: recompute the segment once, when the send starts.
    const w = await ctx.db.selectFrom('workspaces').select(['id', 'timezone']).where('id', '=', ws).executeTakeFirstOrThrow();
    await refreshSegment(ctx, w, head.segment_id).catch((err) => ctx.log.warn({ err, campaignId: claimed.id }, 'segment refresh before the campaign failed; sending to its last membership'));
  }
  const size = opts.batchSize ?? BATCH;
  let batches = 0;
  for (;;) {
    if (opts.maxBatches !== undefined && batches >= opts.maxBatches) return batches;
    if (opts.shouldStop?.()) {
      // Shutting down: give the campaign back so another worker resumes it without waiting for the lease.
      await ctx.db.updateTable('campaigns').set({ claimed_until: null }).where('workspace_id', '=', ws).where('id', '=', claimed.id).where('status', '=', 'sending').execute();
      return batches;
    }
    const cur = await ctx.db.selectFrom('campaigns').select(['send_cursor', 'status']).where('workspace_id', '=', ws).where('id', '=', claimed.id).executeTakeFirstOrThrow();
    if (cur.status !== 'sending') return batches;
    const ids = await memberPage(ctx, ws, head.segment_id, cur.send_cursor, size);
    const done = await ctx.db.transaction().execute(async (trx) => {
      // The row lock orders this batch against a cancel; the cursor check against another worker.
      const c = await trx.selectFrom('campaigns').selectAll().where('workspace_id', '=', ws).where('id', '=', claimed.id).forUpdate().executeTakeFirstOrThrow();
      if (c.status !== 'sending' || c.send_cursor !== cur.send_cursor) return true;
      const now = ctx.clock.now();
      if (ids.length === 0) {
        await trx.updateTable('campaigns').set({ status: 'sent', sent_at: now, claimed_until: null, updated_at: now }).where('workspace_id', '=', ws).where('id', '=', c.id).execute();
        await recordAudit(ctx, trx, { workspaceId: ws, actor: systemActor, action: 'campaign.sent', entity: 'campaign', entityId: c.id, before: { status: 'sending' }, after: { status: 'sent', sentAt: now, recipients: Number(c.recipients) } });
        return true;
      }
      // Customers merged into another (or erased) since the segment was computed are skipped: the
      // survivor is a member in their place once the segment catches up.
      const live = new Set(
        (await trx.selectFrom('customers').select('id').where('workspace_id', '=', ws).where('id', 'in', ids).where('merged_into', 'is', null).execute()).map((r) => r.id),
      );
      const variants = c.variants;
      const byKey = new Map(variants.map((v) => [v.key, v]));
      // One statement queues the batch's messages; a re-run finds them by key and queues nothing twice.
      const assigned = ids.filter((id) => live.has(id)).map((customerId) => ({ customerId, variant: assignVariant(c.id, customerId, c.holdout_percent, variants) }));
      const key = (customerId: string) => `c:${c.id}:${customerId}`;
      const sends = assigned.filter((a) => a.variant !== HOLDOUT);
      await enqueueMessages(
        trx,
        sends.map(({ customerId, variant }) => ({
          workspaceId: ws,
          customerId,
          channel: c.channel as Channel,
          templateId: byKey.get(variant)!.templateId,
          idempotencyKey: key(customerId),
          source: { kind: 'campaign' as const, id: c.id, variant },
          vars: {},
          golden: c.golden,
          marketing: true,
          now,
        })),
      );
      const messageIds = new Map(
        sends.length
          ? (await trx.selectFrom('messages').select(['idempotency_key', 'id']).where('workspace_id', '=', ws).where('idempotency_key', 'in', sends.map((a) => key(a.customerId))).execute()).map((m) => [m.idempotency_key, m.id])
          : [],
      );
      const rows = assigned.map(({ customerId, variant }) => ({
        workspace_id: ws,
        campaign_id: c.id,
        customer_id: customerId,
        variant,
        message_id: variant === HOLDOUT ? null : (messageIds.get(key(customerId)) ?? null),
        assigned_at: now,
      }));
      const inserted = rows.length
        ? await trx
            .insertInto('campaign_recipients')
            .values(rows)
            .onConflict((oc) => oc.columns(['workspace_id', 'campaign_id', 'customer_id']).doNothing())
            .returning('customer_id')
            .execute()
        : [];
      await trx
        .updateTable('campaigns')
        .set({
          send_cursor: ids[ids.length - 1],
          recipients: sql<number>`recipients + ${inserted.length}`,
          claimed_until: new Date(now.getTime() + LEASE_MS),
          updated_at: now,
        })
        .where('workspace_id', '=', ws)
        .where('id', '=', c.id)
        .execute();
      return false;
    });
    if (done) return batches;
    batches++;
  }
}

/**
 * One pass of the campaigns worker: sends every due campaign. `maxBatches` stops a send part-way
 * (tests use it to stand for a crash: the lease then has to expire before another pass resumes it).
 */
export interface TickOptions {
  /** Stop after this many batches (tests: a worker that dies mid-send). */
  maxBatches?: number;
  batchSize?: number;
  /** Checked between batches: true when the process is shutting down. */
  shouldStop?: () => boolean;
}

export async function campaignsTick(ctx: Ctx, opts: TickOptions = {}): Promise<number> {
  let sent = 0;
  for (;;) {
    if (opts.shouldStop?.()) return sent;
    const c = await claim(ctx);
    if (!c) return sent;
    try {
      const batches = await sendClaimed(ctx, c, opts);
      if ((opts.maxBatches !== undefined && batches >= opts.maxBatches) || opts.shouldStop?.()) return sent;
    } catch (err) {
      ctx.log.error({ err, campaignId: c.id }, 'campaign send failed; it resumes when its lease expires');
      continue;
    }
    sent++;
  }
}

/** Runs campaignsTick every `everyMs` (one pass at a time); returns a stop function. */
export function startCampaignsWorker(ctx: Ctx, everyMs = 10_000): () => Promise<void> {
  return startLoop((stopped) => campaignsTick(ctx, { shouldStop: stopped }), everyMs, (err) => ctx.log.error({ err }, 'campaigns tick failed'));
}
