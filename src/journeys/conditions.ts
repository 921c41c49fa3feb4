import { createHash } from 'node:crypto';
import { chTime, type Ctx } from '../store/index.js';
import type { PropertyFilter } from '../segments/index.js';
import { orderStats } from '../customers/index.js';
import type { BranchCondition } from './model.js';

/** A property by path (a.b reads nested objects). */
function read(obj: Record<string, unknown>, path: string): unknown {
  let cur: unknown = obj;
  for (const part of path.split('.')) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[part];
  }
  return cur;
}

const asNumber = (v: unknown) => (typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN);
const asTime = (v: unknown) => (typeof v === 'string' || typeof v === 'number' ? new Date(v).getTime() : NaN);

/** One field test, the same operators as segment rules; `now` for within_last / before_last (days). */
export function testValue(actual: unknown, op: PropertyFilter['op'], expected: unknown, now: Date): boolean {
  const list = Array.isArray(expected) ? expected : [expected];
  const eq = (a: unknown, b: unknown) => a === b || String(a) === String(b);
  switch (op) {
    case 'exists':
      return actual !== undefined && actual !== null && actual !== '';
    case 'not_exists':
      return actual === undefined || actual === null || actual === '';
    case 'eq':
      return actual !== undefined && actual !== null && eq(actual, expected);
    case 'neq':
      return !(actual !== undefined && actual !== null && eq(actual, expected));
    case 'in':
      return list.some((x) => eq(actual, x));
    case 'not_in':
      return !list.some((x) => eq(actual, x));
    case 'contains':
      return Array.isArray(actual) ? actual.some((x) => eq(x, expected)) : typeof actual === 'string' && actual.includes(String(expected));
    case 'not_contains':
      return !(Array.isArray(actual) ? actual.some((x) => eq(x, expected)) : typeof actual === 'string' && actual.includes(String(expected)));
    case 'gt':
      return asNumber(actual) > asNumber(expected);
    case 'gte':
      return asNumber(actual) >= asNumber(expected);
    case 'lt':
      return asNumber(actual) < asNumber(expected);
    case 'lte':
      return asNumber(actual) <= asNumber(expected);
    case 'between':
      return Array.isArray(expected) && asNumber(actual) >= asNumber(expected[0]) && asNumber(actual) <= asNumber(expected[1]);
    case 'before':
      return asTime(actual) < asTime(expected);
    case 'after':
      return asTime(actual) > asTime(expected);
    case 'within_last':
      return asTime(actual) >= now.getTime() - asNumber(expected) * 86_400_000 && asTime(actual) <= now.getTime();
    case 'before_last':
      return asTime(actual) < now.getTime() - asNumber(expected) * 86_400_000;
    default:
      return false;
  }
}

export function matchesFilters(properties: Record<string, unknown>, where: readonly PropertyFilter[] | undefined, now: Date): boolean {
  return (where ?? []).every((f) => testValue(read(properties, f.property), f.op, f.value, now));
}

/** A number in [0, 10000) fixed by the text: splits and holdouts are deterministic per run. */
export function bucket(text: string): number {
  return createHash('md5').update(text).digest().readUInt32BE(0) % 10_000;
}

export function parseJson(s: unknown): Record<string, unknown> {
  if (s && typeof s === 'object') return s as Record<string, unknown>;
  try {
    const v = JSON.parse(String(s ?? '{}')) as unknown;
    return v && typeof v === 'object' ? (v as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

const ORDER_TRAITS = new Set(['order_count', 'total_spent_fen', 'last_order_at']);

/** Whether a branch condition holds for the customer now. */
export async function evaluateCondition(ctx: Ctx, workspaceId: string, customerId: string, c: BranchCondition): Promise<boolean> {
  const now = ctx.clock.now();
  switch (c.type) {
    case 'segment':
    case 'tag': {
      const audience = c.type === 'segment' ? `segment:${c.segmentId}` : `tag:${c.tagId}`;
      const rows = await ctx.events.query<{ value: string }>(
        `SELECT value FROM ${ctx.events.table('audience_state')} FINAL WHERE workspace_id = {ws:UUID} AND audience = {aud:String} AND customer_id = {cid:UUID}`,
        { ws: workspaceId, aud: audience, cid: customerId },
      );
      return rows.some((r) => r.value !== '');
    }
    case 'trait': {
      const row = await ctx.db.selectFrom('customers').select(['traits', 'gender', 'birthday', 'city', 'channel']).where('workspace_id', '=', workspaceId).where('id', '=', customerId).executeTakeFirst();
      if (!row) return false;
      const values: Record<string, unknown> = { ...row.traits, gender: row.gender, birthday: row.birthday, city: row.city, channel: row.channel };
      // Computed from orders (as template variables are): 首单后入群 branches on order_count = 1.
      if (ORDER_TRAITS.has(c.trait) && values[c.trait] === undefined) {
        const s = (await orderStats(ctx, workspaceId, [customerId])).get(customerId);
        values.order_count = s?.ordersCount ?? 0;
        values.total_spent_fen = s?.totalSpentFen ?? 0;
        values.last_order_at = s?.lastOrderAt?.toISOString();
      }
      return testValue(values[c.trait], c.op, c.value, now);
    }
    case 'event': {
      const rows = await ctx.events.query<{ properties: string }>(
        `SELECT properties FROM ${ctx.events.table('events')}
         WHERE workspace_id = {ws:UUID} AND event = {event:String} AND customer_id = {cid:UUID} AND timestamp >= {since:DateTime64(3, 'UTC')} AND timestamp <= {now:DateTime64(3, 'UTC')}
         LIMIT 1000`,
        { ws: workspaceId, event: c.event, cid: customerId, since: chTime(new Date(now.getTime() - c.withinHours * 3_600_000)), now: chTime(now) },
      );
      return rows.some((r) => matchesFilters(parseJson(r.properties), c.where, now));
    }
    case 'reachable':
      return reachable(ctx, workspaceId, customerId, c.channel);
  }
}

async function reachable(ctx: Ctx, workspaceId: string, customerId: string, channel: string): Promise<boolean> {
  if (channel === 'webhook') return true;
  if (channel.startsWith('wecom_')) {
    const rel = await ctx.db.selectFrom('wecom_relations').select('customer_id').where('workspace_id', '=', workspaceId).where('customer_id', '=', customerId).where('deleted_at', 'is', null).executeTakeFirst();
    return !!rel;
  }
  const row = await ctx.db.selectFrom('customers').select(['phone_enc', 'email_enc', 'consent']).where('workspace_id', '=', workspaceId).where('id', '=', customerId).executeTakeFirst();
  if (!row) return false;
  const consent = row.consent ?? {};
  if (channel === 'sms') return !!row.phone_enc && consent.sms?.granted !== false;
  if (channel === 'email') return !!row.email_enc && consent.email?.granted !== false;
  if (channel === 'miniprogram') {
    const id = await ctx.db.selectFrom('identities').select('value').where('workspace_id', '=', workspaceId).where('customer_id', '=', customerId).where('type', 'in', ['openid', 'wechat_openid', 'mp_openid']).executeTakeFirst();
    return !!id;
  }
  return false;
}
