import { setImmediate as setImmediatePromise } from 'node:timers/promises';
import type { KyselyPlugin } from 'kysely';
import { chTime, type Ctx, JsonLines } from '../store/index.js';
import { type Activity, ActivityMemory, type ProfilePatch, updateProfiles } from '../customers/index.js';
import { type CreatedCustomer, type Identifier, IdentityMemory, type IdentityRules, inTransaction, loadIdentityRules, lockScope, pushAliases, resolve, resolveMany } from '../identity/index.js';
import { flushIngestLog } from './collector.js';
import { insertInboxRows } from './intake.js';
import { type InboxEvent, legacyDetail } from './normalize.js';
import { type OrderEvent, writeOrders } from './orders.js';
import { MessageWindow } from './window.js';

interface InboxRow {
  workspace_id: string;
  message_id: string;
  payload: string;
}

/**
 * Embedded stores (PGlite, chDB) run their statements synchronously on Node's main thread, and a
 * transaction's statements follow one another without giving the event loop a turn: the
 * collection API's acknowledgements would wait for whole batches. Processing goes through this
 * plugin, which lets pending I/O run after every statement. (Also waiting, between statements,
 * for the collection requests under way did not pay: their time is mostly the log's fsync, and
 * processing then fell behind.)
 */
const yieldAfterStatements: KyselyPlugin = {
  transformQuery: (args) => args.node,
  transformResult: async (args) => {
    await setImmediatePromise();
    return args.result;
  },
};
const yieldingDbs = new WeakMap<object, Ctx['db']>();
function yielding(ctx: Ctx): Ctx {
  if (ctx.db.isTransaction) return ctx;
  let db = yieldingDbs.get(ctx.db);
  if (!db) yieldingDbs.set(ctx.db, (db = ctx.db.withPlugin(yieldAfterStatements)));
  return { ...ctx, db };
}

/** A row that failed this often while others succeeded is set aside (kept, with its error). */
const MAX_ATTEMPTS = 3;

/**
 * Ships this process's ingest log into the inbox, then moves inbox events to the events store
 * until the inbox is empty: resolves each event's
 * customer (OneID), updates profiles, folds orders, inserts the events, and marks the rows done
 * — all in one state-store transaction that commits only after the events store has the rows.
 * A crash anywhere leaves the rows pending, and redoing them is harmless (events de-duplicate by
 * messageId, orders by refund ids, identity and traits are idempotent). Batches stay modest:
 * a transaction holds a few advisory locks per event, and PostgreSQL's shared lock table is
 * shared by all workers.
 */
export async function drainInbox(ctx: Ctx, batchSize = 2000): Promise<number> {
  await flushIngestLog(ctx);
  let total = 0;
  for (;;) {
    const n = await processBatch(ctx, batchSize);
    total += n;
    if (n < batchSize) break;
  }
  await pushAliases(ctx);
  return total;
}

async function processBatch(ctx: Ctx, limit: number): Promise<number> {
  const memory = ingestMemory(ctx);
  try {
    const { n, committed } = await inTransaction(yielding(ctx), async (tx) => {
      const rows = await claim(tx, limit);
      return { n: rows.length, committed: await ingestRows(tx, rows, memory) };
    });
    remember(memory, committed);
    return n;
  } catch (err) {
    ctx.log.warn({ err }, 'ingest batch failed; retrying its events one by one');
    return processOneByOne(ctx, limit);
  }
}

/**
 * Isolates an event the stores refuse so it cannot hold back the others. Failures count against
 * a row only when other rows succeed in the same pass: if all fail, a store is down, and the
 * error goes up for the worker to retry later.
 */
async function processOneByOne(ctx: Ctx, limit: number): Promise<number> {
  const pending = await ctx.db
    .selectFrom('ingest_inbox')
    .select(['workspace_id', 'message_id'])
    .where('processed_at', 'is', null)
    .where('attempts', '<', MAX_ATTEMPTS)
    .orderBy('received_at')
    .limit(limit)
    .execute();
  const failures: { row: (typeof pending)[number]; err: unknown }[] = [];
  let done = 0;
  const memory = ingestMemory(ctx);
  for (const row of pending) {
    try {
      const { n, committed } = await inTransaction(ctx, async (tx) => {
        const rows = await claim(tx, 1, row);
        return { n: rows.length, committed: await ingestRows(tx, rows, memory) };
      });
      remember(memory, committed);
      done += n;
    } catch (err) {
      failures.push({ row, err });
    }
  }
  if (failures.length && done === 0) throw failures[0].err;
  for (const { row, err } of failures) {
    ctx.log.error({ err, messageId: row.message_id }, 'an ingest event failed');
    await ctx.db
      .updateTable('ingest_inbox')
      .set((eb) => ({ attempts: eb('attempts', '+', 1), error: String((err as Error)?.message ?? err).slice(0, 1000) }))
      .where('workspace_id', '=', row.workspace_id)
      .where('message_id', '=', row.message_id)
      .execute();
  }
  return done + failures.length;
}

/** Pending rows, locked for this transaction; other workers skip them. */
async function claim(tx: Ctx, limit: number, only?: { workspace_id: string; message_id: string }): Promise<InboxRow[]> {
  let q = tx.db
    .selectFrom('ingest_inbox')
    .select(['workspace_id', 'message_id', 'payload'])
    .where('processed_at', 'is', null)
    .where('attempts', '<', MAX_ATTEMPTS)
    .orderBy('received_at')
    .limit(limit)
    .forUpdate()
    .skipLocked();
  if (only) q = q.where('workspace_id', '=', only.workspace_id).where('message_id', '=', only.message_id);
  return q.execute();
}

async function ingestRows(tx: Ctx, rows: InboxRow[], memory: IngestMemory): Promise<Committed> {
  if (rows.length === 0) return [];
  const byWorkspace = new Map<string, InboxEvent[]>();
  for (const r of rows) {
    const list = byWorkspace.get(r.workspace_id) ?? [];
    list.push(JSON.parse(tx.secrets.decrypt(r.payload)) as InboxEvent);
    byWorkspace.set(r.workspace_id, list);
  }
  const committed = await ingestEvents(tx, byWorkspace, memory);
  const now = tx.clock.now();
  for (const [ws, events] of byWorkspace) {
    await tx.db
      .updateTable('ingest_inbox')
      .set({ processed_at: now, payload: '' })
      .where('workspace_id', '=', ws)
      .where('message_id', 'in', events.map((e) => e.messageId))
      .execute();
  }
  return committed;
}

/**
 * Processes events straight from the collection API's log (one transaction). If that fails, the
 * events go into the inbox as pending, where the worker retries them (one by one if need be); if
 * even that fails, the error goes up and the caller keeps the events.
 */
export async function processEvents(ctx: Ctx, batches: { workspaceId: string; events: InboxEvent[] }[]): Promise<void> {
  const memory = ingestMemory(ctx);
  try {
    const byWorkspace = new Map<string, InboxEvent[]>();
    for (const { workspaceId, events } of batches) byWorkspace.set(workspaceId, [...(byWorkspace.get(workspaceId) ?? []), ...events]);
    remember(memory, await inTransaction(yielding(ctx), (tx) => ingestEvents(tx, byWorkspace, memory)));
  } catch (err) {
    ctx.log.warn({ err }, 'processing events from the ingest log failed; they go to the inbox for the worker to retry');
    const rows = batches.flatMap(({ workspaceId, events }) => events.map((e) => ({ workspace_id: workspaceId, message_id: e.messageId, received_at: new Date(e.receivedAt), payload: ctx.secrets.encrypt(JSON.stringify(e)) })));
    await ctx.db.transaction().execute((trx) => insertInboxRows({ ...ctx, db: trx }, [rows]));
  }
}

/** What this process keeps in memory for ingest, per state store (see each class). */
interface IngestMemory {
  identities: IdentityMemory;
  window: MessageWindow;
  activity: ActivityMemory;
}
const memories = new WeakMap<object, IngestMemory>();

function ingestMemory(ctx: Ctx): IngestMemory {
  let m = memories.get(ctx.db);
  if (!m) {
    const c = ctx.config;
    m = { identities: new IdentityMemory(c.ingestIdentityMemory), window: new MessageWindow(c.ingestWindowIds), activity: new ActivityMemory(c.ingestIdentityMemory) };
    memories.set(ctx.db, m);
  }
  return m;
}

/** Whether this process has processed the messageId of the workspace within its window. */
export function processedBefore(ctx: Ctx, workspaceId: string, messageId: string): boolean {
  return ingestMemory(ctx).window.has(workspaceId, messageId);
}

/** What a committed batch teaches the memory, per workspace. */
type Committed = { workspaceId: string; messageIds: string[]; windowSeq: number | null; links: Link[]; activity: Map<string, Activity> }[];
type Link = { ids: Identifier[]; customer: string };

function remember(memory: IngestMemory, committed: Committed): void {
  for (const c of committed) {
    memory.window.remember(c.workspaceId, c.messageIds, c.windowSeq);
    memory.identities.learn(c.workspaceId, c.links);
    for (const [customer, a] of c.activity) memory.activity.remember(customer, a);
  }
}

/**
 * Stores the events of each workspace: skips messageIds the workspace sent before, resolves each
 * event's customer (OneID), updates profiles, folds orders and inserts the events. Runs in the
 * caller's transaction and holds each workspace's identity graph exclusively (a no-op on PGlite),
 * so that what the process remembers is current (IdentityMemory, MessageWindow).
 */
async function ingestEvents(tx: Ctx, byWorkspace: Map<string, InboxEvent[]>, memory: IngestMemory): Promise<Committed> {
  const committed: Committed = [];
  const eventLines = new JsonLines();
  const orders: OrderEvent[] = [];
  // Workspaces in one order, so two processes locking the same two never wait for each other.
  for (const [ws, all] of [...byWorkspace].sort(([a], [b]) => (a < b ? -1 : 1))) {
    await lockScope(tx.db, ws);
    const now = tx.clock.now();
    await memory.identities.refresh(tx.db, ws, now.getTime());
    await memory.window.refresh(tx.db, ws, now);
    const events = memory.window.fresh(ws, all);
    if (events.length === 0) continue;
    const messageIds = events.map((e) => e.messageId);
    const windowSeq = await memory.window.record(tx.db, ws, messageIds, now);
    const resolver = new BatchResolver(tx, ws, await loadIdentityRules(tx.db, ws), memory.identities);
    await resolver.resolveSimple(events);
    const patches = new Map<string, ProfilePatch[]>();
    for (const e of events.sort((a, b) => a.timestamp.localeCompare(b.timestamp))) {
      const customerId = await resolver.customerOf(e);
      const list = patches.get(customerId) ?? [];
      list.push(patchOf(e));
      patches.set(customerId, list);
      eventLines.push(eventLine(ws, e, customerId));
      if (e.order) orders.push({ workspaceId: ws, customerId, messageId: e.messageId, at: new Date(e.timestamp), fact: e.order });
    }
    // Customers just created hold their events' activity already (resolveMany): nothing to write.
    // (Remembered before the commit: if it fails, these new ids are never used again.)
    for (const c of resolver.created) memory.activity.remember(c.id, c);
    const activity = await updateProfiles(tx, ws, resolver.redirect(patches), memory.activity);
    committed.push({ workspaceId: ws, messageIds, windowSeq, links: resolver.learned, activity });
  }
  await writeOrders(tx, orders);
  if (eventLines.count) await tx.events.insert('events', eventLines);
  await setImmediatePromise(); // the events store's insert, like a statement (see yieldAfterStatements)
  return committed;
}

/**
 * Resolves the events of one workspace in a batch. Events with the same ids resolve once; a
 * merge invalidates that memory and redirects what the batch collected for the merged customer.
 */
class BatchResolver {
  /** Events settled in bulk; forgotten after a merge, as `known` is. */
  private readonly settled = new Map<InboxEvent, string>();
  /** Identifier sets resolved one by one, so that events with the same ids resolve once. */
  private readonly known = new Map<string, string>();
  private readonly mergedInto = new Map<string, string>();
  /** Links this batch resolved through the state store, for the memory once it commits. */
  readonly learned: Link[] = [];
  /** Customers created in bulk, with the activity they were stored with. */
  readonly created: CreatedCustomer[] = [];
  constructor(
    private readonly tx: Ctx,
    private readonly workspaceId: string,
    private readonly rules: IdentityRules,
    private readonly memory: IdentityMemory,
  ) {}

  /**
   * Settles the events of people the process remembers, then in bulk those whose people are all
   * known or all new (aliases excepted: their previousId may be a known member id); the rest go
   * through resolve() one by one.
   */
  async resolveSimple(events: InboxEvent[]): Promise<void> {
    const misses: { e: InboxEvent; ids: Identifier[] }[] = [];
    for (const e of events) {
      if (e.type === 'alias') continue;
      const ids = this.identifying(e.identifiers);
      const remembered = this.memory.lookup(this.workspaceId, ids);
      if (remembered) this.settled.set(e, remembered);
      else misses.push({ e, ids });
    }
    if (misses.length === 0) return;
    const found = await resolveMany(this.tx, this.workspaceId, misses.map(({ e }) => ({ identifiers: e.identifiers, at: new Date(e.timestamp), channel: e.channel })), this.rules, this.created);
    misses.forEach(({ e, ids }, i) => {
      const customer = found[i];
      if (!customer) return;
      this.settled.set(e, customer);
      this.learned.push({ ids, customer }); // resolveMany settles a set only when the customer holds every id
    });
  }

  async customerOf(e: InboxEvent): Promise<string> {
    const settled = this.settled.get(e);
    if (settled) return settled;
    const ids = e.type === 'alias' ? await this.aliasIds(e) : e.identifiers;
    const key = setKey(ids);
    const cached = this.known.get(key);
    if (cached) return cached;
    const r = await resolve(this.tx, this.workspaceId, ids, { at: new Date(e.timestamp), messageId: e.messageId, rules: this.rules });
    if (r.merged.length) {
      this.settled.clear();
      this.known.clear();
      for (const m of r.merged) this.mergedInto.set(m, r.customerId);
    }
    this.known.set(key, r.customerId);
    // Without conflicts, the customer holds every identifying id now; with one, some id is someone else's.
    if (r.conflicts === 0) this.learned.push({ ids: this.identifying(ids), customer: r.customerId });
    return r.customerId;
  }

  private identifying(ids: Identifier[]): Identifier[] {
    return ids.filter((i) => this.rules.get(i.type).identifying);
  }

  /** Segment's previousId is an earlier userId when one is known, otherwise an anonymous id. */
  private async aliasIds(e: InboxEvent): Promise<Identifier[]> {
    const previous = e.identifiers.find((i) => i.type === 'anonymous_id' && i.value === e.previousId);
    if (!previous) return e.identifiers;
    const asUser = await this.tx.db
      .selectFrom('identities')
      .select('customer_id')
      .where('workspace_id', '=', this.workspaceId)
      .where('type', '=', 'user_id')
      .where('collection', '=', '')
      .where('value', '=', previous.value)
      .executeTakeFirst();
    return asUser ? e.identifiers.map((i) => (i === previous ? { ...i, type: 'user_id' } : i)) : e.identifiers;
  }

  /** The patches keyed by the customers that are live after this batch's merges. */
  redirect(patches: Map<string, ProfilePatch[]>): Map<string, ProfilePatch[]> {
    const out = new Map<string, ProfilePatch[]>();
    for (const [id, list] of patches) {
      let root = id;
      while (this.mergedInto.has(root)) root = this.mergedInto.get(root)!;
      out.set(root, [...(out.get(root) ?? []), ...list]);
    }
    return out;
  }
}

function setKey(ids: Identifier[]): string {
  return ids.map((i) => `${i.type}\u0000${i.collection}\u0000${i.value}`).sort().join('\u0001');
}

function patchOf(e: InboxEvent): ProfilePatch {
  return {
    at: new Date(e.timestamp),
    ...(e.type === 'identify' && Object.keys(e.traits).length ? { traits: e.traits } : {}),
    ...(e.consent ? { consent: e.consent } : {}),
    ...(e.channel ? { channel: e.channel } : {}),
  };
}

/** ClickHouse DateTime64(3) text of an ISO 8601 instant as toISOString writes it. */
function chIso(iso: string): string {
  return iso.length === 24 && iso.endsWith('Z') ? `${iso.slice(0, 10)} ${iso.slice(11, 23)}` : chTime(new Date(iso));
}

/**
 * The event as one JSONEachRow line of the events table, built as text: properties, context and
 * traits are written as JSON objects, which the events store keeps as their text (String columns).
 */
function eventLine(workspaceId: string, e: InboxEvent, customerId: string): string {
  return (
    `{"workspace_id":"${workspaceId}","message_id":${JSON.stringify(e.messageId)},"type":"${e.type}","event":${JSON.stringify(e.event ?? '')},` +
    `"customer_id":"${customerId}","user_id":${JSON.stringify(e.userId ?? '')},"anonymous_id":${JSON.stringify(e.anonymousId ?? '')},` +
    `"timestamp":"${chIso(e.timestamp)}","received_at":"${chIso(e.receivedAt)}","sent_at":${e.sentAt ? `"${chTime(new Date(e.sentAt))}"` : 'null'},` +
    `${e.detail ?? legacyDetail(e)}}`
  );
}
