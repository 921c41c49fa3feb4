import { z } from 'zod';
import type { ColumnType, Selectable } from 'kysely';

/** Wire shapes and tables of bulk imports (customers, orders, events from CSV or JSONL). */

export const IMPORT_KINDS = ['customers', 'orders', 'events'] as const;
export const importKind = z.enum(IMPORT_KINDS);
export type ImportKind = z.infer<typeof importKind>;

export const importFormat = z.enum(['csv', 'jsonl']);
export type ImportFormat = z.infer<typeof importFormat>;

/** Excel in Chinese saves CSV as GB18030 (GBK); everything else should be UTF-8. */
export const importEncoding = z.enum(['utf-8', 'gb18030']);
export type ImportEncoding = z.infer<typeof importEncoding>;

/** File column (CSV header, or JSONL key / dotted path) → Siyu field. Unmapped columns are ignored. */
export const fieldMapping = z.record(z.string().min(1).max(200), z.string().min(1).max(200)).refine((m) => Object.keys(m).length <= 500, 'at most 500 columns');
export type FieldMapping = z.infer<typeof fieldMapping>;

export const IMPORT_STATUSES = ['uploading', 'queued', 'running', 'completed', 'failed'] as const;
export type ImportStatus = (typeof IMPORT_STATUSES)[number];

export const importSummary = z.object({
  rowsRead: z.number().int(),
  imported: z.number().int().describe('rows stored through the collection path (OneID, profiles, orders)'),
  duplicates: z.number().int().describe('rows imported before (same workspace, kind and natural key): skipped'),
  failed: z.number().int().describe('rows refused; see the error report'),
});
export type ImportSummary = z.infer<typeof importSummary>;

export const importProgress = z.object({
  bytesDone: z.number().int(),
  totalBytes: z.number().int(),
  rowsDone: z.number().int(),
  percent: z.number().min(0).max(100),
});
export type ImportProgress = z.infer<typeof importProgress>;

export const importView = z.object({
  id: z.string(),
  kind: importKind,
  format: importFormat,
  encoding: importEncoding,
  filename: z.string(),
  mapping: fieldMapping,
  status: z.enum(IMPORT_STATUSES),
  progress: importProgress,
  summary: importSummary,
  /** Errors kept in the report (at most MAX_ERROR_ROWS; `failed` counts them all). */
  errorCount: z.number().int(),
  message: z.string().nullable().describe('why the whole import stopped, when it did'),
  createdBy: z.string().nullable(),
  createdAt: z.string(),
  startedAt: z.string().nullable(),
  finishedAt: z.string().nullable(),
});
export type ImportView = z.infer<typeof importView>;

export const importErrorView = z.object({
  line: z.number().int().describe('line of the file (the CSV header is line 1)'),
  field: z.string().describe('Siyu field, or "row" when the row as a whole is refused'),
  column: z.string().nullable().describe('column of the file'),
  reason: z.string(),
  value: z.string().nullable().describe('the value given; never shown for personal data'),
});
export type ImportErrorView = z.infer<typeof importErrorView>;

export const fieldView = z.object({
  name: z.string(),
  required: z.boolean(),
  group: z.enum(['identifier', 'field', 'custom']),
});

/** POST /api/imports/preview: the first bytes of a file, for the console's mapping step. */
export const previewInput = z.object({
  kind: importKind,
  format: importFormat.optional(),
  encoding: importEncoding.default('utf-8'),
  filename: z.string().max(300).default(''),
  sample: z.string().min(1).max(200_000).describe('base64 of the first bytes of the file (64 KB is plenty)'),
  complete: z.boolean().default(false).describe('the sample is the whole file'),
});

export const previewView = z.object({
  format: importFormat,
  columns: z.array(z.string()),
  rows: z.array(z.record(z.string(), z.unknown())).describe('first rows, by column'),
  suggested: fieldMapping,
  fields: z.array(fieldView),
});

/** The multipart fields of POST /api/imports (besides the file). */
export const uploadFields = z.object({
  kind: importKind,
  format: importFormat.optional(),
  encoding: importEncoding.default('utf-8'),
  mapping: z
    .string()
    .max(100_000)
    .optional()
    .describe('JSON object column → field; the suggested mapping when absent'),
});

type Timestamp = ColumnType<Date, Date | string, Date | string>;
type Counter = ColumnType<number, number | undefined, number>;

export interface ImportsTable {
  workspace_id: string;
  id: string;
  kind: ImportKind;
  format: ImportFormat;
  encoding: ImportEncoding;
  filename: string;
  mapping: ColumnType<FieldMapping, string, string>;
  source: 'upload' | 'cli';
  status: ImportStatus;
  total_bytes: Counter;
  bytes_done: Counter;
  line_done: Counter;
  rows_read: Counter;
  imported: Counter;
  duplicates: Counter;
  failed: Counter;
  error_rows: Counter;
  message: string | null;
  created_by: string | null;
  created_at: Timestamp;
  started_at: Timestamp | null;
  finished_at: Timestamp | null;
  lease_owner: string | null;
  lease_until: Timestamp | null;
}

export interface ImportChunksTable {
  workspace_id: string;
  import_id: string;
  seq: number;
  data: string;
}

export interface ImportErrorsTable {
  workspace_id: string;
  import_id: string;
  line: number;
  field: string;
  column_name: string | null;
  reason: string;
  value: string | null;
}

export type ImportJob = Selectable<ImportsTable>;

declare module '../store/schema.js' {
  interface StateDB {
    imports: ImportsTable;
    import_chunks: ImportChunksTable;
    import_errors: ImportErrorsTable;
  }
}
