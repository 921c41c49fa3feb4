import { AppError } from '../core/index.js';
import type { Ctx } from '../store/index.js';
import { checkMapping, suggestMapping } from './fields.js';
import { createUploadJob, deleteJob, markQueued } from './jobs.js';
import { detectFormat, readRecords } from './read.js';
import { fieldMapping, type FieldMapping, type ImportEncoding, type ImportFormat, type ImportJob, type ImportKind, uploadFields } from './schema.js';

/** What is read of a file before importing it: enough for the header, a preview and the encoding check. */
export const HEAD_BYTES = 64 * 1024;
/** Uploads are stored in pieces of this size (sealed), and read back one by one. */
const CHUNK_BYTES = 1024 * 1024;
export const MAX_UPLOAD_BYTES = 1024 * 1024 * 1024;
const PREVIEW_ROWS = 20;

export interface Inspection {
  format: ImportFormat;
  /** CSV header; for JSONL, the keys of the first records. */
  columns: string[];
  rows: Record<string, unknown>[];
}

const invalid = (path: string, message: string) => new AppError('validation_failed', message, [{ path, message }]);

/**
 * Reads the head of a file: checks it is text in the given encoding, finds the format, the
 * columns and the first rows. `complete` says the head is the whole file (else its last,
 * possibly cut, line is left out).
 */
export async function inspectHead(head: Buffer, opts: { filename: string; format?: ImportFormat; encoding: ImportEncoding; complete: boolean }): Promise<Inspection> {
  const text = opts.complete ? head : head.subarray(0, head.lastIndexOf(0x0a) + 1);
  if (text.toString('utf8').trim() === '') throw invalid('file', opts.complete ? 'the file is empty' : 'the first line is longer than 64 KB: is this a CSV or JSONL file?');
  try {
    new TextDecoder(opts.encoding, { fatal: true }).decode(text);
  } catch {
    const hint = opts.encoding === 'utf-8' ? ': a file saved by Excel in Chinese is usually GB18030, choose that encoding' : '';
    throw invalid('encoding', `the file is not ${opts.encoding.toUpperCase()} text${hint}`);
  }
  const format = opts.format ?? detectFormat(opts.filename, head);
  let columns: string[] = [];
  const rows: Record<string, unknown>[] = [];
  const keys = new Set<string>();
  for await (const item of readRecords(once(text), { format, encoding: opts.encoding })) {
    if (item.kind === 'header') columns = item.columns;
    else if (item.kind === 'problem' && rows.length === 0 && format === 'jsonl') throw invalid('file', `line ${item.line} ${item.reason}: is this a JSONL file (one JSON object a line)?`);
    else if (item.kind === 'row') {
      rows.push(item.values);
      for (const k of Object.keys(item.values)) keys.add(k);
    }
    if (rows.length >= PREVIEW_ROWS) break;
  }
  if (format === 'jsonl') columns = [...keys];
  if (columns.length === 0) throw invalid('file', format === 'csv' ? 'the file has no header line' : 'the file has no JSON object');
  return { format, columns, rows };
}

async function* once(b: Buffer): AsyncGenerator<Buffer> {
  yield b;
}

/** The mapping to use: the one given, else the suggestion; refused with every reason when it does not fit. */
export function resolveMapping(kind: ImportKind, inspection: Inspection, given?: FieldMapping): FieldMapping {
  const mapping = given ?? suggestMapping(kind, inspection.columns);
  // JSONL records need not all have the same keys: a column absent from the first ones is fine.
  const errors = checkMapping(kind, mapping, inspection.format === 'csv' ? inspection.columns : null);
  if (errors.length) throw new AppError('validation_failed', `the field mapping does not fit this ${kind} file: ${errors.map((e) => e.message).join('; ')}`, errors);
  return mapping;
}

export interface UploadedFile {
  filename: string;
  /** Errors when the file goes past the upload limit. */
  stream: AsyncIterable<Buffer>;
}

/**
 * Takes an uploaded file: checks kind, mapping and encoding against its head (a 4xx before
 * anything is stored), then stores it sealed in the state store, where any worker can read it.
 */
export async function acceptUpload(ctx: Ctx, workspaceId: string, createdBy: string | null, rawFields: Record<string, string>, file: UploadedFile): Promise<ImportJob> {
  const fields = uploadFields.safeParse(rawFields);
  if (!fields.success) throw new AppError('validation_failed', 'kind (customers, orders or events), format and encoding are form fields sent before the file', fields.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })));
  const given = fields.data.mapping === undefined ? undefined : parseMapping(fields.data.mapping);
  const pieces = rechunk(file.stream, CHUNK_BYTES);
  const first = await pieces.next();
  const head = first.done ? Buffer.alloc(0) : first.value;
  const inspection = await inspectHead(head.subarray(0, HEAD_BYTES), { filename: file.filename, format: fields.data.format, encoding: fields.data.encoding, complete: head.length <= HEAD_BYTES });
  const mapping = resolveMapping(fields.data.kind, inspection, given);
  const job = await createUploadJob(ctx, workspaceId, { kind: fields.data.kind, format: inspection.format, encoding: fields.data.encoding, filename: file.filename, mapping, createdBy });
  try {
    let seq = 0;
    let total = 0;
    const store = async (b: Buffer) => {
      await ctx.db.insertInto('import_chunks').values({ workspace_id: workspaceId, import_id: job.id, seq: seq++, data: ctx.secrets.encrypt(b.toString('base64')) }).execute();
      total += b.length;
    };
    await store(head);
    for await (const piece of pieces) await store(piece);
    return await markQueued(ctx, job, total);
  } catch (err) {
    await deleteJob(ctx, job);
    throw err;
  }
}

function parseMapping(text: string): FieldMapping {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw invalid('mapping', 'mapping is not JSON: send an object {"column": "field", …}');
  }
  const parsed = fieldMapping.safeParse(value);
  if (!parsed.success) throw new AppError('validation_failed', 'mapping must be an object {"column": "field", …}', parsed.error.issues.map((i) => ({ path: ['mapping', ...i.path].join('.'), message: i.message })));
  return parsed.data;
}

/** Re-cuts a byte stream into pieces of `size` bytes; only the last one is shorter. */
async function* rechunk(stream: AsyncIterable<Buffer>, size: number): AsyncGenerator<Buffer> {
  let parts: Buffer[] = [];
  let length = 0;
  for await (const b of stream) {
    parts.push(b);
    length += b.length;
    while (length >= size) {
      const all = Buffer.concat(parts);
      yield all.subarray(0, size);
      parts = [all.subarray(size)];
      length -= size;
    }
  }
  if (length) yield Buffer.concat(parts);
}

/** A stored upload, piece by piece. */
export async function* storedFile(ctx: Ctx, job: ImportJob): AsyncGenerator<Buffer> {
  for (let seq = 0; ; seq++) {
    const row = await ctx.db.selectFrom('import_chunks').select('data').where('workspace_id', '=', job.workspace_id).where('import_id', '=', job.id).where('seq', '=', seq).executeTakeFirst();
    if (!row) return;
    yield Buffer.from(ctx.secrets.decrypt(row.data), 'base64');
  }
}
