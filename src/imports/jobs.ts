import type { Insertable } from 'kysely';
import { AppError, newId } from '../core/index.js';
import type { Ctx } from '../store/index.js';
import type { RowError } from './row.js';
import type { FieldMapping, ImportEncoding, ImportErrorView, ImportFormat, ImportJob, ImportKind, ImportsTable, ImportView } from './schema.js';

/** A running job renews its lease with every chunk; one whose lease ran out is taken over. */
export const LEASE_MS = 5 * 60_000;
/** The report keeps this many errors; `failed` still counts every refused row. */
export const MAX_ERROR_ROWS = 10_000;
/** Uploads that never finished (the API process died mid-upload) are given up after this. */
const STALE_UPLOAD_MS = 60 * 60_000;

export interface NewImport {
  kind: ImportKind;
  format: ImportFormat;
  encoding: ImportEncoding;
  filename: string;
  mapping: FieldMapping;
  createdBy: string | null;
}

/** An upload: not claimable until its file is stored (`queued`). */
export async function createUploadJob(ctx: Ctx, workspaceId: string, input: NewImport): Promise<ImportJob> {
  return insertJob(ctx, workspaceId, input, { source: 'upload', status: 'uploading' });
}

/** A CLI import, run in the CLI's own process: running from the start, under the CLI's lease. */
export async function createCliJob(ctx: Ctx, workspaceId: string, input: NewImport, totalBytes: number, owner: string): Promise<ImportJob> {
  const now = ctx.clock.now();
  return insertJob(ctx, workspaceId, input, { source: 'cli', status: 'running', total_bytes: totalBytes, started_at: now, lease_owner: owner, lease_until: new Date(now.getTime() + LEASE_MS) });
}

async function insertJob(ctx: Ctx, workspaceId: string, input: NewImport, extra: Pick<Insertable<ImportsTable>, 'source' | 'status' | 'total_bytes' | 'started_at' | 'lease_owner' | 'lease_until'>): Promise<ImportJob> {
  return ctx.db
    .insertInto('imports')
    .values({
      workspace_id: workspaceId,
      id: newId(ctx.clock),
      kind: input.kind,
      format: input.format,
      encoding: input.encoding,
      filename: input.filename.slice(0, 300),
      mapping: JSON.stringify(input.mapping),
      created_by: input.createdBy,
      created_at: ctx.clock.now(),
      ...extra,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function markQueued(ctx: Ctx, job: ImportJob, totalBytes: number): Promise<ImportJob> {
  return ctx.db.updateTable('imports').set({ status: 'queued', total_bytes: totalBytes }).where('workspace_id', '=', job.workspace_id).where('id', '=', job.id).returningAll().executeTakeFirstOrThrow();
}

export async function deleteJob(ctx: Ctx, job: Pick<ImportJob, 'workspace_id' | 'id'>): Promise<void> {
  await ctx.db.deleteFrom('imports').where('workspace_id', '=', job.workspace_id).where('id', '=', job.id).execute();
}

export interface ChunkOutcome {
  rows: number;
  imported: number;
  duplicates: number;
  failed: number;
  errors: RowError[];
  lineDone: number;
  bytesDone: number;
}

export class LeaseLost extends Error {
  constructor() {
    super('another process took over this import');
  }
}

/**
 * Records one chunk's outcome and renews the lease, in one transaction: the counters, the
 * checkpoint and the errors always agree. Errors of a chunk done again after a crash are kept once.
 */
export async function recordChunk(ctx: Ctx, job: ImportJob, owner: string, o: ChunkOutcome): Promise<ImportJob> {
  const room = Math.max(0, MAX_ERROR_ROWS - job.error_rows);
  const errors = o.errors.slice(0, room);
  return ctx.db.transaction().execute(async (trx) => {
    if (errors.length) {
      await trx
        .insertInto('import_errors')
        .values(errors.map((e) => ({ workspace_id: job.workspace_id, import_id: job.id, line: e.line, field: e.field, column_name: e.column, reason: e.reason.slice(0, 1000), value: e.value })))
        .onConflict((oc) => oc.columns(['workspace_id', 'import_id', 'line', 'field']).doNothing())
        .execute();
    }
    const updated = await trx
      .updateTable('imports')
      .set((eb) => ({
        rows_read: eb('rows_read', '+', o.rows),
        imported: eb('imported', '+', o.imported),
        duplicates: eb('duplicates', '+', o.duplicates),
        failed: eb('failed', '+', o.failed),
        error_rows: eb('error_rows', '+', errors.length),
        line_done: o.lineDone,
        bytes_done: o.bytesDone,
        lease_until: new Date(ctx.clock.now().getTime() + LEASE_MS),
      }))
      .where('workspace_id', '=', job.workspace_id)
      .where('id', '=', job.id)
      .where('lease_owner', '=', owner)
      .returningAll()
      .executeTakeFirst();
    if (!updated) throw new LeaseLost();
    return updated;
  });
}

export async function finishJob(ctx: Ctx, job: ImportJob, outcome: { status: 'completed' | 'failed'; message?: string }): Promise<ImportJob> {
  return ctx.db.transaction().execute(async (trx) => {
    await trx.deleteFrom('import_chunks').where('workspace_id', '=', job.workspace_id).where('import_id', '=', job.id).execute();
    return trx
      .updateTable('imports')
      .set((eb) => ({
        status: outcome.status,
        message: outcome.message ?? null,
        finished_at: ctx.clock.now(),
        lease_owner: null,
        lease_until: null,
        bytes_done: outcome.status === 'completed' ? eb.ref('total_bytes') : eb.ref('bytes_done'),
      }))
      .where('workspace_id', '=', job.workspace_id)
      .where('id', '=', job.id)
      .returningAll()
      .executeTakeFirstOrThrow();
  });
}

/** Hands a job back to the queue, to be resumed after its checkpoint by whichever worker claims it. */
export async function releaseJob(ctx: Ctx, job: ImportJob, owner: string): Promise<ImportJob> {
  const released = await ctx.db
    .updateTable('imports')
    .set({ status: 'queued', lease_owner: null, lease_until: null })
    .where('workspace_id', '=', job.workspace_id)
    .where('id', '=', job.id)
    .where('lease_owner', '=', owner)
    .returningAll()
    .executeTakeFirst();
  return released ?? job;
}

/** The oldest upload waiting (or whose worker died), taken under a lease; other workers skip it. */
export async function claimJob(ctx: Ctx, owner: string): Promise<ImportJob | null> {
  const now = ctx.clock.now();
  return ctx.db.transaction().execute(async (trx) => {
    const job = await trx
      .selectFrom('imports')
      .selectAll()
      .where('source', '=', 'upload')
      .where((eb) => eb.or([eb('status', '=', 'queued'), eb.and([eb('status', '=', 'running'), eb('lease_until', '<', now)])]))
      .orderBy('created_at')
      .limit(1)
      .forUpdate()
      .skipLocked()
      .executeTakeFirst();
    if (!job) return null;
    return trx
      .updateTable('imports')
      .set({ status: 'running', lease_owner: owner, lease_until: new Date(now.getTime() + LEASE_MS), started_at: job.started_at ?? now })
      .where('workspace_id', '=', job.workspace_id)
      .where('id', '=', job.id)
      .returningAll()
      .executeTakeFirstOrThrow();
  });
}

/**
 * Jobs nobody will finish: CLI imports whose process died (they cannot be resumed elsewhere, the
 * file was on that machine) and uploads that never completed. Their files are dropped.
 */
export async function sweepAbandoned(ctx: Ctx): Promise<number> {
  const now = ctx.clock.now();
  const stale = await ctx.db
    .updateTable('imports')
    .set((eb) => ({
      status: 'failed',
      finished_at: now,
      message: eb.case().when('source', '=', 'cli').then('interrupted: the siyu import command stopped before the end; run it again (rows imported already are skipped)').else('the upload did not finish; upload the file again').end(),
      lease_owner: null,
      lease_until: null,
    }))
    .where((eb) =>
      eb.or([
        eb.and([eb('source', '=', 'cli'), eb('status', '=', 'running'), eb('lease_until', '<', now)]),
        eb.and([eb('status', '=', 'uploading'), eb('created_at', '<', new Date(now.getTime() - STALE_UPLOAD_MS))]),
      ]),
    )
    .returning(['workspace_id', 'id'])
    .execute();
  for (const j of stale) await ctx.db.deleteFrom('import_chunks').where('workspace_id', '=', j.workspace_id).where('import_id', '=', j.id).execute();
  return stale.length;
}

export async function getJob(ctx: Ctx, workspaceId: string, id: string): Promise<ImportJob> {
  const job = await ctx.db.selectFrom('imports').selectAll().where('workspace_id', '=', workspaceId).where('id', '=', id).executeTakeFirst();
  if (!job) throw new AppError('not_found', `there is no import ${id}`);
  return job;
}

export async function listJobs(ctx: Ctx, workspaceId: string, q: { cursor?: string; limit: number }): Promise<{ items: ImportView[]; nextCursor: string | null }> {
  let query = ctx.db.selectFrom('imports').selectAll().where('workspace_id', '=', workspaceId).orderBy('id', 'desc').limit(q.limit + 1);
  if (q.cursor) query = query.where('id', '<', q.cursor);
  const rows = await query.execute();
  const page = rows.slice(0, q.limit);
  return { items: page.map(importView), nextCursor: rows.length > q.limit ? page[page.length - 1].id : null };
}

export function importView(j: ImportJob): ImportView {
  const total = Number(j.total_bytes);
  const done = Number(j.bytes_done);
  return {
    id: j.id,
    kind: j.kind,
    format: j.format,
    encoding: j.encoding,
    filename: j.filename,
    mapping: j.mapping,
    status: j.status,
    progress: {
      bytesDone: done,
      totalBytes: total,
      rowsDone: j.rows_read,
      percent: j.status === 'completed' ? 100 : total > 0 ? Math.min(100, Math.floor((done / total) * 1000) / 10) : 0,
    },
    summary: { rowsRead: j.rows_read, imported: j.imported, duplicates: j.duplicates, failed: j.failed },
    errorCount: j.error_rows,
    message: j.message,
    createdBy: j.created_by,
    createdAt: j.created_at.toISOString(),
    startedAt: j.started_at?.toISOString() ?? null,
    finishedAt: j.finished_at?.toISOString() ?? null,
  };
}

/** Errors in line order, keyset-paged by (line, field); the cursor is opaque to clients. */
export async function listErrors(ctx: Ctx, workspaceId: string, id: string, q: { cursor?: string; limit: number }): Promise<{ items: ImportErrorView[]; nextCursor: string | null }> {
  const after = q.cursor ? decodeCursor(q.cursor) : null;
  const rows = await ctx.db
    .selectFrom('import_errors')
    .select(['line', 'field', 'column_name', 'reason', 'value'])
    .where('workspace_id', '=', workspaceId)
    .where('import_id', '=', id)
    .$if(after !== null, (qb) => qb.where((eb) => eb(eb.refTuple('line', 'field'), '>', eb.tuple(after!.line, after!.field))))
    .orderBy('line')
    .orderBy('field')
    .limit(q.limit + 1)
    .execute();
  const page = rows.slice(0, q.limit);
  const last = page[page.length - 1];
  return {
    items: page.map((r) => ({ line: r.line, field: r.field, column: r.column_name, reason: r.reason, value: r.value })),
    nextCursor: rows.length > q.limit ? Buffer.from(JSON.stringify([last.line, last.field])).toString('base64url') : null,
  };
}

function decodeCursor(cursor: string): { line: number; field: string } {
  try {
    const [line, field] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown[];
    if (Number.isInteger(line) && typeof field === 'string') return { line: line as number, field };
  } catch {
    // fall through
  }
  throw new AppError('validation_failed', 'the cursor is not one this API returned', [{ path: 'querystring.cursor', message: 'invalid cursor' }]);
}

/** The whole report as CSV (with a BOM, so Excel opens the Chinese text right), page by page. */
export async function* errorsCsv(ctx: Ctx, workspaceId: string, id: string): AsyncGenerator<string> {
  yield '\uFEFFline,field,column,reason,value\n';
  let cursor: string | undefined;
  do {
    const page = await listErrors(ctx, workspaceId, id, { cursor, limit: 1000 });
    if (page.items.length) yield page.items.map((r) => [r.line, r.field, r.column ?? '', r.reason, r.value ?? ''].map(csvCell).join(',')).join('\n') + '\n';
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
}

/** Quoted when needed; a leading =, +, - or @ (but a plain number) is defused so a spreadsheet never runs it as a formula. */
function csvCell(v: string | number): string {
  let s = String(v);
  if (/^[=+\-@\t\r]/.test(s) && !/^-?\d+(\.\d+)?$/.test(s)) s = `'${s}`;
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}
