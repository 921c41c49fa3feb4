import { z } from 'zod';
import { AppError, isUuid, newId } from '../core/index.js';
import type { Ctx } from '../store/index.js';
import { type Actor, recordAudit } from '../audit/index.js';
import type { Principal } from '../auth/index.js';
import { piiRevealer, rootCustomer } from '../customers/index.js';
import type { StoredIdentifier } from './identifiers.js';
import { inTransaction, lockAll, lockKey } from './locks.js';
import { customerLock, mergeCustomers } from './merge.js';
import { recordIdentityChange } from './memory.js';
import { pushAliases } from './remap.js';
import { loadIdentityRules } from './rules.js';

export interface ConflictInput {
  link: StoredIdentifier;
  /** The customer the event resolved to. */
  customerId: string;
  /** The customer holding the identifier, when the conflict is a refused merge. */
  otherCustomerId: string | null;
  /** `limit:<type>`: linking would give a customer more ids of that type than the rules allow. */
  reason: string;
  messageId?: string | null;
  at: Date;
}

/** Records a refused link for review; the same open conflict seen again is counted, not repeated. */
export async function recordConflict(tx: Ctx, workspaceId: string, c: ConflictInput): Promise<void> {
  await tx.db
    .insertInto('identity_conflicts')
    .values({
      workspace_id: workspaceId,
      id: newId(tx.clock),
      first_at: c.at,
      last_at: c.at,
      type: c.link.id.type,
      collection: c.link.id.collection,
      value: c.link.value,
      value_enc: c.link.valueEnc,
      customer_id: c.customerId,
      other_customer_id: c.otherCustomerId,
      reason: c.reason,
      message_id: c.messageId ?? null,
    })
    .onConflict((oc) =>
      oc
        .columns(['workspace_id', 'customer_id', 'type', 'collection', 'value'])
        .where('status', '=', 'open')
        .doUpdateSet((eb) => ({ occurrences: eb('identity_conflicts.occurrences', '+', 1), last_at: c.at, other_customer_id: c.otherCustomerId })),
    )
    .execute();
}

export const conflictActions = ['merge', 'assign', 'dismiss'] as const;
export const resolveConflictInput = z.object({
  action: z
    .enum(conflictActions)
    .describe('merge: the two customers are one person (overrides the limits); assign: the identifier belongs to this customer (it replaces ids of its type over the limit); dismiss: keep things as they are'),
});

/**
 * An operator's decision on a conflict. Customers are taken as they are now (either may have
 * been merged since), and the decision is audited.
 */
export async function resolveConflict(
  ctx: Ctx,
  workspaceId: string,
  conflictId: string,
  input: z.infer<typeof resolveConflictInput>,
  by: { actor: Actor; requestId?: string },
): Promise<void> {
  const { action } = resolveConflictInput.parse(input);
  await inTransaction(ctx, async (tx) => {
    const c = isUuid(conflictId)
      ? await tx.db.selectFrom('identity_conflicts').selectAll().where('workspace_id', '=', workspaceId).where('id', '=', conflictId).executeTakeFirst()
      : undefined;
    if (!c) throw new AppError('not_found', `conflict ${conflictId} does not exist in this workspace`);
    if (c.status !== 'open') throw new AppError('conflict', 'this conflict has been resolved already');
    const link: StoredIdentifier = { id: { type: c.type, collection: c.collection, value: '' }, value: c.value, valueEnc: c.value_enc };
    await lockAll(tx.db, [lockKey('identity', workspaceId, c.type, c.collection, c.value)], workspaceId);
    const customer = await rootCustomer(tx.db, workspaceId, c.customer_id);
    if (!customer) throw new AppError('conflict', 'the customer of this conflict no longer exists');
    if (action === 'merge') {
      const other = c.other_customer_id ? await rootCustomer(tx.db, workspaceId, c.other_customer_id) : null;
      if (!other) throw new AppError('bad_request', 'this conflict is about a new identifier, not two customers: use assign or dismiss');
      if (other !== customer) await mergeCustomers(tx, workspaceId, customer, other, { link, at: tx.clock.now(), actor: by.actor });
    } else if (action === 'assign') {
      await assignIdentifier(tx, workspaceId, customer, link);
    }
    await tx.db
      .updateTable('identity_conflicts')
      .set({ status: 'resolved', resolution: action, resolved_at: tx.clock.now(), resolved_by: by.actor.name ?? by.actor.type })
      .where('workspace_id', '=', workspaceId)
      .where('id', '=', conflictId)
      .execute();
    await recordAudit(tx, tx.db, {
      workspaceId,
      actor: by.actor,
      action: `identity.conflict.${action}`,
      entity: 'identity_conflict',
      entityId: conflictId,
      after: { customerId: customer, otherCustomerId: c.other_customer_id, type: c.type },
      requestId: by.requestId,
    });
  });
  await pushAliases(ctx);
}

/**
 * Gives the identifier to the customer: taken from whoever holds it, and replacing the customer's
 * other ids of that type when the rules allow only one.
 */
async function assignIdentifier(tx: Ctx, workspaceId: string, customerId: string, link: StoredIdentifier): Promise<void> {
  const rule = (await loadIdentityRules(tx.db, workspaceId)).get(link.id.type);
  const holder = await tx.db
    .selectFrom('identities')
    .select('customer_id')
    .where('workspace_id', '=', workspaceId)
    .where('type', '=', link.id.type)
    .where('collection', '=', link.id.collection)
    .where('value', '=', link.value)
    .executeTakeFirst();
  if (holder?.customer_id === customerId) return;
  await lockAll(tx.db, [customerId, ...(holder ? [holder.customer_id] : [])].map((id) => customerLock(workspaceId, id)), workspaceId);
  if (rule.maxPerCustomer !== null) {
    const own = await tx.db
      .selectFrom('identities')
      .select(['collection', 'value'])
      .where('workspace_id', '=', workspaceId)
      .where('customer_id', '=', customerId)
      .where('type', '=', link.id.type)
      .orderBy('created_at')
      .execute();
    const excess = own.length + 1 - rule.maxPerCustomer;
    for (const old of own.slice(0, Math.max(0, excess))) {
      await tx.db.deleteFrom('identities').where('workspace_id', '=', workspaceId).where('type', '=', link.id.type).where('collection', '=', old.collection).where('value', '=', old.value).execute();
    }
  }
  await recordIdentityChange(tx, workspaceId, [customerId, ...(holder ? [holder.customer_id] : [])]);
  if (holder) {
    await tx.db.updateTable('identities').set({ customer_id: customerId }).where('workspace_id', '=', workspaceId).where('type', '=', link.id.type).where('collection', '=', link.id.collection).where('value', '=', link.value).execute();
  } else {
    await tx.db.insertInto('identities').values({ workspace_id: workspaceId, type: link.id.type, collection: link.id.collection, value: link.value, value_enc: link.valueEnc, customer_id: customerId }).execute();
  }
}

export interface ConflictView {
  id: string;
  firstAt: Date;
  lastAt: Date;
  occurrences: number;
  identifier: { type: string; collection: string; value: string };
  customerId: string;
  otherCustomerId: string | null;
  reason: string;
  status: 'open' | 'resolved';
  resolution: string | null;
  resolvedAt: Date | null;
  resolvedBy: string | null;
}

/** Conflicts newest first, personal identifier values masked for roles without pii:read. */
export async function listConflicts(
  ctx: Ctx,
  p: Principal,
  opts: { status?: 'open' | 'resolved'; cursor?: string; limit: number },
): Promise<{ items: ConflictView[]; nextCursor: string | null }> {
  if (opts.cursor && !isUuid(opts.cursor)) throw new AppError('validation_failed', 'cursor is not valid', [{ path: 'querystring.cursor', message: 'use nextCursor from the previous page' }]);
  let q = ctx.db.selectFrom('identity_conflicts').selectAll().where('workspace_id', '=', p.workspace.id).orderBy('id', 'desc').limit(opts.limit + 1);
  if (opts.status) q = q.where('status', '=', opts.status);
  if (opts.cursor) q = q.where('id', '<', opts.cursor);
  const rows = await q.execute();
  const page = rows.slice(0, opts.limit);
  const reveal = piiRevealer(ctx, p);
  return {
    items: page.map((r) => ({
      id: r.id,
      firstAt: r.first_at,
      lastAt: r.last_at,
      occurrences: r.occurrences,
      identifier: { type: r.type, collection: r.collection, value: reveal.identifier(r.type, r.value, r.value_enc) },
      customerId: r.customer_id,
      otherCustomerId: r.other_customer_id,
      reason: r.reason,
      status: r.status,
      resolution: r.resolution,
      resolvedAt: r.resolved_at,
      resolvedBy: r.resolved_by,
    })),
    nextCursor: rows.length > opts.limit ? page[page.length - 1].id : null,
  };
}
