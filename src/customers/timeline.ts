import { AppError, isUuid } from '../core/index.js';
import { chTime, type Ctx } from '../store/index.js';
import { customerMembers, rootCustomer } from './members.js';
import { chDate, type OrderView } from './query.js';

/** Order events are shown as their order (with its refunds), not as events. */
const ORDER_EVENTS = ['Order Completed', 'Order Refunded'];

export interface TimelineItem {
  kind: 'event' | 'order';
  /** messageId of an event, order_id of an order. */
  id: string;
  at: Date;
  type: string;
  event: string | null;
  properties: Record<string, unknown>;
  context: Record<string, unknown>;
  order: OrderView | null;
}

export interface TimelineQuery {
  cursor?: string;
  /** Only events with this name; `Order Completed` lists orders, `Order Refunded` refunded ones. */
  event?: string;
  limit: number;
}

interface Position {
  at: Date;
  key: string;
}

/**
 * A customer's events and orders (including those of customers merged into it), newest first.
 * Items sort by (time, kind:id), and the cursor is the position of the last item returned.
 */
export async function customerTimeline(ctx: Ctx, workspaceId: string, customerId: string, q: TimelineQuery): Promise<{ items: TimelineItem[]; nextCursor: string | null }> {
  const after = q.cursor ? decodeCursor(q.cursor) : null;
  const root = isUuid(customerId) ? await rootCustomer(ctx.db, workspaceId, customerId) : null;
  if (!root) throw new AppError('not_found', `customer ${customerId} does not exist in this workspace`);
  const ids = [...(await customerMembers(ctx.db, workspaceId, [root])).keys()];
  const wantOrders = !q.event || ORDER_EVENTS.includes(q.event);
  const wantEvents = !q.event || !ORDER_EVENTS.includes(q.event);
  const [events, orders] = await Promise.all([
    wantEvents ? eventItems(ctx, workspaceId, ids, q, after) : [],
    wantOrders ? orderItems(ctx, workspaceId, ids, q, after) : [],
  ]);
  const all = [...events, ...orders].sort((a, b) => b.at.getTime() - a.at.getTime() || (keyOf(b) < keyOf(a) ? -1 : 1));
  const items = all.slice(0, q.limit);
  const last = items[items.length - 1];
  return { items, nextCursor: all.length > q.limit && last ? encodeCursor({ at: last.at, key: keyOf(last) }) : null };
}

async function eventItems(ctx: Ctx, ws: string, ids: string[], q: TimelineQuery, after: Position | null): Promise<TimelineItem[]> {
  const ev = ctx.events;
  const rows = await ev.query<{ message_id: string; type: string; event: string; timestamp: string; properties: string; context: string; traits: string }>(
    `SELECT message_id, type, event, timestamp, properties, context, traits
     FROM ${ev.table('events')} FINAL
     WHERE workspace_id = {ws:UUID} AND customer_id IN {ids:Array(UUID)} AND event NOT IN {orderEvents:Array(String)}
       ${q.event ? 'AND event = {event:String}' : ''}
       ${after ? `AND (timestamp, concat('e:', message_id)) < ({at:DateTime64(3, 'UTC')}, {key:String})` : ''}
     ORDER BY timestamp DESC, message_id DESC
     LIMIT {limit:UInt32}`,
    { ws, ids, orderEvents: ORDER_EVENTS, event: q.event ?? '', at: after ? chTime(after.at) : '', key: after?.key ?? '', limit: q.limit + 1 },
  );
  return rows.map((r) => ({
    kind: 'event',
    id: r.message_id,
    at: chDate(r.timestamp)!,
    type: r.type,
    event: r.event || null,
    properties: r.type === 'identify' || r.type === 'group' ? JSON.parse(r.traits || '{}') : JSON.parse(r.properties || '{}'),
    context: JSON.parse(r.context || '{}'),
    order: null,
  }));
}

async function orderItems(ctx: Ctx, ws: string, ids: string[], q: TimelineQuery, after: Position | null): Promise<TimelineItem[]> {
  const ev = ctx.events;
  const rows = await ev.query<{ order_id: string; ordered_at: string; status: string; total_fen: number; discount_fen: number; refunded_fen: number; channel: string; products: string }>(
    `SELECT order_id, ordered_at, status, total_fen, discount_fen, refunded_fen, channel, products
     FROM ${ev.table('orders')} FINAL
     WHERE workspace_id = {ws:UUID} AND customer_id IN {ids:Array(UUID)}
       ${q.event === 'Order Refunded' ? 'AND refunded_fen > 0' : ''}
       ${after ? `AND (ordered_at, concat('o:', order_id)) < ({at:DateTime64(3, 'UTC')}, {key:String})` : ''}
     ORDER BY ordered_at DESC, order_id DESC
     LIMIT {limit:UInt32}`,
    { ws, ids, at: after ? chTime(after.at) : '', key: after?.key ?? '', limit: q.limit + 1 },
  );
  return rows.map((r) => {
    const order: OrderView = {
      orderId: r.order_id,
      orderedAt: chDate(r.ordered_at)!,
      status: r.status,
      totalFen: Number(r.total_fen),
      discountFen: Number(r.discount_fen),
      refundedFen: Number(r.refunded_fen),
      channel: r.channel,
      products: JSON.parse(r.products || '[]'),
    };
    return { kind: 'order', id: r.order_id, at: order.orderedAt, type: 'order', event: null, properties: {}, context: {}, order };
  });
}

function keyOf(item: TimelineItem): string {
  return `${item.kind === 'event' ? 'e' : 'o'}:${item.id}`;
}

function encodeCursor(p: Position): string {
  return Buffer.from(JSON.stringify([p.at.getTime(), p.key])).toString('base64url');
}

function decodeCursor(cursor: string): Position {
  try {
    const [at, key] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown[];
    if (typeof at === 'number' && Number.isFinite(at) && typeof key === 'string' && /^[eo]:/.test(key)) return { at: new Date(at), key };
  } catch {
    // fall through to the error below
  }
  throw new AppError('validation_failed', 'cursor is not valid', [{ path: 'querystring.cursor', message: 'use nextCursor from the previous page' }]);
}
