import { chTime, type Ctx } from '../../src/store/index.js';
import { insertOrder } from '../support/events.js';

/** A track event with properties, as ingest would store it. */
export async function track(ctx: Ctx, workspaceId: string, e: { id: string; customerId: string; event: string; at: string; properties?: Record<string, unknown> }) {
  await ctx.events.insert('events', [
    {
      workspace_id: workspaceId,
      message_id: e.id,
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

/** An order with its SKUs and categories; status refunded means fully refunded. */
export async function order(
  ctx: Ctx,
  workspaceId: string,
  o: { id: string; customerId: string; at: string; totalFen: number; refundedFen?: number; status?: 'completed' | 'refunded'; skus?: string[]; categories?: string[]; version?: number },
) {
  const { id, ...rest } = o;
  await insertOrder(ctx, workspaceId, { orderId: id, ...rest });
}

/** What OneID does on a merge, as far as the stores are concerned. */
export async function merge(ctx: Ctx, workspaceId: string, mergedId: string, survivorId: string, version = 1) {
  await ctx.db.updateTable('customers').set({ merged_into: survivorId, updated_at: ctx.clock.now() }).where('workspace_id', '=', workspaceId).where('id', '=', mergedId).execute();
  await ctx.events.insert('customer_aliases', [{ workspace_id: workspaceId, alias_id: mergedId, customer_id: survivorId, version }]);
}
