import { AppError, type FieldError } from '../core/index.js';
import type { Ctx } from '../store/index.js';
import { type Envelope, type InboxEvent, normalizeEvent } from './normalize.js';
import { batchBody, type IngestResponse, type MessageType } from './schema.js';

type Rejection = IngestResponse['rejected'][number];

/** `/v1/batch`: valid events are stored, invalid ones are reported by index (Segment accepts the rest). */
export async function ingestBatch(ctx: Ctx, workspaceId: string, body: unknown, env: Omit<Envelope, 'sentAt' | 'context'>): Promise<IngestResponse> {
  const parsed = batchBody.safeParse(body);
  if (!parsed.success) {
    throw new AppError('validation_failed', 'a batch is {"batch": [events…]}', parsed.error.issues.map((i) => ({ path: ['body', ...i.path].join('.'), message: i.message })));
  }
  const envelope: Envelope = { ...env, sentAt: parsed.data.sentAt, context: parsed.data.context };
  const accepted: InboxEvent[] = [];
  const rejected: Rejection[] = [];
  parsed.data.batch.forEach((raw, index) => {
    const n = normalizeEvent(raw, envelope, ctx.clock);
    if (n.ok) accepted.push(n.event);
    else rejected.push({ index, messageId: messageIdOf(raw), code: n.code, detail: n.detail, errors: n.errors });
  });
  if (accepted.length === 0) {
    const tooLarge = rejected.every((r) => r.code === 'payload_too_large');
    throw new AppError(
      tooLarge ? 'payload_too_large' : 'validation_failed',
      `no event of the batch was accepted: ${rejected[0].detail}`,
      rejected.flatMap((r) => (r.errors.length ? r.errors : [{ path: '', message: r.detail }]).map((e) => ({ path: ['batch', r.index, e.path].filter((p) => p !== '').join('.'), message: e.message }))),
    );
  }
  const stored = await storeInInbox(ctx, workspaceId, accepted);
  return { success: true, accepted: accepted.length, duplicates: accepted.length - stored, rejected };
}

/** `/v1/track`, `/v1/identify`, …: one event, the type given by the path. */
export async function ingestOne(ctx: Ctx, workspaceId: string, type: MessageType, body: unknown, env: Omit<Envelope, 'sentAt' | 'context'>): Promise<IngestResponse> {
  const n = normalizeEvent(body, env, ctx.clock, type);
  if (!n.ok) throw new AppError(n.code, n.detail, n.errors.map((e: FieldError) => ({ path: ['body', e.path].filter(Boolean).join('.'), message: e.message })));
  const stored = await storeInInbox(ctx, workspaceId, [n.event]);
  return { success: true, accepted: 1, duplicates: 1 - stored, rejected: [] };
}

/**
 * Stores events durably (sealed: they carry personal data) in one transaction; a messageId the
 * workspace has sent before is skipped. Returns how many were new.
 */
async function storeInInbox(ctx: Ctx, workspaceId: string, events: InboxEvent[]): Promise<number> {
  const rows = events.map((e) => ({ workspace_id: workspaceId, message_id: e.messageId, received_at: new Date(e.receivedAt), payload: ctx.secrets.encrypt(JSON.stringify(e)) }));
  return ctx.db.transaction().execute(async (trx) => {
    let stored = 0;
    // PostgreSQL takes at most 65,535 parameters per statement.
    for (let i = 0; i < rows.length; i += 2000) {
      const res = await trx
        .insertInto('ingest_inbox')
        .values(rows.slice(i, i + 2000))
        .onConflict((oc) => oc.columns(['workspace_id', 'message_id']).doNothing())
        .returning('message_id')
        .execute();
      stored += res.length;
    }
    return stored;
  });
}

function messageIdOf(raw: unknown): string | null {
  const id = raw && typeof raw === 'object' ? (raw as { messageId?: unknown }).messageId : undefined;
  return typeof id === 'string' ? id.slice(0, 200) : null;
}
