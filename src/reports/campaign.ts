import { sql } from 'kysely';
import { DAY_MS } from '../core/index.js';
import { chTime, type Ctx } from '../store/index.js';
import { remappedCustomer } from '../identity/index.js';
import { getCampaign, HOLDOUT } from '../campaigns/index.js';
import { conversionLift, meanLift, type Moments } from './stats.js';
import type { CampaignReport, GroupStats } from './types.js';

export type { CampaignReport, GroupStats };

/**
 * The campaign report. Definitions:
 * - recipients: people in the audience snapshot (holdout included in the holdout group);
 * - sent / delivered / clicked: messages with sent_at / delivered_at / clicked_at (or that status);
 *   failed: messages failed or parked; suppressed: suppressed by a policy, counted per reason;
 * - converted: a recipient with at least one completed order placed in the attribution window,
 *   [start of the send, start + attributionDays), holdout measured over the same window;
 * - revenue: those orders' totals net of refunds (a fully refunded order is not a purchase);
 * - orders of customers merged into a recipient count for the recipient (OneID remap), and a
 *   recipient merged into another recipient counts once.
 */

interface Acc {
  stats: GroupStats;
  moments: Moments;
}

const emptyAcc = (): Acc => ({
  stats: { recipients: 0, sent: 0, delivered: 0, failed: 0, pending: 0, suppressed: 0, suppressedByReason: {}, clicked: 0, converted: 0, conversionRate: null, revenueFen: 0, revenuePerRecipientFen: null },
  moments: { n: 0, sum: 0, sumSq: 0 },
});

const CHUNK = 5000;

export async function campaignReport(ctx: Ctx, workspaceId: string, campaignId: string): Promise<CampaignReport> {
  const c = await getCampaign(ctx, workspaceId, campaignId);
  const groups = new Map<string, Acc>();
  const acc = (key: string) => {
    let a = groups.get(key);
    if (!a) groups.set(key, (a = emptyAcc()));
    return a;
  };
  for (const v of c.variants) acc(v.key);
  if (c.holdoutPercent > 0) acc(HOLDOUT);

  // Delivery outcomes, from the outbox.
  const { rows } = await sql<{ variant: string; status: string | null; reason: string | null; n: string; sent: string; delivered: string; clicked: string }>`
    SELECT r.variant, m.status, coalesce(m.reason_code, m.reason) AS reason, count(m.id) AS n,
      count(*) FILTER (WHERE m.sent_at IS NOT NULL OR m.status IN ('sent', 'delivered')) AS sent,
      count(*) FILTER (WHERE m.delivered_at IS NOT NULL OR m.status = 'delivered') AS delivered,
      count(m.clicked_at) AS clicked
    FROM campaign_recipients r
    LEFT JOIN messages m ON m.workspace_id = r.workspace_id AND m.id = r.message_id
    WHERE r.workspace_id = ${workspaceId} AND r.campaign_id = ${campaignId} AND r.message_id IS NOT NULL
    GROUP BY 1, 2, 3`.execute(ctx.db);
  for (const r of rows) {
    const s = acc(r.variant).stats;
    s.sent += Number(r.sent);
    s.delivered += Number(r.delivered);
    s.clicked += Number(r.clicked);
    if (r.status === 'failed' || r.status === 'parked') s.failed += Number(r.n);
    if (r.status === 'queued' || r.status === 'deferred' || r.status === 'sending') s.pending += Number(r.n);
    if (r.status === 'suppressed') {
      s.suppressed += Number(r.n);
      const reason = r.reason ?? 'unknown';
      s.suppressedByReason[reason] = (s.suppressedByReason[reason] ?? 0) + Number(r.n);
    }
  }

  // Conversions and revenue, a chunk of recipients at a time.
  const window = c.startedAt ? { from: c.startedAt, to: new Date(c.startedAt.getTime() + c.attributionDays * DAY_MS) } : null;
  const mergedRoots = new Set<string>();
  let after: string | null = null;
  for (;;) {
    let q = ctx.db
      .selectFrom('campaign_recipients')
      .select(['customer_id', 'variant'])
      .where('workspace_id', '=', workspaceId)
      .where('campaign_id', '=', campaignId)
      .orderBy('customer_id')
      .limit(CHUNK);
    if (after) q = q.where('customer_id', '>', after);
    const page = await q.execute();
    if (page.length === 0) break;
    after = page[page.length - 1].customer_id;
    const people = await outcomes(ctx, workspaceId, page.map((r) => r.customer_id), window);
    // Recipients merged (since the snapshot) into another customer who is a recipient too count as that one.
    const movedRoots = [...new Set(people.filter((p) => p.root !== p.id).map((p) => p.root))];
    const rootIsRecipient = new Set(
      movedRoots.length
        ? (
            await ctx.db
              .selectFrom('campaign_recipients')
              .select('customer_id')
              .where('workspace_id', '=', workspaceId)
              .where('campaign_id', '=', campaignId)
              .where('customer_id', 'in', movedRoots)
              .execute()
          ).map((r) => r.customer_id)
        : [],
    );
    const variantOf = new Map(page.map((r) => [r.customer_id, r.variant]));
    for (const p of people) {
      if (p.root !== p.id) {
        if (rootIsRecipient.has(p.root) || mergedRoots.has(p.root)) continue;
        mergedRoots.add(p.root);
      }
      const a = acc(variantOf.get(p.id)!);
      a.stats.recipients++;
      if (p.orders > 0) a.stats.converted++;
      a.stats.revenueFen += p.revenue;
      a.moments.n++;
      a.moments.sum += p.revenue;
      a.moments.sumSq += p.revenue * p.revenue;
    }
  }

  const finish = (a: Acc): GroupStats => ({
    ...a.stats,
    conversionRate: a.stats.recipients ? a.stats.converted / a.stats.recipients : null,
    revenuePerRecipientFen: a.stats.recipients ? a.stats.revenueFen / a.stats.recipients : null,
  });
  const sumOf = (accs: Acc[]): Acc => {
    const out = emptyAcc();
    for (const a of accs) {
      for (const k of ['recipients', 'sent', 'delivered', 'failed', 'pending', 'suppressed', 'clicked', 'converted', 'revenueFen'] as const) out.stats[k] += a.stats[k];
      for (const [r, n] of Object.entries(a.stats.suppressedByReason)) out.stats.suppressedByReason[r] = (out.stats.suppressedByReason[r] ?? 0) + n;
      out.moments.n += a.moments.n;
      out.moments.sum += a.moments.sum;
      out.moments.sumSq += a.moments.sumSq;
    }
    return out;
  };
  const treated = sumOf([...groups].filter(([k]) => k !== HOLDOUT).map(([, a]) => a));
  const hold = groups.get(HOLDOUT);
  return {
    campaignId,
    status: c.status,
    attributionDays: c.attributionDays,
    window,
    all: finish(sumOf([...groups.values()])),
    treated: finish(treated),
    holdout: hold ? finish(hold) : null,
    variants: c.variants.map((v) => ({ key: v.key, templateId: v.templateId, weight: v.weight, ...finish(acc(v.key)) })),
    lift: hold
      ? {
          conversion: conversionLift({ n: treated.stats.recipients, conversions: treated.stats.converted }, { n: hold.stats.recipients, conversions: hold.stats.converted }),
          revenuePerRecipientFen: meanLift(treated.moments, hold.moments),
        }
      : null,
  };
}

/**
 * Each recipient's live customer (after merges) and that customer's orders and net revenue in the
 * window. The window goes in PREWHERE, before versions merge: all versions of an order share its
 * ordered_at, so this is exact and each chunk reads only the window's rows.
 */
async function outcomes(ctx: Ctx, workspaceId: string, ids: string[], window: { from: Date; to: Date } | null): Promise<{ id: string; root: string; orders: number; revenue: number }[]> {
  const ev = ctx.events;
  const roots = await ev.query<{ id: string; root: string }>(
    `SELECT ids.id AS id, if(a.alias_id = ids.id, a.root, ids.id) AS root
     FROM (SELECT arrayJoin({ids:Array(UUID)}) AS id) AS ids
     LEFT ANY JOIN (
       SELECT alias_id, argMax(customer_id, version) AS root FROM ${ev.table('customer_aliases')}
       WHERE workspace_id = {ws:UUID} AND alias_id IN {ids:Array(UUID)} GROUP BY alias_id
     ) AS a ON a.alias_id = ids.id`,
    { ws: workspaceId, ids },
  );
  if (!window) return roots.map((r) => ({ ...r, orders: 0, revenue: 0 }));
  const buyer = remappedCustomer(ev, 'o.customer_id');
  const rootIds = [...new Set(roots.map((r) => r.root))];
  const orders = await ev.query<{ cid: string; orders: string; revenue: string }>(
    `SELECT cid, count() AS orders, sum(net) AS revenue FROM (
       SELECT ${buyer.customer} AS cid, greatest(o.total_fen - o.refunded_fen, 0) AS net
       FROM ${ev.table('orders')} AS o FINAL ${buyer.join}
       PREWHERE o.ordered_at >= {from:DateTime64(3, 'UTC')} AND o.ordered_at < {to:DateTime64(3, 'UTC')}
       WHERE o.workspace_id = {ws:UUID} AND o.status = 'completed'
     ) WHERE cid IN {roots:Array(UUID)} GROUP BY cid`,
    { ws: workspaceId, roots: rootIds, from: chTime(window.from), to: chTime(window.to) },
  );
  const byRoot = new Map(orders.map((o) => [o.cid, o]));
  return roots.map((r) => {
    const o = byRoot.get(r.root);
    return { id: r.id, root: r.root, orders: Number(o?.orders ?? 0), revenue: Number(o?.revenue ?? 0) };
  });
}
