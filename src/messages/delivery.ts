import { MASS_SEND_STATUS, type MassSendTask, massSendResults } from '../channels/index.js';
import { DAY_MS } from '../core/index.js';
import type { Ctx } from '../store/index.js';
import { emitMessageEvent } from './events.js';
import type { MessagesTable } from './schema.js';

/** A WeCom mass send waiting for its staff member is looked at again after this long. */
export const DELIVERY_POLL_MS = 10 * 60_000;
/** Sends not confirmed within this long stay 'sent' and are no longer polled (WeCom reminds the sender at most 3 times in 24 h). */
export const DELIVERY_WATCH_MS = 7 * DAY_MS;

const NEVER = new Date('9999-12-31T00:00:00Z');

export interface DeliveryPollResult {
  checked: number;
  delivered: number;
  failed: number;
  pending: number;
  errors: number;
}

type Pending = Pick<MessagesTable, 'workspace_id' | 'id' | 'customer_id' | 'channel' | 'template_id' | 'source_kind' | 'source_id' | 'run_id' | 'step_id' | 'variant' | 'provider_ref'> & {
  rendered: Record<string, unknown> | null;
};

type Verdict = { status: 'delivered'; at: Date } | { status: 'failed'; code: string; text: string } | null;

const FAIL_CODES: Record<number, string> = { 2: 'wecom_not_friend', 3: 'wecom_limit' };

/**
 * Delivery of WeCom 1v1 and group sends. add_msg_template only creates a task; the staff member
 * confirms it in WeCom later (or never). For messages in 'sent', this reads get_groupmsg_task and
 * get_groupmsg_send_result of their msgid (provider_ref) and moves them to 'delivered' when the
 * target's status is 1, or to 'failed' with WeCom's reason (2 not a friend, 3 already received
 * its share of mass sends), writing Message Delivered / Message Failed on the timeline. Rows are
 * claimed with FOR UPDATE SKIP LOCKED and their next check (not_before) pushed back, so several
 * workers share the polling and each msgid is asked about once per DELIVERY_POLL_MS.
 * get_groupmsg_list_v2 is not needed: every msgid is known from the outbox.
 */
export async function pollWecomDeliveries(ctx: Ctx, opts: { limit?: number; workspaceId?: string } = {}): Promise<DeliveryPollResult> {
  const now = ctx.clock.now();
  const rows = await ctx.db.transaction().execute(async (trx) => {
    let q = trx
      .selectFrom('messages')
      .select(['workspace_id', 'id', 'customer_id', 'channel', 'template_id', 'source_kind', 'source_id', 'run_id', 'step_id', 'variant', 'provider_ref', 'rendered', 'sent_at'])
      .where('status', '=', 'sent')
      .where('channel', 'in', ['wecom_1v1', 'wecom_group'])
      .where('not_before', '<=', now)
      .where('provider_ref', 'is not', null)
      .orderBy('not_before')
      .limit(opts.limit ?? 200)
      .forUpdate()
      .skipLocked();
    if (opts.workspaceId) q = q.where('workspace_id', '=', opts.workspaceId);
    const found = (await q.execute()) as (Pending & { sent_at: Date | null })[];
    // Past the watch: left 'sent' (never confirmed) and not looked at again.
    const watchFrom = now.getTime() - DELIVERY_WATCH_MS;
    const expired = found.filter((r) => !r.sent_at || r.sent_at.getTime() < watchFrom);
    const live = found.filter((r) => r.sent_at && r.sent_at.getTime() >= watchFrom);
    for (const [list, next] of [
      [live, new Date(now.getTime() + DELIVERY_POLL_MS)],
      [expired, NEVER],
    ] as const) {
      if (list.length === 0) continue;
      await trx
        .updateTable('messages')
        .set({ not_before: next })
        .where(
          'id',
          'in',
          list.map((r) => r.id),
        )
        .execute();
    }
    return live;
  });
  const result: DeliveryPollResult = { checked: rows.length, delivered: 0, failed: 0, pending: 0, errors: 0 };
  const byTask = new Map<string, Pending[]>();
  for (const r of rows) {
    const key = `${r.workspace_id}|${r.provider_ref}`;
    byTask.set(key, [...(byTask.get(key) ?? []), r]);
  }
  for (const list of byTask.values()) {
    const { workspace_id: workspaceId, provider_ref: msgid } = list[0];
    let tasks: MassSendTask[] | null;
    try {
      const senders = new Set(list.map((m) => sender(m)).filter((s): s is string => !!s));
      tasks = await massSendResults(ctx, workspaceId, msgid!, senders.size ? senders : undefined);
    } catch (err) {
      ctx.log.warn({ err, workspaceId, msgid }, 'WeCom mass-send result not available');
      result.errors += list.length;
      continue;
    }
    if (!tasks) {
      result.pending += list.length;
      continue;
    }
    for (const m of list) {
      const v = verdict(m, tasks);
      if (!v) {
        result.pending++;
        continue;
      }
      if (await record(ctx, m, v)) result[v.status]++;
    }
  }
  return result;
}

const sender = (m: Pending) => (typeof m.rendered?.sender === 'string' ? m.rendered.sender : null);

function verdict(m: Pending, tasks: MassSendTask[]): Verdict {
  const s = sender(m);
  const mine = s ? tasks.filter((t) => t.userid === s) : tasks;
  const targets = mine.flatMap((t) => t.targets);
  let relevant = targets;
  if (m.channel === 'wecom_1v1') {
    const ext = typeof m.rendered?.externalUserid === 'string' ? m.rendered.externalUserid : null;
    // Each 1v1 send is its own add_msg_template with one customer; older rows lack externalUserid.
    relevant = ext ? targets.filter((t) => t.id === ext) : targets.length === 1 ? targets : [];
  }
  const sent = relevant.find((t) => t.status === 1);
  if (sent) return { status: 'delivered', at: sent.sendTime ? new Date(sent.sendTime * 1000) : new Date(0) };
  if (relevant.length === 0 || relevant.some((t) => t.status === 0)) return null;
  const status = relevant[0].status;
  const code = FAIL_CODES[status] ?? 'wecom_not_sent';
  const what = m.channel === 'wecom_1v1' ? 'the customer' : 'every group of the sender';
  return { status: 'failed', code, text: `WeCom did not deliver it: ${what}: ${MASS_SEND_STATUS[status]} (get_groupmsg_send_result status ${status})` };
}

/** Moves a 'sent' row to its outcome once (a second worker finds it moved) and writes the event. */
async function record(ctx: Ctx, m: Pending, v: NonNullable<Verdict>): Promise<boolean> {
  const now = ctx.clock.now();
  const at = v.status === 'delivered' && v.at.getTime() > 0 ? v.at : now;
  const res = await ctx.db
    .updateTable('messages')
    .set(v.status === 'delivered' ? { status: 'delivered', delivered_at: at } : { status: 'failed', reason: v.text, reason_code: v.code })
    .where('workspace_id', '=', m.workspace_id)
    .where('id', '=', m.id)
    .where('status', '=', 'sent')
    .executeTakeFirst();
  if (Number(res.numUpdatedRows) === 0) return false;
  const ref = { ...m };
  if (v.status === 'delivered') await emitMessageEvent(ctx, 'Message Delivered', ref, at);
  else await emitMessageEvent(ctx, 'Message Failed', ref, now, { reason: v.code, reason_text: v.text });
  return true;
}
