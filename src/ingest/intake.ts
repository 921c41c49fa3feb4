import { AppError, type Clock, type FieldError } from '../core/index.js';
import type { Ctx } from '../store/index.js';
import { type Envelope, type InboxEvent, normalizeEvent } from './normalize.js';
import { batchBody, type IngestResponse, type MessageType } from './schema.js';

type Rejection = IngestResponse['rejected'][number];

/** Stores a request's accepted events durably; returns how many were new (not duplicates). */
export type Store = (workspaceId: string, events: InboxEvent[]) => Promise<number>;

/** A request's events: the ones accepted, and the ones refused with the reason. */
export interface Intake {
  accepted: InboxEvent[];
  rejected: Rejection[];
}

/**
 * A `/v1/batch` body's events: valid events are accepted, invalid ones are reported by index
 * (Segment accepts the rest). Throws when no event is acceptable. Depends only on the body and
 * the envelope, so the ingest log can rebuild the same events from them after a restart.
 */
export function acceptBatch(clock: Clock, body: unknown, env: Omit<Envelope, 'sentAt' | 'context'>): Intake {
  const parsed = batchBody.safeParse(body);
  if (!parsed.success) {
    throw new AppError('validation_failed', 'a batch is {"batch": [events…]}', parsed.error.issues.map((i) => ({ path: ['body', ...i.path].join('.'), message: i.message })));
  }
  const envelope: Envelope = { ...env, sentAt: parsed.data.sentAt, context: parsed.data.context };
  const accepted: InboxEvent[] = [];
  const rejected: Rejection[] = [];
  parsed.data.batch.forEach((raw, index) => {
    const n = normalizeEvent(raw, envelope, clock, undefined, index);
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
  return { accepted, rejected };
}

/** `/v1/track`, `/v1/identify`, …: one event, the type given by the path. Throws when it is not acceptable. */
export function acceptOne(clock: Clock, type: MessageType, body: unknown, env: Omit<Envelope, 'sentAt' | 'context'>): Intake {
  const n = normalizeEvent(body, env, clock, type);
  if (!n.ok) throw new AppError(n.code, n.detail, n.errors.map((e: FieldError) => ({ path: ['body', e.path].filter(Boolean).join('.'), message: e.message })));
  return { accepted: [n.event], rejected: [] };
}

/** A request's events by its path: one event of the path's type, or a batch (no type). */
export function acceptEvents(clock: Clock, type: MessageType | undefined, body: unknown, env: Omit<Envelope, 'sentAt' | 'context'>): Intake {
  return type ? acceptOne(clock, type, body, env) : acceptBatch(clock, body, env);
}

/** `/v1/batch`: stores the accepted events (into the inbox unless another store is given, e.g. the API's log). */
export async function ingestBatch(ctx: Ctx, workspaceId: string, body: unknown, env: Omit<Envelope, 'sentAt' | 'context'>, store: Store = (ws, events) => storeInInbox(ctx, ws, events)): Promise<IngestResponse> {
  const { accepted, rejected } = acceptBatch(ctx.clock, body, env);
  const stored = await store(workspaceId, accepted);
  return { success: true, accepted: accepted.length, duplicates: accepted.length - stored, rejected };
}

/**
 * Stores events durably (sealed: they carry personal data); a messageId the workspace has sent
 * before is skipped. Returns how many were new. Concurrent requests are committed together
 * (group commit): while one transaction writes, the requests that arrive wait and then share the
 * next one, so under load a transaction carries many requests' events in a few multi-row inserts
 * instead of one transaction per request queueing for the state store. Every request still
 * returns only after its own events are committed.
 */
async function storeInInbox(ctx: Ctx, workspaceId: string, events: InboxEvent[]): Promise<number> {
  const rows = events.map((e) => ({ workspace_id: workspaceId, message_id: e.messageId, received_at: new Date(e.receivedAt), payload: ctx.secrets.encrypt(JSON.stringify(e)) }));
  if (ctx.db.isTransaction) return (await insertInboxRows(ctx, [rows]))[0];
  let group = groups.get(ctx.db);
  if (!group) groups.set(ctx.db, (group = { waiting: [], writing: false }));
  const g = group;
  return new Promise<number>((resolve, reject) => {
    g.waiting.push({ rows, resolve, reject });
    if (!g.writing) void commitGroups(ctx, g);
  });
}

export type InboxRow = { workspace_id: string; message_id: string; received_at: Date; payload: string };
interface Waiting {
  rows: InboxRow[];
  resolve: (stored: number) => void;
  reject: (err: unknown) => void;
}
interface Group {
  waiting: Waiting[];
  writing: boolean;
}
/** One group-commit queue per state store (a process may hold several in tests). */
const groups = new WeakMap<object, Group>();
/** Requests sharing one transaction at most (bounds its size: 500 KB batches). */
const GROUP_MAX_ROWS = 20_000;

async function commitGroups(ctx: Ctx, g: Group): Promise<void> {
  g.writing = true;
  try {
    while (g.waiting.length) {
      const take: Waiting[] = [];
      let n = 0;
      while (g.waiting.length && (take.length === 0 || n + g.waiting[0].rows.length <= GROUP_MAX_ROWS)) {
        const w = g.waiting.shift()!;
        take.push(w);
        n += w.rows.length;
      }
      try {
        const stored = await ctx.db.transaction().execute((trx) => insertInboxRows({ ...ctx, db: trx }, take.map((w) => w.rows)));
        take.forEach((w, i) => w.resolve(stored[i]));
      } catch (err) {
        for (const w of take) w.reject(err);
      }
    }
  } finally {
    g.writing = false;
  }
}

/**
 * Inserts the requests' rows with a few multi-row statements; returns how many rows of each
 * request were new (a messageId sent twice, in one request or in two, counts once: for the first).
 */
export async function insertInboxRows(tx: Ctx, requests: InboxRow[][]): Promise<number[]> {
  const key = (r: { workspace_id: string; message_id: string }) => `${r.workspace_id}\u0000${r.message_id}`;
  const unique = new Map<string, InboxRow>();
  for (const rows of requests) for (const r of rows) if (!unique.has(key(r))) unique.set(key(r), r);
  const all = [...unique.values()];
  const stored = new Set<string>();
  // PostgreSQL takes at most 65,535 parameters per statement.
  for (let i = 0; i < all.length; i += 5000) {
    const res = await tx.db
      .insertInto('ingest_inbox')
      .values(all.slice(i, i + 5000))
      .onConflict((oc) => oc.columns(['workspace_id', 'message_id']).doNothing())
      .returning(['workspace_id', 'message_id'])
      .execute();
    for (const r of res) stored.add(key(r));
  }
  return requests.map((rows) => {
    let n = 0;
    for (const r of rows) if (stored.delete(key(r))) n++;
    return n;
  });
}

function messageIdOf(raw: unknown): string | null {
  const id = raw && typeof raw === 'object' ? (raw as { messageId?: unknown }).messageId : undefined;
  return typeof id === 'string' ? id.slice(0, 200) : null;
}
