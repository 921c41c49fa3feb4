import type { Kysely } from 'kysely';
import { newId } from '../core/index.js';
import type { Ctx, StateDB } from '../store/index.js';

/** Who did something: a signed-in operator, an API key, the CLI or Siyu itself. */
export interface Actor {
  type: 'operator' | 'apikey' | 'cli' | 'system';
  id: string | null;
  name: string | null;
}

export const systemActor: Actor = { type: 'system', id: null, name: 'system' };
export const cliActor: Actor = { type: 'cli', id: null, name: 'siyu cli' };

export interface AuditEntry {
  workspaceId: string;
  actor: Actor;
  action: string;
  entity: string;
  entityId?: string | null;
  before?: unknown;
  after?: unknown;
  requestId?: string | null;
}

/** Written in the same transaction as the change it describes, so the log never disagrees with the data. */
export async function recordAudit(ctx: Pick<Ctx, 'clock'>, db: Kysely<StateDB>, entry: AuditEntry): Promise<void> {
  await db
    .insertInto('audit_log')
    .values({
      workspace_id: entry.workspaceId,
      id: newId(ctx.clock),
      at: ctx.clock.now(),
      actor_type: entry.actor.type,
      actor_id: entry.actor.id,
      actor_name: entry.actor.name,
      action: entry.action,
      entity: entry.entity,
      entity_id: entry.entityId ?? null,
      before: entry.before === undefined ? null : JSON.stringify(entry.before),
      after: entry.after === undefined ? null : JSON.stringify(entry.after),
      request_id: entry.requestId ?? null,
    })
    .execute();
}

export interface AuditPage {
  items: {
    id: string;
    at: Date;
    actor: { type: string; id: string | null; name: string | null };
    action: string;
    entity: string;
    entityId: string | null;
    before: unknown;
    after: unknown;
    requestId: string | null;
  }[];
  nextCursor: string | null;
}

/** Newest first; the cursor is the last id seen (UUIDv7 ids sort by time). */
export async function listAudit(ctx: Ctx, workspaceId: string, opts: { cursor?: string; limit: number }): Promise<AuditPage> {
  let q = ctx.db
    .selectFrom('audit_log')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .orderBy('id', 'desc')
    .limit(opts.limit + 1);
  if (opts.cursor) q = q.where('id', '<', opts.cursor);
  const rows = await q.execute();
  const page = rows.slice(0, opts.limit);
  return {
    items: page.map((r) => ({
      id: r.id,
      at: r.at,
      actor: { type: r.actor_type, id: r.actor_id, name: r.actor_name },
      action: r.action,
      entity: r.entity,
      entityId: r.entity_id,
      before: r.before,
      after: r.after,
      requestId: r.request_id,
    })),
    nextCursor: rows.length > opts.limit ? page[page.length - 1].id : null,
  };
}
