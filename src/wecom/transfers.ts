import { z } from 'zod';
import { AppError } from '../core/index.js';
import type { Ctx } from '../store/index.js';
import { type Actor, recordAudit } from '../audit/index.js';
import { getExternalContact, resignedTransferResult, transferCustomers, transferResignedCustomers, transferResult } from './api.js';
import { upsertRelation } from './contacts.js';
import { ERRCODES } from './errors.js';
import { wecomCall } from './problems.js';
import { clientFor } from './settings.js';

/**
 * Handing customers to another staff member: 在职继承 (on the job; the customer may refuse within
 * 24 hours, at most twice in 90 days) and 离职继承 (staff who left). WeCom takes 100 customers a
 * call (doc 92125 / 92124); results come from transfer_result.
 */
export const transferInput = z
  .object({
    kind: z.enum(['onjob', 'resigned']),
    handoverUserid: z.string().min(1).max(64),
    takeoverUserid: z.string().min(1).max(64),
    /** Omitted: every current customer of the handover member. */
    externalUserids: z.array(z.string().min(1).max(64)).min(1).max(10_000).optional(),
    message: z.string().max(200).optional(),
  })
  .refine((t) => t.handoverUserid !== t.takeoverUserid, { message: 'hand over to someone else', path: ['takeoverUserid'] });
export type TransferInput = z.input<typeof transferInput>;

export interface TransferOutcome {
  externalUserid: string;
  ok: boolean;
  errcode: number;
  message: string;
}

export async function startTransfer(ctx: Ctx, workspaceId: string, input: TransferInput, by: { actor: Actor; requestId?: string }): Promise<TransferOutcome[]> {
  const data = transferInput.parse(input);
  const ids =
    data.externalUserids ??
    (
      await ctx.db
        .selectFrom('wecom_relations')
        .select('external_userid')
        .where('workspace_id', '=', workspaceId)
        .where('userid', '=', data.handoverUserid)
        .where('deleted_at', 'is', null)
        .orderBy('added_at')
        .execute()
    ).map((r) => r.external_userid);
  if (ids.length === 0) throw new AppError('validation_failed', `${data.handoverUserid} has no customers to hand over`, [{ path: 'handoverUserid', message: 'no current customers' }]);
  const client = await clientFor(ctx, workspaceId);
  const outcomes: TransferOutcome[] = [];
  for (let i = 0; i < ids.length; i += 100) {
    const chunk = ids.slice(i, i + 100);
    const body = { handover_userid: data.handoverUserid, takeover_userid: data.takeoverUserid, external_userid: chunk };
    const res = await wecomCall('hand the customers over', () =>
      data.kind === 'onjob' ? transferCustomers(client, { ...body, ...(data.message ? { transfer_success_msg: data.message } : {}) }) : transferResignedCustomers(client, body),
    );
    for (const c of res.customer) outcomes.push({ externalUserid: c.external_userid, ok: c.errcode === 0, errcode: c.errcode, message: c.errcode === 0 ? 'ok' : (ERRCODES[c.errcode]?.message ?? `errcode ${c.errcode}`) });
  }
  await recordAudit(ctx, ctx.db, {
    workspaceId,
    actor: by.actor,
    action: `wecom.transfer.${data.kind}`,
    entity: 'wecom_staff',
    entityId: data.handoverUserid,
    after: { takeover: data.takeoverUserid, requested: outcomes.length, accepted: outcomes.filter((o) => o.ok).length },
    requestId: by.requestId,
  });
  return outcomes;
}

const STATUS: Record<number, 'done' | 'waiting' | 'refused' | 'takeover_full' | 'none'> = { 1: 'done', 2: 'waiting', 3: 'refused', 4: 'takeover_full', 5: 'none' };

export const transferQuery = z.object({ kind: z.enum(['onjob', 'resigned']), handoverUserid: z.string().min(1).max(64), takeoverUserid: z.string().min(1).max(64) });

/**
 * Where each handover stands. A completed one moves the relation in Siyu at once (the reconcile
 * would too): the handover member's ends as `transfer`, the takeover member's is stored.
 */
export async function transferStatus(ctx: Ctx, workspaceId: string, q: z.infer<typeof transferQuery>): Promise<{ externalUserid: string; status: string; takeoverAt: Date | null }[]> {
  const client = await clientFor(ctx, workspaceId);
  const items: { externalUserid: string; status: string; takeoverAt: Date | null }[] = [];
  let cursor = '';
  do {
    const body = { handover_userid: q.handoverUserid, takeover_userid: q.takeoverUserid, cursor };
    const page = await wecomCall('read the handover results', () => (q.kind === 'onjob' ? transferResult(client, body) : resignedTransferResult(client, body)));
    for (const c of page.customer) {
      const status = STATUS[c.status] ?? 'none';
      items.push({ externalUserid: c.external_userid, status, takeoverAt: c.takeover_time ? new Date(c.takeover_time * 1000) : null });
      if (status === 'done') await moveRelation(ctx, workspaceId, client, c.external_userid, q.handoverUserid, q.takeoverUserid);
    }
    cursor = page.next_cursor ?? '';
  } while (cursor);
  return items;
}

async function moveRelation(ctx: Ctx, workspaceId: string, client: Awaited<ReturnType<typeof clientFor>>, externalUserid: string, from: string, to: string): Promise<void> {
  const old = await ctx.db.selectFrom('wecom_relations').selectAll().where('workspace_id', '=', workspaceId).where('external_userid', '=', externalUserid).where('userid', '=', from).executeTakeFirst();
  const taken = await ctx.db.selectFrom('wecom_relations').select('userid').where('workspace_id', '=', workspaceId).where('external_userid', '=', externalUserid).where('userid', '=', to).where('deleted_at', 'is', null).executeTakeFirst();
  if (!old || taken) return;
  const { follow_user } = await getExternalContact(client, externalUserid);
  const follow = follow_user.find((f) => f.userid === to);
  if (!follow) return;
  await upsertRelation(ctx, workspaceId, { externalUserid, userid: to, customerId: old.customer_id, follow, tagIds: (follow.tags ?? []).map((t) => t.tag_id).filter((t): t is string => !!t), codeId: old.code_id });
  await ctx.db
    .updateTable('wecom_relations')
    .set({ deleted_at: ctx.clock.now(), deleted_by: 'transfer', updated_at: ctx.clock.now() })
    .where('workspace_id', '=', workspaceId)
    .where('external_userid', '=', externalUserid)
    .where('userid', '=', from)
    .where('deleted_at', 'is', null)
    .execute();
}
