import { AppError, newId } from '../core/index.js';
import type { Ctx } from '../store/index.js';
import { type Actor, recordAudit } from '../audit/index.js';
import { type Adopted, mergeProfiles, readProfile, profileColumns, revertAdopted, rootCustomer } from '../customers/index.js';
import { type StoredIdentifier } from './identifiers.js';
import { inTransaction, lockAll, lockKey } from './locks.js';
import { recordIdentityChange } from './memory.js';
import { bumpRemap, pushAliases } from './remap.js';

export interface MergeCause {
  /** The identifier that linked the two customers. */
  link: StoredIdentifier;
  messageId?: string | null;
  at: Date;
  actor: Actor;
}

export function customerLock(workspaceId: string, customerId: string): string {
  return lockKey('customer', workspaceId, customerId);
}

/**
 * Merges `mergedId` into `survivorId` inside the caller's transaction: identifiers move, profiles
 * fold by event time, the merged customer points at the survivor, and the merge is recorded with
 * its cause. Both must be live customers.
 */
export async function mergeCustomers(tx: Ctx, workspaceId: string, survivorId: string, mergedId: string, cause: MergeCause): Promise<string> {
  await lockAll(tx.db, [customerLock(workspaceId, survivorId), customerLock(workspaceId, mergedId)], workspaceId);
  const rows = await tx.db.selectFrom('customers').selectAll().where('workspace_id', '=', workspaceId).where('id', 'in', [survivorId, mergedId]).execute();
  const survivor = rows.find((r) => r.id === survivorId);
  const merged = rows.find((r) => r.id === mergedId);
  if (!survivor || !merged || survivor.merged_into || merged.merged_into || survivorId === mergedId) {
    throw new AppError('conflict', 'only two different live customers can be merged');
  }
  const moved = await tx.db
    .updateTable('identities')
    .set({ customer_id: survivorId })
    .where('workspace_id', '=', workspaceId)
    .where('customer_id', '=', mergedId)
    .returning(['type', 'collection', 'value'])
    .execute();
  const profile = readProfile(tx.secrets, survivor);
  const adopted = mergeProfiles(profile, readProfile(tx.secrets, merged));
  const now = tx.clock.now();
  await tx.db.updateTable('customers').set({ ...profileColumns(tx.secrets, profile), updated_at: now }).where('workspace_id', '=', workspaceId).where('id', '=', survivorId).execute();
  await tx.db.updateTable('customers').set({ merged_into: survivorId, merged_at: cause.at, updated_at: now }).where('workspace_id', '=', workspaceId).where('id', '=', mergedId).execute();
  await bumpRemap(tx.db, workspaceId, mergedId);
  await recordIdentityChange(tx, workspaceId, [mergedId]);
  const id = newId(tx.clock);
  await tx.db
    .insertInto('identity_merges')
    .values({
      workspace_id: workspaceId,
      id,
      at: cause.at,
      survivor_id: survivorId,
      merged_id: mergedId,
      cause_type: cause.link.id.type,
      cause_collection: cause.link.id.collection,
      cause_value: cause.link.value,
      cause_value_enc: cause.link.valueEnc,
      cause_message_id: cause.messageId ?? null,
      actor_type: cause.actor.type,
      actor_id: cause.actor.id,
      actor_name: cause.actor.name,
      moved: JSON.stringify(moved),
      adopted_enc: Object.keys(adopted).length ? tx.secrets.encrypt(JSON.stringify(adopted)) : null,
    })
    .execute();
  return id;
}

/**
 * Splits a merge again: the merged customer becomes live with the identifiers it brought, its
 * past events and orders count for it again, and survivor values it had contributed (and that
 * nothing has overwritten since) are undone. Events that arrived after the merge stay with the
 * survivor: they were linked through the survivor's identifiers at the time.
 */
export async function unmerge(ctx: Ctx, workspaceId: string, mergeId: string, by: { actor: Actor; requestId?: string }): Promise<void> {
  await inTransaction(ctx, async (tx) => {
    const merge = await tx.db.selectFrom('identity_merges').selectAll().where('workspace_id', '=', workspaceId).where('id', '=', mergeId).executeTakeFirst();
    if (!merge) throw new AppError('not_found', `merge ${mergeId} does not exist in this workspace`);
    if (merge.unmerged_at) throw new AppError('conflict', 'this merge has been undone already');
    const root = await rootCustomer(tx.db, workspaceId, merge.survivor_id);
    await lockAll(tx.db, [merge.survivor_id, merge.merged_id, root ?? merge.survivor_id].map((c) => customerLock(workspaceId, c)), workspaceId);
    const merged = await tx.db.selectFrom('customers').select('merged_into').where('workspace_id', '=', workspaceId).where('id', '=', merge.merged_id).executeTakeFirstOrThrow();
    if (merged.merged_into !== merge.survivor_id) throw new AppError('conflict', 'the merged customer has been split off already');

    for (const key of merge.moved) {
      await tx.db
        .updateTable('identities')
        .set({ customer_id: merge.merged_id })
        .where('workspace_id', '=', workspaceId)
        .where('type', '=', key.type)
        .where('collection', '=', key.collection)
        .where('value', '=', key.value)
        .where('customer_id', '=', root ?? merge.survivor_id)
        .execute();
    }
    const now = tx.clock.now();
    const survivor = await tx.db.selectFrom('customers').selectAll().where('workspace_id', '=', workspaceId).where('id', '=', merge.survivor_id).executeTakeFirstOrThrow();
    if (merge.adopted_enc && !survivor.merged_into) {
      const profile = readProfile(tx.secrets, survivor);
      revertAdopted(profile, JSON.parse(tx.secrets.decrypt(merge.adopted_enc)) as Adopted);
      await tx.db.updateTable('customers').set({ ...profileColumns(tx.secrets, profile), updated_at: now }).where('workspace_id', '=', workspaceId).where('id', '=', merge.survivor_id).execute();
    }
    await tx.db.updateTable('customers').set({ merged_into: null, merged_at: null, updated_at: now }).where('workspace_id', '=', workspaceId).where('id', '=', merge.merged_id).execute();
    await bumpRemap(tx.db, workspaceId, merge.merged_id);
    await recordIdentityChange(tx, workspaceId, [merge.merged_id, root ?? merge.survivor_id]);
    await tx.db.updateTable('identity_merges').set({ unmerged_at: now, unmerged_by: by.actor.name ?? by.actor.type }).where('workspace_id', '=', workspaceId).where('id', '=', mergeId).execute();
    await recordAudit(tx, tx.db, {
      workspaceId,
      actor: by.actor,
      action: 'identity.unmerge',
      entity: 'customer',
      entityId: merge.merged_id,
      before: { mergedInto: merge.survivor_id, mergeId },
      after: { mergedInto: null },
      requestId: by.requestId,
    });
  });
  await pushAliases(ctx);
}
