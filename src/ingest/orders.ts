import { chTime, type Ctx } from '../store/index.js';
import { lockAll, lockKey } from '../identity/index.js';
import type { OrderFact } from './normalize.js';

/** A row of the events store's orders table (ReplacingMergeTree: the highest version wins). */
type OrderRow = {
  workspace_id: string;
  order_id: string;
  customer_id: string;
  status: string;
  ordered_at: string;
  refunded_at: string | null;
  total_fen: number;
  discount_fen: number;
  refunded_fen: number;
  currency: string;
  channel: string;
  staff_userid: string;
  products: string;
  skus: string[];
  categories: string[];
  refund_ids: string[];
  version: number;
};

export interface OrderEvent {
  workspaceId: string;
  customerId: string;
  messageId: string;
  at: Date;
  fact: OrderFact;
}

/**
 * Folds order events into new versions of their orders. Runs inside the worker's transaction with
 * a lock per order, so concurrent workers never fold from the same version; a redelivered event
 * (same messageId) changes nothing.
 */
export async function writeOrders(tx: Ctx, events: OrderEvent[]): Promise<number> {
  if (events.length === 0) return 0;
  await lockAll(tx.db, events.map((e) => lockKey('order', e.workspaceId, e.fact.orderId)));
  const current = await currentOrders(tx, events);
  const changed = new Map<string, OrderRow>();
  for (const e of [...events].sort((a, b) => a.at.getTime() - b.at.getTime())) {
    const key = `${e.workspaceId}\u0000${e.fact.orderId}`;
    const next = applyOrderEvent(changed.get(key) ?? current.get(key), e);
    if (next) changed.set(key, next);
  }
  await tx.events.insert('orders', [...changed.values()]);
  return changed.size;
}

async function currentOrders(tx: Ctx, events: OrderEvent[]): Promise<Map<string, OrderRow>> {
  const byWorkspace = new Map<string, Set<string>>();
  for (const e of events) byWorkspace.set(e.workspaceId, (byWorkspace.get(e.workspaceId) ?? new Set()).add(e.fact.orderId));
  const rows = new Map<string, OrderRow>();
  for (const [ws, ids] of byWorkspace) {
    const found = await tx.events.query<OrderRow>(
      `SELECT workspace_id, order_id, customer_id, status, ordered_at, refunded_at, total_fen, discount_fen, refunded_fen, currency, channel,
              staff_userid, products, skus, categories, refund_ids, version
       FROM ${tx.events.table('orders')} FINAL
       WHERE workspace_id = {ws:UUID} AND order_id IN {ids:Array(String)}`,
      { ws, ids: [...ids] },
    );
    for (const r of found) rows.set(`${ws}\u0000${r.order_id}`, { ...r, total_fen: Number(r.total_fen), discount_fen: Number(r.discount_fen), refunded_fen: Number(r.refunded_fen), version: Number(r.version) });
  }
  return rows;
}

/** The order after one event, or null when the event was applied already. */
export function applyOrderEvent(cur: OrderRow | undefined, e: OrderEvent): OrderRow | null {
  const f = e.fact;
  const at = chTime(e.at);
  if (f.kind === 'completed') {
    const total = f.totalFen ?? 0;
    // A refund that came first without an amount refunds the whole order once its total is known.
    const pendingFullRefund = cur !== undefined && cur.total_fen === 0 && cur.refunded_fen === 0 && cur.refund_ids.length > 0;
    const refunded = pendingFullRefund ? total : Math.min(cur?.refunded_fen ?? 0, total);
    return {
      workspace_id: e.workspaceId,
      order_id: f.orderId,
      customer_id: e.customerId,
      status: statusOf(total, refunded, cur?.refund_ids.length ?? 0),
      ordered_at: at,
      refunded_at: cur?.refunded_at ?? null,
      total_fen: total,
      discount_fen: f.discountFen,
      refunded_fen: refunded,
      currency: f.currency,
      channel: f.channel,
      staff_userid: f.staffUserid,
      products: JSON.stringify(f.products),
      skus: f.products.map((p) => p.sku),
      categories: f.products.map((p) => p.category),
      refund_ids: cur?.refund_ids ?? [],
      version: (cur?.version ?? 0) + 1,
    };
  }
  if (cur?.refund_ids.includes(e.messageId)) return null;
  if (!cur) {
    return {
      workspace_id: e.workspaceId,
      order_id: f.orderId,
      customer_id: e.customerId,
      status: 'refunded',
      ordered_at: at,
      refunded_at: at,
      total_fen: 0,
      discount_fen: 0,
      refunded_fen: f.totalFen ?? 0,
      currency: f.currency,
      channel: f.channel,
      staff_userid: f.staffUserid,
      products: '[]',
      skus: [],
      categories: [],
      refund_ids: [e.messageId],
      version: 1,
    };
  }
  const amount = f.totalFen ?? cur.total_fen - cur.refunded_fen;
  const refunded = cur.total_fen > 0 ? Math.min(cur.refunded_fen + amount, cur.total_fen) : cur.refunded_fen + amount;
  const refundIds = [...cur.refund_ids, e.messageId];
  return { ...cur, status: statusOf(cur.total_fen, refunded, refundIds.length), refunded_fen: refunded, refunded_at: at, refund_ids: refundIds, version: cur.version + 1 };
}

/** Fully refunded orders (and refunds of orders not seen yet) no longer count as completed. */
function statusOf(totalFen: number, refundedFen: number, refunds: number): string {
  if (totalFen > 0) return refundedFen >= totalFen ? 'refunded' : 'completed';
  return refunds > 0 ? 'refunded' : 'completed';
}
