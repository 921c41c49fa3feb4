import { sql } from 'kysely';
import { z } from 'zod';
import { type Actor, recordAudit } from '../audit/index.js';
import { DAY_MS, zonedDayStart } from '../core/index.js';
import type { Channel } from '../channels/index.js';
import type { Ctx } from '../store/index.js';

const hhmm = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'a time of day, HH:MM');
const cap = z.object({ perDay: z.number().int().min(0).max(100).nullable(), perWeek: z.number().int().min(0).max(700).nullable() }).strict();

/**
 * Sending policies of a workspace. Defaults from the playbook and issue #7: at most 1 marketing
 * message a day and 3 a week per customer, overall and per channel; quiet hours 22:00–08:00 in
 * the workspace zone (sends are deferred to their end); golden windows 07–09, 12–13, 19–22.
 * WeCom's own cap on add_msg_template (WECOM.md, 客户联系 > 消息推送, doc 92135): each customer
 * receives at most as many as the month has days; an admin may tighten it to 7 a week or 1 a day.
 */
export const policiesSchema = z
  .object({
    caps: z.object({ overall: cap, perChannel: cap }).strict().describe('marketing messages per customer; null: no cap'),
    quietHours: z.object({ enabled: z.boolean(), start: hhmm, end: hhmm }).strict().describe('customer-facing sends in this span wait until its end'),
    goldenWindows: z.array(z.object({ start: hhmm, end: hhmm }).strict()).min(1).max(12).describe('a golden send waits for the next window'),
    wecomMonthlyCap: z.enum(['month_days', 'week_7', 'day_1']).describe("WeCom mass-send cap per customer: the month's days, 7 a week, 1 a day"),
    requireOptIn: z.array(z.string()).max(20).describe('channels that need explicit consent; others need only its absence of a refusal'),
  })
  .strict()
  .meta({ id: 'MessagePolicies' });
export type Policies = z.infer<typeof policiesSchema>;

export const DEFAULT_POLICIES: Policies = {
  caps: { overall: { perDay: 1, perWeek: 3 }, perChannel: { perDay: 1, perWeek: 3 } },
  quietHours: { enabled: true, start: '22:00', end: '08:00' },
  goldenWindows: [
    { start: '07:00', end: '09:00' },
    { start: '12:00', end: '13:00' },
    { start: '19:00', end: '22:00' },
  ],
  wecomMonthlyCap: 'month_days',
  requireOptIn: [],
};

/** Channels that reach the customer (quiet hours, caps, consent); wecom_app goes to staff, webhook to a system. */
export const CUSTOMER_FACING: ReadonlySet<Channel> = new Set(['wecom_1v1', 'wecom_group', 'wecom_moments', 'sms', 'email', 'miniprogram']);

/** Consent keys a channel answers to (the first present one decides). */
export function consentKeys(channel: Channel): string[] {
  if (channel.startsWith('wecom')) return [channel, 'wecom', 'marketing'];
  if (channel === 'miniprogram') return ['miniprogram', 'wechat', 'marketing'];
  return [channel, 'marketing'];
}

export async function getPolicies(ctx: Pick<Ctx, 'db'>, workspaceId: string): Promise<Policies> {
  const row = await ctx.db.selectFrom('message_policies').select('policies').where('workspace_id', '=', workspaceId).executeTakeFirst();
  if (!row) return DEFAULT_POLICIES;
  const parsed = policiesSchema.safeParse({ ...DEFAULT_POLICIES, ...(row.policies as object) });
  return parsed.success ? parsed.data : DEFAULT_POLICIES;
}

export async function savePolicies(ctx: Ctx, workspaceId: string, input: Policies, by: { actor: Actor; requestId?: string }): Promise<Policies> {
  const before = await getPolicies(ctx, workspaceId);
  const now = ctx.clock.now();
  await ctx.db.transaction().execute(async (trx) => {
    await trx
      .insertInto('message_policies')
      .values({ workspace_id: workspaceId, policies: JSON.stringify(input), updated_at: now })
      .onConflict((oc) => oc.column('workspace_id').doUpdateSet({ policies: JSON.stringify(input), updated_at: now }))
      .execute();
    await recordAudit(ctx, trx, { workspaceId, actor: by.actor, action: 'message_policies.update', entity: 'message_policies', entityId: workspaceId, before, after: input, requestId: by.requestId });
  });
  return input;
}

// ---- time of day in the workspace zone ----

const minutes = (t: string) => Number(t.slice(0, 2)) * 60 + Number(t.slice(3, 5));

/** Minutes since local midnight, and that midnight as an instant. */
function localClock(at: Date, tz: string): { dayStart: Date; minute: number } {
  const dayStart = zonedDayStart(at, tz);
  return { dayStart, minute: Math.floor((at.getTime() - dayStart.getTime()) / 60_000) };
}

const inSpan = (m: number, start: number, end: number) => (start <= end ? m >= start && m < end : m >= start || m < end);

/** The end of the quiet period `at` falls in, or null when `at` is not quiet. */
export function quietUntil(at: Date, p: Policies, tz: string): Date | null {
  if (!p.quietHours.enabled) return null;
  const s = minutes(p.quietHours.start);
  const e = minutes(p.quietHours.end);
  if (s === e) return null;
  const { dayStart, minute } = localClock(at, tz);
  if (!inSpan(minute, s, e)) return null;
  const endDay = s > e && minute >= s ? zonedDayStart(new Date(dayStart.getTime() + DAY_MS + 3_600_000 * 3), tz) : dayStart;
  return new Date(endDay.getTime() + e * 60_000);
}

/** `at` when inside a golden window, else the start of the next one (within the next 8 days). */
export function goldenStart(at: Date, windows: Policies['goldenWindows'], tz: string): Date {
  const { dayStart, minute } = localClock(at, tz);
  for (const w of windows) if (inSpan(minute, minutes(w.start), minutes(w.end))) return at;
  let best: Date | null = null;
  for (let d = 0; d < 3 && !best; d++) {
    const day = d === 0 ? dayStart : zonedDayStart(new Date(dayStart.getTime() + d * DAY_MS + 3_600_000 * 3), tz);
    for (const w of windows) {
      const start = new Date(day.getTime() + minutes(w.start) * 60_000);
      if (start > at && (!best || start < best)) best = start;
    }
  }
  return best ?? at;
}

/** When a golden-window send may go: now if inside a window, else the next window's start (workspace zone). */
export async function nextGoldenWindow(ctx: Pick<Ctx, 'db' | 'config'>, workspaceId: string, at: Date): Promise<Date> {
  const [p, tz] = await Promise.all([getPolicies(ctx, workspaceId), workspaceZone(ctx, workspaceId)]);
  return goldenStart(at, p.goldenWindows, tz);
}

export async function workspaceZone(ctx: Pick<Ctx, 'db' | 'config'>, workspaceId: string): Promise<string> {
  const row = await ctx.db.selectFrom('workspaces').select('timezone').where('id', '=', workspaceId).executeTakeFirst();
  return row?.timezone ?? ctx.config.timezone;
}

// ---- caps ----

export interface Verdict {
  code: string;
  text: string;
}

const SENT = ['sending', 'sent', 'delivered'] as const;

async function countSince(ctx: Pick<Ctx, 'db'>, workspaceId: string, customerId: string, since: Date, excludeId: string, f: { channel?: string; marketing?: boolean }): Promise<number> {
  let q = ctx.db
    .selectFrom('messages')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('workspace_id', '=', workspaceId)
    .where('customer_id', '=', customerId)
    .where('status', 'in', SENT)
    .where('id', '!=', excludeId)
    .where(sql<boolean>`coalesce(sent_at, not_before) >= ${since}`);
  if (f.channel) q = q.where('channel', '=', f.channel);
  if (f.marketing !== undefined) q = q.where('marketing', '=', f.marketing);
  const r = await q.executeTakeFirstOrThrow();
  return Number(r.n);
}

/**
 * Frequency caps of a marketing send about to go at `now`: the day is the workspace's calendar
 * day, the week the 7 calendar days ending today. Returns the cap hit, or null.
 */
export async function capVerdict(ctx: Pick<Ctx, 'db'>, m: { workspaceId: string; customerId: string; channel: Channel; id: string; marketing: boolean }, p: Policies, tz: string, now: Date): Promise<Verdict | null> {
  const dayStart = zonedDayStart(now, tz);
  const weekStart = zonedDayStart(new Date(dayStart.getTime() - 6 * DAY_MS + 3_600_000 * 3), tz);
  if (m.marketing) {
    const checks: [keyof Policies['caps'], 'perDay' | 'perWeek', Date][] = [
      ['overall', 'perDay', dayStart],
      ['overall', 'perWeek', weekStart],
      ['perChannel', 'perDay', dayStart],
      ['perChannel', 'perWeek', weekStart],
    ];
    for (const [scope, span, since] of checks) {
      const limit = p.caps[scope][span];
      if (limit === null) continue;
      const n = await countSince(ctx, m.workspaceId, m.customerId, since, m.id, { marketing: true, channel: scope === 'perChannel' ? m.channel : undefined });
      if (n >= limit) {
        const what = scope === 'overall' ? 'marketing messages' : `marketing messages on ${m.channel}`;
        return { code: scope === 'overall' ? 'cap_overall' : 'cap_channel', text: `frequency cap: ${n} ${what} ${span === 'perDay' ? 'today' : 'in 7 days'} (at most ${limit})` };
      }
    }
  }
  if (m.channel === 'wecom_1v1') {
    const monthStart = zonedDayStart(new Date(`${new Intl.DateTimeFormat('en-CA', { timeZone: tz, year: 'numeric', month: '2-digit' }).format(now)}-01T12:00:00Z`), tz);
    const [since, limit, label] =
      p.wecomMonthlyCap === 'day_1'
        ? [dayStart, 1, 'a day']
        : p.wecomMonthlyCap === 'week_7'
          ? [weekStart, 7, 'a week']
          : [monthStart, daysInMonth(now, tz), 'this month'];
    const n = await countSince(ctx, m.workspaceId, m.customerId, since, m.id, { channel: 'wecom_1v1' });
    if (n >= limit) return { code: 'wecom_limit', text: `WeCom mass-send limit: ${n} ${label} (at most ${limit}); WeCom would drop it silently` };
  }
  return null;
}

function daysInMonth(at: Date, tz: string): number {
  const [y, mo] = new Intl.DateTimeFormat('en-CA', { timeZone: tz, year: 'numeric', month: '2-digit' }).format(at).split('-').map(Number);
  return new Date(Date.UTC(y, mo, 0)).getUTCDate();
}

/** Consent and 退订: why this customer may not get it on this channel, or null. */
export async function consentVerdict(
  ctx: Pick<Ctx, 'db'>,
  m: { workspaceId: string; customerId: string; channel: Channel; marketing: boolean },
  consent: Record<string, { granted: boolean }>,
  p: Policies,
): Promise<Verdict | null> {
  const unsub = await ctx.db
    .selectFrom('unsubscribes')
    .select(['channel', 'source'])
    .where('workspace_id', '=', m.workspaceId)
    .where('customer_id', '=', m.customerId)
    .where('channel', 'in', [m.channel, '*'])
    .executeTakeFirst();
  if (unsub && m.marketing) return { code: 'unsubscribed', text: `the customer unsubscribed (退订) from ${unsub.channel === '*' ? 'all channels' : m.channel} via ${unsub.source}` };
  const key = consentKeys(m.channel).find((k) => consent[k] !== undefined);
  if (key && !consent[key].granted) return { code: 'no_consent', text: `the customer refused consent for ${key}` };
  if (!key && p.requireOptIn.includes(m.channel)) return { code: 'no_consent', text: `${m.channel} needs explicit consent and the customer gave none` };
  return null;
}
