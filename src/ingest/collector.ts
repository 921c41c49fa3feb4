import path from 'node:path';
import { AppError } from '../core/index.js';
import type { Ctx } from '../store/index.js';
import { acceptEvents } from './intake.js';
import { claimLogDir, type DecodeRecord, IngestLog } from './log.js';
import type { Envelope, InboxEvent } from './normalize.js';
import { processedBefore, processEvents } from './process.js';
import type { MessageType } from './schema.js';

/**
 * Events processed from the log per transaction at most: under load, batches grow to this and
 * per-batch costs (statements, an events-store part) spread over more events; at a low rate each
 * batch holds what arrived meanwhile, so statements stay short and acknowledgements quick.
 */
const SHIP_EVENTS = 10_000;
/**
 * A batch starts once this many events wait, or once the oldest has waited SHIP_DELAY_MS: a
 * transaction costs the state store a fixed ~0.5 ms a statement on PGlite whatever its size, so
 * at a steady stream a few large batches cost far less than many small ones. Only processing
 * waits; acknowledgements do not.
 */
const SHIP_MIN_EVENTS = 2_000;
const SHIP_DELAY_MS = 50;

/**
 * The collection API's intake for one server: events are acknowledged once fsynced in this
 * process's log (DATA_DIR/ingest/<slot>), and processed from there (OneID, profiles, orders,
 * events store) in batches off the request path; the log's checkpoint moves once a batch is
 * committed, so a restart resumes after it. The de-duplication window (MessageWindow) skips a
 * repeat when it is processed; the responses' `duplicates` count the repeats of what this process
 * has acknowledged and not processed yet, or has in its window: a repeat sent meanwhile to
 * another process is counted as accepted, and still stored once.
 */
export class Collector {
  /** messageIds acknowledged and not processed yet, per workspace (processed ones are in the window). */
  private readonly waiting = new Map<string, Set<string>>();
  private shipping: Promise<void> | null = null;
  /** Set while someone waits for everything to be processed: batches start at once. */
  private urgent = 0;
  private retry: NodeJS.Timeout | undefined;
  private retryMs = 100;

  private constructor(
    private readonly ctx: Ctx,
    private readonly log: IngestLog,
    private readonly release: () => void,
  ) {}

  static start(ctx: Ctx): Collector {
    const { dir, release } = claimLogDir(path.join(ctx.config.dataDir, 'ingest'));
    const log = IngestLog.open(dir, ctx.secrets, decodeRecord(ctx), (err, at) => ctx.log.error({ err, dir, at }, 'an unreadable ingest log record was skipped'));
    const c = new Collector(ctx, log, release);
    register(ctx, c);
    if (log.unshipped) c.kick();
    return c;
  }

  /**
   * Stores a request's accepted events durably; returns how many were not duplicates. The log
   * keeps the request (`record`), from which the same events are rebuilt after a restart.
   */
  async store(workspaceId: string, events: InboxEvent[], request: LoggedRequest): Promise<number> {
    const seen = new Set<string>();
    const waiting = this.waiting.get(workspaceId);
    const fresh = events.filter((e) => {
      if (seen.has(e.messageId) || waiting?.has(e.messageId) || processedBefore(this.ctx, workspaceId, e.messageId)) return false;
      seen.add(e.messageId);
      return true;
    });
    if (fresh.length === 0) return 0;
    // Waiting events are held in memory: past the limit (a store down) SDKs are told to retry later.
    if (this.log.unshippedEvents + fresh.length > this.ctx.config.ingestBacklogMax) {
      throw new AppError('store_unavailable', `${this.log.unshippedEvents} events are waiting to be processed: retry shortly`);
    }
    await this.log.append({ workspaceId, events: fresh }, requestText(request));
    let ids = this.waiting.get(workspaceId);
    if (!ids) this.waiting.set(workspaceId, (ids = new Set()));
    for (const id of seen) ids.add(id);
    this.kick();
    return fresh.length;
  }

  /** Resolves once everything acknowledged so far is processed (or, if that failed, pending in the inbox). */
  async flush(): Promise<void> {
    this.urgent++;
    try {
      while (!this.log.idle) await new Promise((r) => setTimeout(r, 1));
      while (this.log.unshipped) await this.ship();
    } finally {
      this.urgent--;
    }
  }

  async close(): Promise<void> {
    clearTimeout(this.retry);
    unregister(this.ctx, this);
    try {
      await this.flush();
    } catch (err) {
      this.ctx.log.error({ err }, 'the ingest log could not be shipped before closing; it will be on the next start');
    } finally {
      this.log.close();
      this.release();
    }
  }

  /** Ships in the background, retrying with a growing delay while the state store fails. */
  private kick(): void {
    this.ship().then(
      () => {
        this.retryMs = 100;
        if (this.log.unshipped) this.kick(); // acknowledged while the last round was finishing
      },
      (err) => {
        this.ctx.log.error({ err, retryInMs: this.retryMs }, 'processing the ingest log failed');
        clearTimeout(this.retry);
        this.retry = setTimeout(() => this.kick(), this.retryMs);
        this.retryMs = Math.min(this.retryMs * 2, 30_000);
      },
    );
  }

  private ship(): Promise<void> {
    this.shipping ??= this.shipAll().finally(() => {
      this.shipping = null;
    });
    return this.shipping;
  }

  private async shipAll(): Promise<void> {
    for (;;) {
      const wait = SHIP_DELAY_MS - this.log.oldestWaitingMs(performance.now());
      if (!this.urgent && this.log.unshippedEvents < SHIP_MIN_EVENTS && wait > 0) await new Promise((r) => setTimeout(r, wait));
      const batch = this.log.take(SHIP_EVENTS);
      if (!batch) return;
      await processEvents(this.ctx, batch.records);
      this.log.shipped(batch.end);
      for (const r of batch.records) {
        const ids = this.waiting.get(r.workspaceId);
        for (const e of r.events) ids?.delete(e.messageId);
      }
    }
  }
}

/** A collection request as the log keeps it: its envelope, its path's type and its body's text. */
export interface LoggedRequest {
  env: Required<Pick<Envelope, 'receivedAt' | 'ip' | 'requestId'>>;
  /** For the one-event paths (`/v1/track` …); absent for `/v1/batch`. */
  type?: MessageType;
  body: string;
}

/** One line of JSON (the envelope), then the body as it came (decompressed). */
function requestText(r: LoggedRequest): string {
  return `${JSON.stringify({ requestId: r.env.requestId, receivedAt: r.env.receivedAt.toISOString(), ip: r.env.ip, type: r.type })}\n${r.body}`;
}

/**
 * Rebuilds a logged request's events as the collection API accepted them: the same body and
 * envelope give the same events (an event without messageId gets the same one from the request
 * id). Lines of earlier versions hold the events themselves, as a JSON array.
 */
function decodeRecord(ctx: Ctx): DecodeRecord {
  return (workspaceId, text) => {
    if (text.startsWith('[')) return { workspaceId, events: JSON.parse(text) as InboxEvent[] };
    const nl = text.indexOf('\n');
    const head = JSON.parse(text.slice(0, nl)) as { requestId: string; receivedAt: string; ip: string; type?: MessageType };
    const env = { receivedAt: new Date(head.receivedAt), ip: head.ip, requestId: head.requestId };
    const body: unknown = JSON.parse(text.slice(nl + 1));
    return { workspaceId, events: acceptEvents(ctx.clock, head.type, body, env).accepted };
  };
}

/** The collectors writing to each state store in this process, for flushIngestLog. */
const collectors = new WeakMap<object, Set<Collector>>();

function register(ctx: Ctx, c: Collector): void {
  const set = collectors.get(ctx.db) ?? new Set();
  set.add(c);
  collectors.set(ctx.db, set);
}

function unregister(ctx: Ctx, c: Collector): void {
  collectors.get(ctx.db)?.delete(c);
}

/** Processes everything this process's collection API acknowledged for this state store (see Collector.flush). */
export async function flushIngestLog(ctx: Ctx): Promise<void> {
  for (const c of collectors.get(ctx.db) ?? []) await c.flush();
}
