import { sql } from 'kysely';
import { AppError, isUuid, maskName, maskPhone, nameSearchTokens, normalizePhone } from '../core/index.js';
import type { Customer, Ctx } from '../store/index.js';
import { can, type Principal } from '../auth/index.js';
import { PII_IDENTIFIER_TYPES } from './records.js';

export interface CustomerListItem {
  id: string;
  name: string | null;
  phone: string | null;
  email: string | null;
  city: string | null;
  channel: string | null;
  firstSeenAt: Date;
  lastSeenAt: Date;
  ordersCount: number;
  totalSpentFen: number;
}

export interface OrderView {
  orderId: string;
  orderedAt: Date;
  status: string;
  totalFen: number;
  discountFen: number;
  refundedFen: number;
  channel: string;
  products: { sku: string; name: string; quantity: number; priceFen: number }[];
}

export interface CustomerDetail extends CustomerListItem {
  gender: string | null;
  birthday: string | null;
  staffUserid: string | null;
  createdAt: Date;
  traits: Record<string, unknown>;
  identifiers: { type: string; value: string; collection?: string }[];
  stats: { ordersCount: number; totalSpentFen: number; aovFen: number; lastOrderAt: Date | null };
  orders: OrderView[];
}

/** Decrypts PII for roles allowed to see it and masks it for the others. */
function revealer(ctx: Ctx, p: Principal) {
  const full = can(p, 'pii:read');
  const open = (v: string | null) => (v ? ctx.secrets.decrypt(v) : null);
  return {
    name: (v: string | null) => (full ? open(v) : maskName(open(v))),
    phone: (v: string | null) => (full ? open(v) : maskPhone(open(v))),
    email: (v: string | null) => {
      const e = open(v);
      return full || !e ? e : e.replace(/^(.).*(@.*)$/, '$1***$2');
    },
  };
}

/** Turns a search box entry into the condition that finds it: id, phone, phone tail, email, identifier or name. */
function searchCondition(ctx: Ctx, workspaceId: string, q: string) {
  const term = q.trim();
  const { secrets } = ctx;
  return (eb: any) => {
    if (isUuid(term)) return eb('customers.id', '=', term);
    const phone = normalizePhone(term);
    if (phone) return eb('customers.phone_index', '=', secrets.blindIndex('phone', phone));
    if (/^\d{4}$/.test(term)) return eb('customers.phone_tail_index', '=', secrets.blindIndex('phone_tail', term));
    if (term.includes('@')) return eb('customers.email_index', '=', secrets.blindIndex('email', term.toLowerCase()));
    const byIdentifier = eb
      .selectFrom('identities')
      .select('identities.customer_id')
      .where('identities.workspace_id', '=', workspaceId)
      .where('identities.value', '=', term)
      .where('identities.type', 'not in', [...PII_IDENTIFIER_TYPES]);
    const tokens = nameSearchTokens(term).map((t) => secrets.blindIndex('name', t));
    return eb.or([eb('customers.id', 'in', byIdentifier), sql<boolean>`customers.name_tokens @> ${sql.val(tokens)}::text[]`]);
  };
}

export async function listCustomers(
  ctx: Ctx,
  p: Principal,
  opts: { q?: string; cursor?: string; limit: number },
): Promise<{ items: CustomerListItem[]; nextCursor: string | null }> {
  if (opts.cursor && !isUuid(opts.cursor)) throw new AppError('validation_failed', 'cursor is not valid', [{ path: 'cursor', message: 'use nextCursor from the previous page' }]);
  let query = ctx.db
    .selectFrom('customers')
    .selectAll()
    .where('workspace_id', '=', p.workspace.id)
    .orderBy('id', 'desc')
    .limit(opts.limit + 1);
  if (opts.cursor) query = query.where('id', '<', opts.cursor);
  if (opts.q?.trim()) query = query.where(searchCondition(ctx, p.workspace.id, opts.q));
  const rows = await query.execute();
  const page = rows.slice(0, opts.limit);
  const stats = await orderStats(ctx, p.workspace.id, page.map((r) => r.id));
  const reveal = revealer(ctx, p);
  return {
    items: page.map((r) => listItem(r, reveal, stats.get(r.id))),
    nextCursor: rows.length > opts.limit ? page[page.length - 1].id : null,
  };
}

export async function getCustomer(ctx: Ctx, p: Principal, id: string): Promise<CustomerDetail> {
  const ws = p.workspace.id;
  const row = isUuid(id)
    ? await ctx.db.selectFrom('customers').selectAll().where('workspace_id', '=', ws).where('id', '=', id).executeTakeFirst()
    : undefined;
  if (!row) throw new AppError('not_found', `customer ${id} does not exist in this workspace`);
  const reveal = revealer(ctx, p);
  const [identities, stats, orders] = await Promise.all([
    ctx.db.selectFrom('identities').select(['type', 'collection', 'value', 'value_enc']).where('workspace_id', '=', ws).where('customer_id', '=', id).orderBy('type').execute(),
    orderStats(ctx, ws, [id]),
    recentOrders(ctx, ws, id, 20),
  ]);
  const s = stats.get(id);
  return {
    ...listItem(row, reveal, s),
    gender: row.gender,
    birthday: row.birthday,
    staffUserid: row.staff_userid,
    createdAt: row.created_at,
    traits: row.traits,
    identifiers: identities.map((i) => ({
      type: i.type,
      value: i.value_enc ? (i.type === 'phone' ? reveal.phone(i.value_enc) : reveal.email(i.value_enc)) ?? '' : i.value,
      ...(i.collection ? { collection: i.collection } : {}),
    })),
    stats: {
      ordersCount: s?.ordersCount ?? 0,
      totalSpentFen: s?.totalSpentFen ?? 0,
      aovFen: s && s.ordersCount > 0 ? Math.round(s.totalSpentFen / s.ordersCount) : 0,
      lastOrderAt: s?.lastOrderAt ?? null,
    },
    orders,
  };
}

function listItem(r: Customer, reveal: ReturnType<typeof revealer>, s: OrderStats | undefined): CustomerListItem {
  return {
    id: r.id,
    name: reveal.name(r.name_enc),
    phone: reveal.phone(r.phone_enc),
    email: reveal.email(r.email_enc),
    city: r.city,
    channel: r.channel,
    firstSeenAt: r.first_seen_at,
    lastSeenAt: r.last_seen_at,
    ordersCount: s?.ordersCount ?? 0,
    totalSpentFen: s?.totalSpentFen ?? 0,
  };
}

interface OrderStats {
  ordersCount: number;
  totalSpentFen: number;
  lastOrderAt: Date | null;
}

/** Completed orders and net spend (after refunds) per customer, from the events store. */
async function orderStats(ctx: Ctx, workspaceId: string, ids: string[]): Promise<Map<string, OrderStats>> {
  if (ids.length === 0) return new Map();
  const rows = await ctx.events.query<{ customer_id: string; orders: number; spent: number; last_at: string }>(
    `SELECT customer_id, countIf(status = 'completed') AS orders, sum(total_fen - refunded_fen) AS spent, max(ordered_at) AS last_at
     FROM ${ctx.events.table('orders')} FINAL
     WHERE workspace_id = {ws:UUID} AND customer_id IN {ids:Array(UUID)}
     GROUP BY customer_id`,
    { ws: workspaceId, ids },
  );
  return new Map(rows.map((r) => [r.customer_id, { ordersCount: Number(r.orders), totalSpentFen: Number(r.spent), lastOrderAt: chDate(r.last_at) }]));
}

async function recentOrders(ctx: Ctx, workspaceId: string, customerId: string, limit: number): Promise<OrderView[]> {
  const rows = await ctx.events.query<{ order_id: string; ordered_at: string; status: string; total_fen: number; discount_fen: number; refunded_fen: number; channel: string; products: string }>(
    `SELECT order_id, ordered_at, status, total_fen, discount_fen, refunded_fen, channel, products
     FROM ${ctx.events.table('orders')} FINAL
     WHERE workspace_id = {ws:UUID} AND customer_id = {cid:UUID}
     ORDER BY ordered_at DESC LIMIT {limit:UInt32}`,
    { ws: workspaceId, cid: customerId, limit },
  );
  return rows.map((r) => ({
    orderId: r.order_id,
    orderedAt: chDate(r.ordered_at)!,
    status: r.status,
    totalFen: Number(r.total_fen),
    discountFen: Number(r.discount_fen),
    refundedFen: Number(r.refunded_fen),
    channel: r.channel,
    products: JSON.parse(r.products || '[]'),
  }));
}

/** ClickHouse prints DateTime64 in UTC as 'YYYY-MM-DD hh:mm:ss.sss'. */
export function chDate(value: string | null | undefined): Date | null {
  return value ? new Date(`${value.replace(' ', 'T')}Z`) : null;
}
