// Wire shapes of /api/imports, as src/imports/schema.ts defines them.

export type ImportKind = 'customers' | 'orders' | 'events';
export type ImportEncoding = 'utf-8' | 'gb18030';
export type ImportStatus = 'uploading' | 'queued' | 'running' | 'completed' | 'failed';
export type FieldMapping = Record<string, string>;

export interface ImportView {
  id: string;
  kind: ImportKind;
  format: 'csv' | 'jsonl';
  encoding: ImportEncoding;
  filename: string;
  mapping: FieldMapping;
  status: ImportStatus;
  progress: { bytesDone: number; totalBytes: number; rowsDone: number; percent: number };
  summary: { rowsRead: number; imported: number; duplicates: number; failed: number };
  errorCount: number;
  message: string | null;
  createdBy: string | null;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
}

export interface ImportErrorView {
  line: number;
  field: string;
  column: string | null;
  reason: string;
  value: string | null;
}

export interface FieldInfo {
  name: string;
  required: boolean;
  group: 'identifier' | 'field' | 'custom';
}

export interface Preview {
  format: 'csv' | 'jsonl';
  columns: string[];
  rows: Record<string, unknown>[];
  suggested: FieldMapping;
  fields: FieldInfo[];
}

export const KINDS: readonly ImportKind[] = ['customers', 'orders', 'events'];

export const isActive = (s: ImportStatus) => s === 'uploading' || s === 'queued' || s === 'running';
