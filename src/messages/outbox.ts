import type { Insertable, Kysely } from 'kysely';
import { newId } from '../core/index.js';
import type { StateDB } from '../store/index.js';
import type { Channel } from '../channels/index.js';

export interface EnqueueInput {
  workspaceId: string;
  customerId: string;
  channel: Channel;
  templateId: string;
  /** Unique per workspace: journeys use `j:${runId}:${stepId}`, campaigns `c:${campaignId}:${customerId}`. */
  idempotencyKey: string;
  source: { kind: 'journey' | 'campaign' | 'manual'; id: string; runId?: string; stepId?: string; variant?: string };
  /** Extra template variables: `event` = {name, properties}, `grant` = granted items. */
  vars: Record<string, unknown>;
  /** Defer to the next golden window. */
  golden: boolean;
  /** Counts against frequency caps. */
  marketing: boolean;
  notBefore?: Date;
  /** The caller's `ctx.clock.now()`: creation time, and the due time without notBefore (the outbox has no clock of its own). */
  now: Date;
}

export interface EnqueueResult {
  id: string;
  created: boolean;
}

/** The outbox row of one message: queued, due at notBefore (or at once), id from its creation time. */
function messageRow(input: EnqueueInput): Insertable<StateDB['messages']> {
  const now = input.now;
  return {
    workspace_id: input.workspaceId,
    id: newId({ now: () => now }),
    customer_id: input.customerId,
    channel: input.channel,
    template_id: input.templateId,
    idempotency_key: input.idempotencyKey,
    source_kind: input.source.kind,
    source_id: input.source.id,
    run_id: input.source.runId ?? null,
    step_id: input.source.stepId ?? null,
    variant: input.source.variant ?? null,
    vars: JSON.stringify(input.vars ?? {}),
    golden: input.golden,
    marketing: input.marketing,
    status: 'queued',
    attempts: 0,
    // Without notBefore or now the row is due at once, whatever the dispatcher's clock says.
    not_before: input.notBefore ?? now,
    created_at: now,
  };
}

/**
 * Puts a message in the outbox, in the caller's transaction (or on the db). A second call with the
 * same idempotency key does nothing and returns the first row's id with created=false, so a
 * journey step or campaign that is retried after a crash never queues a send twice.
 */
export async function enqueueMessage(trx: Kysely<StateDB>, input: EnqueueInput): Promise<EnqueueResult> {
  const inserted = await trx
    .insertInto('messages')
    .values(messageRow(input))
    .onConflict((oc) => oc.columns(['workspace_id', 'idempotency_key']).doNothing())
    .returning('id')
    .executeTakeFirst();
  if (inserted) return { id: inserted.id, created: true };
  const existing = await trx
    .selectFrom('messages')
    .select('id')
    .where('workspace_id', '=', input.workspaceId)
    .where('idempotency_key', '=', input.idempotencyKey)
    .executeTakeFirstOrThrow();
  return { id: existing.id, created: false };
}

/**
 * enqueueMessage for many messages in one statement (journey batches): rows whose idempotency key
 * exists are skipped. Returns how many were queued.
 */
export async function enqueueMessages(trx: Kysely<StateDB>, inputs: readonly EnqueueInput[]): Promise<number> {
  let queued = 0;
  for (let i = 0; i < inputs.length; i += 1000) {
    const rows = inputs.slice(i, i + 1000).map(messageRow);
    const res = await trx
      .insertInto('messages')
      .values(rows)
      .onConflict((oc) => oc.columns(['workspace_id', 'idempotency_key']).doNothing())
      .executeTakeFirst();
    queued += Number(res.numInsertedOrUpdatedRows ?? 0);
  }
  return queued;
}
