import { drainInbox, ingestBatch, normalizeEvent } from '../ingest/index.js';
import { loadIdentityRules } from '../identity/index.js';
import type { Ctx } from '../store/index.js';
import type { BuildEnv, Built, Message } from './build.js';
import { customerMessages } from './customers.js';
import { eventMessages } from './events.js';
import { type ChunkOutcome, finishJob, LeaseLost, recordChunk, releaseJob } from './jobs.js';
import { MAX_ORDER_LINES, orderKey, orderMessages } from './orders.js';
import { type ReadItem, type Meter, readRecords } from './read.js';
import { mapRow, type MappedRow, planMapping, type RowError } from './row.js';
import type { ImportJob } from './schema.js';

export interface RunOptions {
  /** Lease owner: only the holder may record progress. */
  owner: string;
  /** Process the inbox after every chunk, so the import is done (OneID, orders) when this returns. */
  drain?: boolean;
  chunkRows?: number;
  onProgress?(job: ImportJob): void;
  /** Stop after the current chunk, handing the job back to the queue (a worker shutting down). */
  signal?: AbortSignal;
}

/** Rows that stand or fall together: one row, or the adjacent rows of one order. */
interface Unit {
  lines: number[];
  built: Built;
}

/**
 * Runs an import job over its file: rows become Segment messages that go through the collection
 * API's intake in chunks (durable inbox, messageId de-duplication), so imported ids go through
 * OneID like live ones. After every chunk the counters, errors and checkpoint are recorded with
 * the lease; a job taken over after a crash resumes after the checkpoint.
 */
export async function runImport(ctx: Ctx, job: ImportJob, source: AsyncIterable<Buffer>, opts: RunOptions): Promise<ImportJob> {
  const env = await buildEnv(ctx, job);
  const plan = planMapping(job.kind, job.mapping, job.format === 'jsonl');
  const meter: Meter = { bytes: 0 };
  const chunkRows = opts.chunkRows ?? 1000;
  let current = job;
  let batch: Unit[] = [];
  let rows = 0;
  const flush = async () => {
    if (batch.length === 0) return;
    const outcome = await ingestUnits(ctx, current.workspace_id, batch, meter.bytes);
    current = await recordChunk(ctx, current, opts.owner, outcome);
    batch = [];
    rows = 0;
    if (opts.drain) await drainInbox(ctx);
    opts.onProgress?.(current);
  };
  try {
    for await (const unit of units(readRecords(source, job, meter), job, plan, env)) {
      if (unit.lines[0] <= job.line_done) continue; // counted by the run before the crash
      batch.push(unit);
      rows += unit.lines.length;
      if (rows >= chunkRows) await flush();
      if (opts.signal?.aborted && batch.length === 0) return await releaseJob(ctx, current, opts.owner);
    }
    await flush();
    return await finishJob(ctx, current, { status: 'completed' });
  } catch (err) {
    if (err instanceof LeaseLost) throw err;
    await finishJob(ctx, current, { status: 'failed', message: `stopped: ${(err as Error).message ?? String(err)}` }).catch(() => undefined);
    throw err;
  }
}

async function buildEnv(ctx: Ctx, job: ImportJob): Promise<BuildEnv> {
  const ws = await ctx.db.selectFrom('workspaces').select('timezone').where('id', '=', job.workspace_id).executeTakeFirstOrThrow();
  return {
    kind: job.kind,
    jobId: job.id,
    timeZone: ws.timezone,
    now: ctx.clock.now(),
    importedAt: job.created_at,
    rules: await loadIdentityRules(ctx.db, job.workspace_id),
    anonymousIdFor: (id) => `imp-${ctx.secrets.blindIndex('import-anonymous-id', `${job.workspace_id}\u0000${id.type}\u0000${id.collection}\u0000${id.value}`)}`,
    // Keyed (HMAC), not a plain hash: natural keys include phones, which a plain hash would reveal.
    messageId: (key) => `imp-${job.kind}-${ctx.secrets.blindIndex('import-message', `${job.workspace_id}\u0000${job.kind}\u0000${key}`)}`,
  };
}

/** Records → units: orders group adjacent rows by order id; a problem record fails alone. */
async function* units(items: AsyncIterable<ReadItem>, job: ImportJob, plan: ReturnType<typeof planMapping>, env: BuildEnv): AsyncGenerator<Unit> {
  let group: MappedRow[] = [];
  let key: string | null = null;
  let overflow: string | null = null; // order id whose rows are past MAX_ORDER_LINES
  const closeGroup = (): Unit | null => {
    if (group.length === 0) return null;
    const unit = { lines: group.map((r) => r.line), built: orderMessages(group, env) };
    group = [];
    return unit;
  };
  for await (const item of items) {
    if (item.kind === 'header') continue;
    if (item.kind === 'problem') {
      const done = closeGroup();
      if (done) yield done;
      key = null;
      yield { lines: [item.line], built: { ok: false, errors: [{ line: item.line, field: 'row', column: null, reason: item.reason, value: null }] } };
      continue;
    }
    const row = mapRow(item.line, item.values, plan);
    if (job.kind !== 'orders') {
      yield { lines: [row.line], built: job.kind === 'customers' ? customerMessages(row, env) : eventMessages(row, env) };
      continue;
    }
    const k = orderKey(row);
    if (k !== null && k === overflow) {
      yield { lines: [row.line], built: { ok: false, errors: [{ line: row.line, field: 'row', column: null, reason: `order ${k} has more than ${MAX_ORDER_LINES} line items`, value: null }] } };
      continue;
    }
    if (k === null || k !== key) {
      const done = closeGroup();
      if (done) yield done;
    }
    key = k;
    group.push(row);
    if (group.length > MAX_ORDER_LINES) {
      overflow = k;
      yield closeGroup()!;
    }
  }
  const last = closeGroup();
  if (last) yield last;
}

/**
 * One chunk through the collection API's intake. Every message is validated first exactly as
 * intake will (so a row is refused whole, never half-stored); rows whose messages the inbox has
 * already seen are duplicates and are not sent again.
 */
async function ingestUnits(ctx: Ctx, workspaceId: string, units: Unit[], bytesDone: number): Promise<ChunkOutcome> {
  const envelope = { receivedAt: ctx.clock.now(), ip: '' };
  const out: ChunkOutcome = { rows: 0, imported: 0, duplicates: 0, failed: 0, errors: [], lineDone: 0, bytesDone };
  const valid: { unit: Unit; messages: Message[] }[] = [];
  for (const unit of units) {
    out.rows += unit.lines.length;
    out.lineDone = Math.max(out.lineDone, ...unit.lines);
    const refusal = unit.built.ok ? intakeRefusal(ctx, unit, envelope) : unit.built.errors;
    if (refusal.length) {
      out.failed += unit.lines.length;
      out.errors.push(...refusal);
    } else if (unit.built.ok) valid.push({ unit, messages: unit.built.messages });
  }
  const seen = await seenMessageIds(ctx, workspaceId, valid.flatMap((v) => v.messages.map((m) => m.messageId as string)));
  const fresh: typeof valid = [];
  for (const v of valid) {
    const ids = v.messages.map((m) => m.messageId as string);
    // Seen before, or earlier in this chunk (the same row twice in the file).
    if (ids.every((id) => seen.has(id))) out.duplicates += v.unit.lines.length;
    else {
      fresh.push(v);
      out.imported += v.unit.lines.length;
      for (const id of ids) seen.add(id);
    }
  }
  if (fresh.length) await ingestBatch(ctx, workspaceId, { batch: fresh.flatMap((v) => v.messages) }, envelope);
  return out;
}

function intakeRefusal(ctx: Ctx, unit: Unit, envelope: { receivedAt: Date; ip: string }): RowError[] {
  if (!unit.built.ok) return unit.built.errors;
  for (const m of unit.built.messages) {
    const n = normalizeEvent(m, envelope, ctx.clock);
    if (!n.ok) return [{ line: unit.lines[0], field: 'row', column: null, reason: n.detail, value: null }];
  }
  return [];
}

async function seenMessageIds(ctx: Ctx, workspaceId: string, ids: string[]): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const rows = await ctx.db.selectFrom('ingest_inbox').select('message_id').where('workspace_id', '=', workspaceId).where('message_id', 'in', ids).execute();
  return new Set(rows.map((r) => r.message_id));
}
