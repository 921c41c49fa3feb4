import { Readable, pipeline } from 'node:stream';
import { parse } from 'csv-parse';
import type { ImportEncoding, ImportFormat } from './schema.js';

/**
 * Reads a file as a stream of records, in constant memory: bytes are decoded as they come, and
 * CSV or JSONL records are yielded one by one with the line they start on. Records the parser
 * cannot read become problems at their line; reading goes on after them.
 */
export type ReadItem =
  | { kind: 'header'; columns: string[] }
  | { kind: 'row'; line: number; values: Record<string, unknown> }
  | { kind: 'problem'; line: number; reason: string };

/** Counts the bytes taken from the source, for progress. */
export interface Meter {
  bytes: number;
}

export interface ReadOptions {
  format: ImportFormat;
  encoding: ImportEncoding;
}

/** No single record may hold more than this (a quote never closed would otherwise swallow the file). */
export const MAX_RECORD_BYTES = 1024 * 1024;

export function readRecords(source: AsyncIterable<Buffer>, opts: ReadOptions, meter: Meter = { bytes: 0 }): AsyncGenerator<ReadItem> {
  const textStream = decode(source, opts.encoding, meter);
  return opts.format === 'csv' ? readCsv(textStream, opts.encoding) : readJsonl(textStream, opts.encoding);
}

async function* decode(source: AsyncIterable<Buffer>, encoding: ImportEncoding, meter: Meter): AsyncGenerator<string> {
  // Not fatal: a bad byte becomes U+FFFD and only its row is refused (the head was checked strictly).
  const decoder = new TextDecoder(encoding);
  for await (const chunk of source) {
    meter.bytes += chunk.length;
    const s = decoder.decode(chunk, { stream: true });
    if (s) yield s;
  }
  const tail = decoder.decode();
  if (tail) yield tail;
}

const notText = (encoding: ImportEncoding) =>
  `contains bytes that are not valid ${encoding.toUpperCase()} text${encoding === 'utf-8' ? ' (a file saved by Excel in Chinese is usually GB18030)' : ''}`;

async function* readCsv(text: AsyncIterable<string>, encoding: ImportEncoding): AsyncGenerator<ReadItem> {
  const parser = parse({ info: true, relax_column_count: true, relax_quotes: true, skip_records_with_error: true, max_record_size: MAX_RECORD_BYTES });
  const skipped: { lines: number; code: string }[] = [];
  parser.on('skip', (err: { lines: number; code: string }) => skipped.push({ lines: err.lines, code: err.code }));
  pipeline(Readable.from(text), parser, () => undefined); // an error in the source destroys the parser, which throws below
  let columns: string[] | null = null;
  let lastLine = 0;
  // Skips are reported as they happen, records when read: put each skip back in line order.
  const skipsBefore = function* (line: number): Generator<ReadItem> {
    while (skipped.length && skipped[0].lines <= line) {
      const s = skipped.shift()!;
      yield { kind: 'problem', line: lastLine + 1, reason: skipReason(s.code, lastLine + 1, s.lines) };
      lastLine = s.lines;
    }
  };
  for await (const { record, info } of parser as AsyncIterable<{ record: string[]; info: { lines: number } }>) {
    yield* skipsBefore(info.lines - 1);
    const line = lastLine + 1;
    lastLine = info.lines;
    if (record.length === 1 && record[0].trim() === '') continue;
    if (!columns) {
      columns = headerColumns(record);
      yield { kind: 'header', columns };
      continue;
    }
    if (record.some((v) => v.includes('\uFFFD'))) yield { kind: 'problem', line, reason: notText(encoding) };
    else if (record.length !== columns.length) yield { kind: 'problem', line, reason: `has ${record.length} values, the header has ${columns.length} columns` };
    else yield { kind: 'row', line, values: Object.fromEntries(columns.map((c, i) => [c, record[i]])) };
  }
  yield* skipsBefore(Infinity);
  if (!columns) yield { kind: 'header', columns: [] };
}

function skipReason(code: string, from: number, to: number): string {
  if (code === 'CSV_QUOTE_NOT_CLOSED' || code === 'CSV_MAX_RECORD_SIZE') {
    return `a quoted value opened here is never closed (or a record is larger than 1 MB): lines ${from}–${to} and the rest of the file could not be read`;
  }
  return `is not valid CSV (${code})`;
}

/** Header cells trimmed; blank ones named by position; repeated ones numbered, so each column has one name. */
export function headerColumns(record: string[]): string[] {
  const seen = new Map<string, number>();
  return record.map((raw, i) => {
    const base = raw.trim() || `column ${i + 1}`;
    const n = (seen.get(base) ?? 0) + 1;
    seen.set(base, n);
    return n === 1 ? base : `${base} (${n})`;
  });
}

async function* readJsonl(text: AsyncIterable<string>, encoding: ImportEncoding): AsyncGenerator<ReadItem> {
  yield { kind: 'header', columns: [] };
  let buffer = '';
  let line = 0;
  let oversize = false;
  const record = (raw: string): ReadItem | null => {
    line++;
    if (oversize) {
      oversize = false;
      return { kind: 'problem', line, reason: 'is longer than 1 MB' };
    }
    const t = raw.trim();
    if (!t) return null;
    if (t.includes('\uFFFD')) return { kind: 'problem', line, reason: notText(encoding) };
    let value: unknown;
    try {
      value = JSON.parse(t);
    } catch (err) {
      return { kind: 'problem', line, reason: `is not valid JSON: ${(err as Error).message}` };
    }
    if (!value || typeof value !== 'object' || Array.isArray(value)) return { kind: 'problem', line, reason: 'is not a JSON object' };
    return { kind: 'row', line, values: value as Record<string, unknown> };
  };
  for await (const piece of text) {
    buffer += piece;
    let nl: number;
    while ((nl = buffer.indexOf('\n')) >= 0) {
      const item = record(buffer.slice(0, nl));
      buffer = buffer.slice(nl + 1);
      if (item) yield item;
    }
    if (buffer.length > MAX_RECORD_BYTES) {
      // Keep memory bounded: drop the line, remember to report it when it ends.
      oversize = true;
      buffer = '';
    }
  }
  const last = buffer.length || oversize ? record(buffer) : null;
  if (last) yield last;
}

/** Which format a file is: by its name, else by its first character. */
export function detectFormat(filename: string, head: Buffer): ImportFormat {
  const ext = filename.toLowerCase().match(/\.([a-z]+)$/)?.[1];
  if (ext === 'jsonl' || ext === 'ndjson' || ext === 'json') return 'jsonl';
  if (ext === 'csv' || ext === 'txt') return 'csv';
  return head.toString('utf8').replace(/^\uFEFF/, '').trimStart().startsWith('{') ? 'jsonl' : 'csv';
}
