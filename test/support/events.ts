import { chTime } from '../../src/analytics/index.js';
import type { Ctx } from '../../src/store/index.js';

export async function insertOrder(
  ctx: Ctx,
  workspaceId: string,
  o: {
    orderId: string;
    customerId: string;
    at: string;
    totalFen: number;
    status?: 'completed' | 'refunded';
    products?: { sku: string; name: string; quantity: number; priceFen: number }[];
    /** Partial refunds; a 'refunded' order is refunded in full unless given. */
    refundedFen?: number;
    /** Default: the products' SKUs. */
    skus?: string[];
    categories?: string[];
    /** A later version of the same order replaces the earlier one. */
    version?: number;
  },
) {
  await ctx.events.insert('orders', [
    {
      workspace_id: workspaceId,
      order_id: o.orderId,
      customer_id: o.customerId,
      status: o.status ?? 'completed',
      ordered_at: chTime(new Date(o.at)),
      refunded_at: null,
      total_fen: o.totalFen,
      discount_fen: 0,
      refunded_fen: o.refundedFen ?? (o.status === 'refunded' ? o.totalFen : 0),
      channel: 'mp',
      staff_userid: '',
      products: JSON.stringify(o.products ?? []),
      skus: o.skus ?? (o.products ?? []).map((p) => p.sku),
      categories: o.categories ?? [],
      version: o.version ?? 1,
    },
  ]);
}

export async function insertEvent(ctx: Ctx, workspaceId: string, e: { messageId: string; customerId: string; event: string; at: string; properties?: Record<string, unknown> }) {
  await ctx.events.insert('events', [
    {
      workspace_id: workspaceId,
      message_id: e.messageId,
      type: 'track',
      event: e.event,
      customer_id: e.customerId,
      user_id: '',
      anonymous_id: '',
      timestamp: chTime(new Date(e.at)),
      received_at: chTime(new Date(e.at)),
      sent_at: null,
      properties: JSON.stringify(e.properties ?? {}),
      context: '{}',
      traits: '{}',
    },
  ]);
}
