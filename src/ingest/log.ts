import fs from 'node:fs';
import path from 'node:path';
import type { Secrets } from '../core/index.js';
import type { InboxEvent } from './normalize.js';

/** One request's accepted events, as processing takes them. */
export interface LogRecord {
  workspaceId: string;
  events: InboxEvent[];
}

/** Rebuilds a record from the text its append stored (after a restart). */
export type DecodeRecord = (workspaceId: string, text: string) => LogRecord;

/** A position in the log: a segment file and a byte offset in it. */
interface Position {
  segment: number;
  offset: number;
}

/** The checkpoint's JSON, padded to a fixed size so that rewriting it in place leaves nothing behind. */
const CHECKPOINT_BYTES = 64;

/** A new segment is started once the current one is this big (shipped segments are deleted). */
const SEGMENT_BYTES = 64 * 1024 * 1024;

/**
 * The collection API's durable acknowledgement: an append-only log of sealed records (one line a
 * request: workspace id, a tab, the text the record is rebuilt from, encrypted) in segment files under one
 * directory, written by one writer. Appends are group-committed: the requests that arrive while a
 * write and its fsync run share the next write and fsync, and each append resolves only once its
 * record is on disk. Records wait in memory for the shipper (`take`), which reports what the inbox
 * holds with `shipped`; the checkpoint file (the position after the last shipped record) lets a
 * restart re-read only what was not shipped. A torn last line (a crash mid-write, never
 * acknowledged) is skipped: a reopened log appends to a new segment.
 */
export class IngestLog {
  private waiting: { line: Buffer; record: LogRecord; resolve: () => void; reject: (err: unknown) => void }[] = [];
  private writing = false;
  private readonly pending: { record: LogRecord; end: Position; at: number }[] = [];
  /** Events in `pending`. */
  private pendingCount = 0;
  private segment: number;
  private size: number;
  private fd: number;
  /** The checkpoint file, rewritten in place (no rename) after every shipped batch. */
  private readonly checkpointFd: number;
  /** The oldest segment still on disk. */
  private firstSegment: number;

  private constructor(
    readonly dir: string,
    private readonly secrets: Secrets,
    start: Position,
  ) {
    this.segment = start.segment;
    this.size = start.offset;
    this.fd = fs.openSync(segmentFile(dir, start.segment), 'a');
    this.checkpointFd = fs.openSync(path.join(dir, 'checkpoint.json'), fs.existsSync(path.join(dir, 'checkpoint.json')) ? 'r+' : 'w+');
    this.firstSegment = listSegments(dir)[0] ?? start.segment;
  }

  /** Opens the log in dir, queueing the records written after the checkpoint for shipping. */
  static open(dir: string, secrets: Secrets, decode: DecodeRecord, onUnreadable: (err: unknown, at: Position) => void): IngestLog {
    fs.mkdirSync(dir, { recursive: true });
    const checkpoint = readCheckpoint(dir);
    const segments = listSegments(dir).filter((s) => s >= checkpoint.segment);
    const replay: { record: LogRecord; end: Position; at: number }[] = [];
    for (const segment of segments) {
      const data = fs.readFileSync(segmentFile(dir, segment));
      let offset = segment === checkpoint.segment ? checkpoint.offset : 0;
      for (let nl = data.indexOf(10, offset); nl >= 0; nl = data.indexOf(10, offset)) {
        const line = data.subarray(offset, nl).toString('utf8');
        offset = nl + 1;
        try {
          replay.push({ record: parseLine(line, secrets, decode), end: { segment, offset }, at: 0 });
        } catch (err) {
          onUnreadable(err, { segment, offset });
        }
      }
      // Bytes after the last newline are a torn write, never acknowledged: appends go to a new segment.
    }
    const log = new IngestLog(dir, secrets, { segment: Math.max(checkpoint.segment, ...segments) + 1, offset: 0 });
    log.pending.push(...replay);
    log.pendingCount = replay.reduce((n, p) => n + p.record.events.length, 0);
    return log;
  }

  /** Appends a record, stored as `text` (what `decode` rebuilds it from); resolves once it is fsynced. */
  append(record: LogRecord, text: string): Promise<void> {
    const line = Buffer.from(`${record.workspaceId}\t${this.secrets.encrypt(text)}\n`);
    return new Promise((resolve, reject) => {
      this.waiting.push({ line, record, resolve, reject });
      if (!this.writing) void this.commit();
    });
  }

  /** Records not yet reported shipped, oldest first, up to about maxEvents events (at least one record). */
  take(maxEvents: number): { records: LogRecord[]; end: Position } | null {
    if (this.pending.length === 0) return null;
    let n = 0;
    let i = 0;
    while (i < this.pending.length && (i === 0 || n + this.pending[i].record.events.length <= maxEvents)) n += this.pending[i++].record.events.length;
    return { records: this.pending.slice(0, i).map((p) => p.record), end: this.pending[i - 1].end };
  }

  /**
   * The records up to `end` are processed: the checkpoint moves past them and older segments go.
   * The checkpoint is rewritten in place and not synced: if a crash loses or tears it, the records
   * since the previous one are processed again, and the de-duplication window skips them.
   */
  shipped(end: Position): void {
    while (this.pending.length && !after(this.pending[0].end, end)) this.pendingCount -= this.pending.shift()!.record.events.length;
    const text = Buffer.from(JSON.stringify(end).padEnd(CHECKPOINT_BYTES, ' '));
    fs.writeSync(this.checkpointFd, text, 0, text.length, 0);
    if (end.segment > this.firstSegment) {
      for (const s of listSegments(this.dir)) if (s < end.segment) fs.rmSync(segmentFile(this.dir, s), { force: true });
      this.firstSegment = end.segment;
    }
  }

  /** Milliseconds (performance.now) since the oldest record waiting was acknowledged; 0 when none waits. */
  oldestWaitingMs(now: number): number {
    return this.pending.length ? now - this.pending[0].at : 0;
  }

  get unshipped(): number {
    return this.pending.length;
  }

  /** Events acknowledged and not yet reported shipped. */
  get unshippedEvents(): number {
    return this.pendingCount;
  }

  get idle(): boolean {
    return !this.writing && this.waiting.length === 0;
  }

  close(): void {
    fs.closeSync(this.fd);
    fs.closeSync(this.checkpointFd);
  }

  private async commit(): Promise<void> {
    this.writing = true;
    try {
      while (this.waiting.length) {
        const group = this.waiting.splice(0, this.waiting.length);
        try {
          if (this.size >= SEGMENT_BYTES) this.rotate();
          const ends: Position[] = [];
          for (const w of group) ends.push({ segment: this.segment, offset: (this.size += w.line.length) });
          await writeAll(this.fd, Buffer.concat(group.map((w) => w.line)));
          await new Promise<void>((resolve, reject) => fs.fdatasync(this.fd, (err) => (err ? reject(err) : resolve())));
          const at = performance.now();
          group.forEach((w, i) => this.pending.push({ record: w.record, end: ends[i], at }));
          this.pendingCount += group.reduce((n, w) => n + w.record.events.length, 0);
          for (const w of group) w.resolve();
        } catch (err) {
          // What may have reached the file was not acknowledged: start a clean segment after it.
          this.rotate();
          for (const w of group) w.reject(err);
        }
      }
    } finally {
      this.writing = false;
    }
  }

  private rotate(): void {
    fs.closeSync(this.fd);
    this.segment += 1;
    this.size = 0;
    this.fd = fs.openSync(segmentFile(this.dir, this.segment), 'a');
  }
}

function after(a: Position, b: Position): boolean {
  return a.segment > b.segment || (a.segment === b.segment && a.offset > b.offset);
}

function parseLine(line: string, secrets: Secrets, decode: DecodeRecord): LogRecord {
  const tab = line.indexOf('\t');
  if (tab < 0) throw new Error('a log line without a workspace');
  return decode(line.slice(0, tab), secrets.decrypt(line.slice(tab + 1)));
}

const segmentFile = (dir: string, segment: number) => path.join(dir, `${String(segment).padStart(10, '0')}.log`);

function listSegments(dir: string): number[] {
  return fs
    .readdirSync(dir)
    .filter((f) => /^\d{10}\.log$/.test(f))
    .map((f) => Number(f.slice(0, 10)))
    .sort((a, b) => a - b);
}

function readCheckpoint(dir: string): Position {
  try {
    const p = JSON.parse(fs.readFileSync(path.join(dir, 'checkpoint.json'), 'utf8').trim()) as Position;
    if (Number.isInteger(p.segment) && Number.isInteger(p.offset)) return p;
  } catch {
    // none yet (or unreadable): everything still in the directory is re-shipped; the inbox ignores repeats
  }
  return { segment: listSegments(dir)[0] ?? 0, offset: 0 };
}

function writeAll(fd: number, buf: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    const step = (from: number) =>
      fs.write(fd, buf, from, buf.length - from, null, (err, n) => {
        if (err) reject(err);
        else if (from + n < buf.length) step(from + n);
        else resolve();
      });
    step(0);
  });
}

/**
 * A log directory of its own under root for this process (several processes may share a DATA_DIR
 * against one PostgreSQL server): the lowest-numbered slot whose owner file names no live process.
 * A restarted process takes its old slot back and ships what its predecessor left.
 */
export function claimLogDir(root: string): { dir: string; release: () => void } {
  for (let slot = 0; ; slot++) {
    const dir = path.join(root, String(slot));
    const owner = path.join(dir, 'owner.pid');
    fs.mkdirSync(dir, { recursive: true });
    try {
      fs.writeFileSync(owner, String(process.pid), { flag: 'wx' });
      return { dir, release: () => fs.rmSync(owner, { force: true }) };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      if (!isAlive(Number(fs.readFileSync(owner, 'utf8')))) {
        fs.rmSync(owner, { force: true });
        slot--; // try this slot again
      }
    }
  }
}

function isAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
