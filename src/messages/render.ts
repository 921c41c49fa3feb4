import Mustache from 'mustache';
import { fenToYuan, formatDateInZone } from '../core/index.js';
import { orderStats, readProfile } from '../customers/index.js';
import type { Channel } from '../channels/index.js';
import type { Ctx } from '../store/index.js';
import { mapStrings, type TemplateContent } from './content.js';

/** Who a message goes to, with the addresses each channel needs (personal data in clear, for sending only). */
export interface Recipient {
  customerId: string;
  values: Record<string, unknown>;
  consent: Record<string, { granted: boolean; at: string }>;
  phone: string | null;
  email: string | null;
  /** The customer's WeCom relation (the newest live one): their external id and owning staff. */
  wecom: { externalUserid: string; userid: string } | null;
  staffUserid: string | null;
  staffName: string | null;
  /** Mini-program openids by app id. */
  openids: Record<string, string>;
  firstSeenAt: Date;
  lastSeenAt: Date;
  channel: string | null;
}

export async function loadRecipient(ctx: Ctx, workspaceId: string, customerId: string): Promise<Recipient | null> {
  const row = await ctx.db.selectFrom('customers').selectAll().where('workspace_id', '=', workspaceId).where('id', '=', customerId).executeTakeFirst();
  if (!row) return null;
  const p = readProfile(ctx.secrets, row);
  const rel = await ctx.db
    .selectFrom('wecom_relations')
    .select(['external_userid', 'userid'])
    .where('workspace_id', '=', workspaceId)
    .where('customer_id', '=', customerId)
    .where('deleted_at', 'is', null)
    .orderBy('added_at', 'desc')
    .executeTakeFirst();
  const staffUserid = rel?.userid ?? row.staff_userid;
  const staff = staffUserid
    ? await ctx.db.selectFrom('staff').select('name').where('workspace_id', '=', workspaceId).where('userid', '=', staffUserid).executeTakeFirst()
    : undefined;
  const ids = await ctx.db
    .selectFrom('identities')
    .select(['collection', 'value', 'value_enc'])
    .where('workspace_id', '=', workspaceId)
    .where('customer_id', '=', customerId)
    .where('type', '=', 'wechat_openid')
    .execute();
  const openids: Record<string, string> = {};
  for (const i of ids) openids[i.collection] = i.value_enc ? ctx.secrets.decrypt(i.value_enc) : i.value;
  return {
    customerId,
    values: p.values,
    consent: p.consent,
    phone: typeof p.values.phone === 'string' ? p.values.phone : null,
    email: typeof p.values.email === 'string' ? p.values.email : null,
    wecom: rel ? { externalUserid: rel.external_userid, userid: rel.userid } : null,
    staffUserid: staffUserid ?? null,
    staffName: staff?.name ?? null,
    openids,
    firstSeenAt: p.firstSeenAt,
    lastSeenAt: p.lastSeenAt,
    channel: p.channel,
  };
}

export interface ViewContext {
  brandName: string;
  timezone: string;
  /** link name → address that records the click (the dispatcher makes /m/<token> ones). */
  links: Record<string, string>;
  /** Extra variables of the send: event, grant, group … */
  vars: Record<string, unknown>;
}

/** The mustache view: customer traits (name in clear, for rendering only), computed traits, event, grant, staff, brand, group, links. */
export async function buildView(ctx: Ctx, workspaceId: string, r: Recipient, v: ViewContext): Promise<Record<string, unknown>> {
  const stats = (await orderStats(ctx, workspaceId, [r.customerId]).catch(() => new Map())).get(r.customerId);
  const { phone: _p, email: _e, ...traits } = r.values;
  const day = (d: Date | null | undefined) => (d ? formatDateInZone(d, v.timezone) : '');
  const customer: Record<string, unknown> = {
    nickname: traits.nickname ?? traits.name ?? '',
    ...traits,
    channel: r.channel ?? '',
    first_seen_at: day(r.firstSeenAt),
    last_seen_at: day(r.lastSeenAt),
    order_count: stats?.ordersCount ?? 0,
    total_spent_fen: stats?.totalSpentFen ?? 0,
    total_spent: fenToYuan(stats?.totalSpentFen ?? 0),
    last_order_at: day(stats?.lastOrderAt),
    points: traits.points ?? 0,
  };
  return {
    ...v.vars,
    customer,
    event: normalizeEvent(v.vars.event),
    grant: normalizeGrant(v.vars.grant, v.timezone),
    staff: { name: r.staffName ?? '', userid: r.staffUserid ?? '' },
    brand: { name: v.brandName },
    group: v.vars.group ?? {},
    link: v.links,
  };
}

function normalizeEvent(e: unknown): Record<string, unknown> {
  if (!e || typeof e !== 'object') return {};
  // {name, properties} (campaigns, previews) or {name, ...properties} (journeys)
  const { name, properties, ...flat } = e as { name?: unknown; properties?: unknown };
  return { ...flat, ...(properties && typeof properties === 'object' ? properties : {}), name: name ?? '' };
}

function normalizeGrant(g: unknown, timezone: string): Record<string, unknown> {
  if (!g || typeof g !== 'object') return {};
  const grant = { ...(g as Record<string, unknown>) };
  const c = grant.coupon as Record<string, unknown> | undefined;
  if (c && typeof c === 'object') {
    const coupon = { ...c };
    if (coupon.amount === undefined && typeof coupon.amountFen === 'number') coupon.amount = fenToYuan(coupon.amountFen);
    if (coupon.threshold === undefined && typeof coupon.thresholdFen === 'number') coupon.threshold = fenToYuan(coupon.thresholdFen);
    const exp = coupon.expires ?? coupon.expiresAt;
    if (exp instanceof Date || (typeof exp === 'string' && /^\d{4}-\d\d-\d\dT/.test(exp))) coupon.expires = formatDateInZone(new Date(exp), timezone);
    grant.coupon = coupon;
  }
  if (typeof grant.points === 'object' && grant.points && 'points' in grant.points) grant.points = (grant.points as { points: unknown }).points;
  return grant;
}

const plain = (s: unknown) => String(s);

/** Renders every string of a template's content; HTML-escaped for the email body only. */
export function renderContent(channel: Channel, content: TemplateContent, view: Record<string, unknown>): Record<string, unknown> {
  const { links: _links, ...rest } = content;
  return mapStrings(rest, (source, path) => {
    const escape = channel === 'email' && path === 'html' ? Mustache.escape : plain;
    return Mustache.render(source, view, undefined, { escape });
  }) as Record<string, unknown>;
}
