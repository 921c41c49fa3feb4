import fs from 'node:fs';
import path from 'node:path';
import { newId } from '../core/index.js';
import type { Ctx } from '../store/index.js';
import { suggestMapping } from './fields.js';
import { HEAD_BYTES, type Inspection, inspectHead, resolveMapping } from './file.js';
import { createCliJob } from './jobs.js';
import { runImport } from './run.js';
import type { FieldMapping, ImportEncoding, ImportFormat, ImportJob, ImportKind } from './schema.js';

/** A file on this machine, checked and mapped, ready to import here or to upload. */
export interface LocalFile {
  path: string;
  kind: ImportKind;
  encoding: ImportEncoding;
  size: number;
  inspection: Inspection;
  mapping: FieldMapping;
}

/**
 * Reads the head of a local file and settles the mapping: the suggestion from its header, with
 * the operator's overrides (`column=field`; `column=` drops a column). Throws the 4xx the API
 * would give for the same file.
 */
export async function prepareLocalFile(file: string, opts: { kind: ImportKind; format?: ImportFormat; encoding: ImportEncoding; overrides: Record<string, string> }): Promise<LocalFile> {
  const size = fs.statSync(file).size;
  const handle = await fs.promises.open(file, 'r');
  let head: Buffer;
  try {
    const buf = Buffer.alloc(Math.min(size, HEAD_BYTES));
    const { bytesRead } = await handle.read(buf, 0, buf.length, 0);
    head = buf.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
  const inspection = await inspectHead(head, { filename: path.basename(file), format: opts.format, encoding: opts.encoding, complete: size <= HEAD_BYTES });
  const mapping: FieldMapping = { ...suggestMapping(opts.kind, inspection.columns) };
  for (const [column, field] of Object.entries(opts.overrides)) {
    if (field) mapping[column] = field;
    else delete mapping[column];
  }
  return { path: file, kind: opts.kind, encoding: opts.encoding, size, inspection, mapping: resolveMapping(opts.kind, inspection, mapping) };
}

/**
 * Imports a local file in this process (the CLI with the stores at hand). By default the inbox is
 * drained as the import goes, so everything (OneID, profiles, orders) is done when it returns.
 */
export async function importLocalFile(
  ctx: Ctx,
  workspaceId: string,
  file: LocalFile,
  opts: { createdBy: string | null; onProgress?: (job: ImportJob) => void; chunkRows?: number; drain?: boolean },
): Promise<ImportJob> {
  const owner = `cli:${process.pid}:${newId()}`;
  const job = await createCliJob(
    ctx,
    workspaceId,
    { kind: file.kind, format: file.inspection.format, encoding: file.encoding, filename: path.basename(file.path), mapping: file.mapping, createdBy: opts.createdBy },
    file.size,
    owner,
  );
  opts.onProgress?.(job);
  return runImport(ctx, job, fs.createReadStream(file.path), { owner, drain: opts.drain ?? true, onProgress: opts.onProgress, chunkRows: opts.chunkRows });
}
