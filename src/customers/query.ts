import { sql } from 'kysely';
import { AppError, isUuid, maskName, maskPhone, nameSearchTokens, normalizePhone } from '../core/index.js';
import type { Customer, Ctx } from '../store/index.js';
import { can, type Principal } from '../auth/index.js';
import { customerMembers, rootCustomer } from './members.js';
import { readProfile } from './profile.js';
import { PII_IDENTIFIER_TYPES } from './records.js';

export interface CustomerListItem {
  id: string;
  name: string | null;
  phone: string | null;
  email: string | null;
  city: string | null;
  channel: string | null;
  /** The channel's display name from the workspace's channel list (小红书, 包裹卡 …). */
  channelName: string | null;
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
  lastChannel: string | null;
  /** Plain traits; personal ones (address, first / last name) only for roles with pii:read. */
  traits: Record<string, unknown>;
  consent: Record<string, { granted: boolean; at: string }>;
  identifiers: { type: string; value: string; collection?: string }[];
  stats: { ordersCount: number; totalSpentFen: number; aovFen: number; lastOrderAt: Date | null };
  orders: OrderView[];
}

/** Decrypts PII for roles allowed to see it and masks it for the others. */
export function piiRevealer(ctx: Ctx, p: Principal) {
  const full = can(p, 'pii:read');
  const open = (v: string | null) => (v ? ctx.secrets.decrypt(v) : null);
  const reveal = {
    name: (v: string | null) => (full ? open(v) : maskName(open(v))),
    phone: (v: string | null) => (full ? open(v) : maskPhone(open(v))),
    email: (v: string | null) => {
      const e = open(v);
      return full || !e ? e : e.replace(/^(.).*(@.*)$/, '$1***$2');
    },
    /** An identifier's value: stored in clear, or sealed when personal. */
    identifier: (type: string, value: string, sealed: string | null) =>
      sealed ? ((type === 'phone' ? reveal.phone(sealed) : reveal.email(sealed)) ?? '') : value,
  };
  return reveal;
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
    return eb.or([eb('customers.id', 'in', byIdentifier), sql<boolean>`customers.name_tokens <> '{}' AND customers.name_tokens @> ${sql.val(tokens)}::text[]`]);
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
    .where('merged_into', 'is', null)
    .orderBy('id', 'desc')
    .limit(opts.limit + 1);
  if (opts.cursor) query = query.where('id', '<', opts.cursor);
  if (opts.q?.trim()) query = query.where(searchCondition(ctx, p.workspace.id, opts.q));
  const rows = await query.execute();
  const page = rows.slice(0, opts.limit);
  const [stats, channels] = await Promise.all([orderStats(ctx, p.workspace.id, page.map((r) => r.id)), channelNames(ctx, p.workspace.id)]);
  const reveal = piiRevealer(ctx, p);
  return {
    items: page.map((r) => listItem(r, reveal, channels, stats.get(r.id))),
    nextCursor: rows.length > opts.limit ? page[page.length - 1].id : null,
  };
}

/** One customer; asked for a merged one, the customer it was merged into (its history went there). */
export async function getCustomer(ctx: Ctx, p: Principal, requested: string): Promise<CustomerDetail> {
  const ws = p.workspace.id;
  const id = isUuid(requested) ? await rootCustomer(ctx.db, ws, requested) : null;
  const row = id ? await ctx.db.selectFrom('customers').selectAll().where('workspace_id', '=', ws).where('id', '=', id).executeTakeFirst() : undefined;
  if (!id || !row) throw new AppError('not_found', `customer ${requested} does not exist in this workspace`);
  const reveal = piiRevealer(ctx, p);
  const [identities, stats, orders, channels] = await Promise.all([
    ctx.db.selectFrom('identities').select(['type', 'collection', 'value', 'value_enc']).where('workspace_id', '=', ws).where('customer_id', '=', id).orderBy('type').execute(),
    orderStats(ctx, ws, [id]),
    recentOrders(ctx, ws, id, 20),
    channelNames(ctx, ws),
  ]);
  const s = stats.get(id);
  return {
    ...listItem(row, reveal, channels, s),
    gender: row.gender,
    birthday: row.birthday,
    staffUserid: row.staff_userid,
    createdAt: row.created_at,
    lastChannel: row.last_channel,
    traits: can(p, 'pii:read') ? personalTraits(ctx, row) : row.traits,
    consent: row.consent,
    identifiers: identities.map((i) => ({
      type: i.type,
      value: reveal.identifier(i.type, i.value, i.value_enc),
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

/** Plain traits plus the sealed personal ones (address, first / last name) in clear. */
function personalTraits(ctx: Ctx, row: Customer): Record<string, unknown> {
  const { values } = readProfile(ctx.secrets, row);
  const columns = new Set(['name', 'phone', 'email', 'gender', 'birthday', 'city']);
  return Object.fromEntries(Object.entries(values).filter(([k]) => !columns.has(k)));
}

/** The workspace's channel keys with their display names. */
async function channelNames(ctx: Ctx, workspaceId: string): Promise<Map<string, string>> {
  const rows = await ctx.db.selectFrom('channels').select(['key', 'name']).where('workspace_id', '=', workspaceId).execute();
  return new Map(rows.map((r) => [r.key, r.name]));
}

function listItem(r: Customer, reveal: ReturnType<typeof piiRevealer>, channels: Map<string, string>, s: OrderStats | undefined): CustomerListItem {
  return {
    id: r.id,
    name: reveal.name(r.name_enc),
    phone: reveal.phone(r.phone_enc),
    email: reveal.email(r.email_enc),
    city: r.city,
    channel: r.channel,
    channelName: r.channel ? (channels.get(r.channel) ?? r.channel) : null,
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

/**
 * Completed orders and net spend (after refunds) per customer, from the events store, counting
 * the orders of every customer merged into it.
 */
export async function orderStats(ctx: Ctx, workspaceId: string, ids: string[]): Promise<Map<string, OrderStats>> {
  const members = await customerMembers(ctx.db, workspaceId, ids);
  if (members.size === 0) return new Map();
  const rows = await ctx.events.query<{ customer_id: string; orders: number; spent: number; last_at: string }>(
    `SELECT customer_id, countIf(status = 'completed') AS orders, sum(greatest(total_fen - refunded_fen, 0)) AS spent, max(ordered_at) AS last_at
     FROM ${ctx.events.table('orders')} FINAL
     WHERE workspace_id = {ws:UUID} AND customer_id IN {ids:Array(UUID)}
     GROUP BY customer_id`,
    { ws: workspaceId, ids: [...members.keys()] },
  );
  const stats = new Map<string, OrderStats>();
  for (const r of rows) {
    const root = members.get(r.customer_id)!;
    const s = stats.get(root) ?? { ordersCount: 0, totalSpentFen: 0, lastOrderAt: null };
    const last = chDate(r.last_at);
    stats.set(root, {
      ordersCount: s.ordersCount + Number(r.orders),
      totalSpentFen: s.totalSpentFen + Number(r.spent),
      lastOrderAt: last && (!s.lastOrderAt || last > s.lastOrderAt) ? last : s.lastOrderAt,
    });
  }
  return stats;
}

async function recentOrders(ctx: Ctx, workspaceId: string, customerId: string, limit: number): Promise<OrderView[]> {
  const members = await customerMembers(ctx.db, workspaceId, [customerId]);
  const rows = await ctx.events.query<{ order_id: string; ordered_at: string; status: string; total_fen: number; discount_fen: number; refunded_fen: number; channel: string; products: string }>(
    `SELECT order_id, ordered_at, status, total_fen, discount_fen, refunded_fen, channel, products
     FROM ${ctx.events.table('orders')} FINAL
     WHERE workspace_id = {ws:UUID} AND customer_id IN {ids:Array(UUID)}
     ORDER BY ordered_at DESC LIMIT {limit:UInt32}`,
    { ws: workspaceId, ids: [...members.keys()], limit },
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
