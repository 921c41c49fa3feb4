import { setImmediate as setImmediatePromise } from 'node:timers/promises';
import type { KyselyPlugin } from 'kysely';
import { chTime, type Ctx } from '../store/index.js';
import { isPersonalTrait, type ProfilePatch, updateProfiles } from '../customers/index.js';
import { type Identifier, type IdentityRules, inTransaction, loadIdentityRules, pushAliases, resolve, resolveMany } from '../identity/index.js';
import { flushIngestLog } from './collector.js';
import { insertInboxRows } from './intake.js';
import type { InboxEvent } from './normalize.js';
import { type OrderEvent, writeOrders } from './orders.js';

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
export async function drainInbox(ctx: Ctx, batchSize = 250): Promise<number> {
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
  try {
    return await inTransaction(yielding(ctx), async (tx) => {
      const rows = await claim(tx, limit);
      await ingestRows(tx, rows);
      return rows.length;
    });
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
  for (const row of pending) {
    try {
      done += await inTransaction(ctx, async (tx) => {
        const rows = await claim(tx, 1, row);
        await ingestRows(tx, rows);
        return rows.length;
      });
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

async function ingestRows(tx: Ctx, rows: InboxRow[]): Promise<void> {
  if (rows.length === 0) return;
  const byWorkspace = new Map<string, InboxEvent[]>();
  for (const r of rows) {
    const list = byWorkspace.get(r.workspace_id) ?? [];
    list.push(JSON.parse(tx.secrets.decrypt(r.payload)) as InboxEvent);
    byWorkspace.set(r.workspace_id, list);
  }
  await ingestEvents(tx, byWorkspace);
  const now = tx.clock.now();
  for (const [ws, events] of byWorkspace) {
    await tx.db
      .updateTable('ingest_inbox')
      .set({ processed_at: now, payload: '' })
      .where('workspace_id', '=', ws)
      .where('message_id', 'in', events.map((e) => e.messageId))
      .execute();
  }
}

/**
 * Processes events straight from the collection API's log, without a pending inbox row: in one
 * transaction their inbox rows are inserted already processed (the unique workspace + messageId
 * drops what the workspace sent before, which is then skipped) and the new ones are resolved and
 * stored. If that fails, the events go into the inbox as pending, where the worker retries them
 * (one by one if need be); if even that fails, the error goes up and the caller keeps the events.
 */
export async function processEvents(ctx: Ctx, batches: { workspaceId: string; events: InboxEvent[] }[]): Promise<void> {
  try {
    await inTransaction(yielding(ctx), async (tx) => {
      const now = tx.clock.now();
      const fresh = new Map<string, InboxEvent[]>();
      for (const { workspaceId, events } of batches) {
        const stored = await insertProcessedRows(tx, events.map((e) => ({ workspace_id: workspaceId, message_id: e.messageId, received_at: new Date(e.receivedAt), payload: '', processed_at: now })));
        const list = fresh.get(workspaceId) ?? [];
        for (const e of events) if (stored.delete(e.messageId)) list.push(e);
        fresh.set(workspaceId, list);
      }
      await ingestEvents(tx, fresh);
    });
  } catch (err) {
    ctx.log.warn({ err }, 'processing events from the ingest log failed; they go to the inbox for the worker to retry');
    const rows = batches.flatMap(({ workspaceId, events }) => events.map((e) => ({ workspace_id: workspaceId, message_id: e.messageId, received_at: new Date(e.receivedAt), payload: ctx.secrets.encrypt(JSON.stringify(e)) })));
    await ctx.db.transaction().execute((trx) => insertInboxRows({ ...ctx, db: trx }, [rows]));
  }
}

/** Inserts inbox rows of one workspace, skipping messageIds it has; returns the new messageIds. */
async function insertProcessedRows(tx: Ctx, rows: (InboxRow & { received_at: Date; processed_at: Date })[]): Promise<Set<string>> {
  const stored = new Set<string>();
  // PostgreSQL takes at most 65,535 parameters per statement.
  for (let i = 0; i < rows.length; i += 5000) {
    const res = await tx.db.insertInto('ingest_inbox').values(rows.slice(i, i + 5000)).onConflict((oc) => oc.columns(['workspace_id', 'message_id']).doNothing()).returning('message_id').execute();
    for (const r of res) stored.add(r.message_id);
  }
  return stored;
}

/** Resolves, profiles, folds orders and stores the events of each workspace. */
async function ingestEvents(tx: Ctx, byWorkspace: Map<string, InboxEvent[]>): Promise<void> {
  const eventRows: Record<string, unknown>[] = [];
  const orders: OrderEvent[] = [];
  for (const [ws, events] of byWorkspace) {
    if (events.length === 0) continue;
    const resolver = new BatchResolver(tx, ws, await loadIdentityRules(tx.db, ws));
    await resolver.resolveSimple(events);
    const patches = new Map<string, ProfilePatch[]>();
    for (const e of events.sort((a, b) => a.timestamp.localeCompare(b.timestamp))) {
      const customerId = await resolver.customerOf(e);
      const list = patches.get(customerId) ?? [];
      list.push(patchOf(e));
      patches.set(customerId, list);
      eventRows.push(eventRow(ws, e, customerId));
      if (e.order) orders.push({ workspaceId: ws, customerId, messageId: e.messageId, at: new Date(e.timestamp), fact: e.order });
    }
    await updateProfiles(tx, ws, resolver.redirect(patches));
  }
  await writeOrders(tx, orders);
  if (eventRows.length) await tx.events.insert('events', eventRows);
  await setImmediatePromise(); // the events store's insert, like a statement (see yieldAfterStatements)
}

/**
 * Resolves the events of one workspace in a batch. Events with the same ids resolve once; a
 * merge invalidates that memory and redirects what the batch collected for the merged customer.
 */
class BatchResolver {
  private readonly known = new Map<string, string>();
  private readonly mergedInto = new Map<string, string>();
  constructor(
    private readonly tx: Ctx,
    private readonly workspaceId: string,
    private readonly rules: IdentityRules,
  ) {}

  /**
   * Settles in bulk the events whose people are all known or all new (aliases excepted: their
   * previousId may be a known member id); the rest go through resolve() one by one.
   */
  async resolveSimple(events: InboxEvent[]): Promise<void> {
    const candidates = events.filter((e) => e.type !== 'alias');
    const found = await resolveMany(this.tx, this.workspaceId, candidates.map((e) => ({ identifiers: e.identifiers, at: new Date(e.timestamp) })), this.rules);
    candidates.forEach((e, i) => {
      if (found[i]) this.known.set(setKey(e.identifiers), found[i]);
    });
  }

  async customerOf(e: InboxEvent): Promise<string> {
    const ids = e.type === 'alias' ? await this.aliasIds(e) : e.identifiers;
    const key = setKey(ids);
    const cached = this.known.get(key);
    if (cached) return cached;
    const r = await resolve(this.tx, this.workspaceId, ids, { at: new Date(e.timestamp), messageId: e.messageId, rules: this.rules });
    if (r.merged.length) {
      this.known.clear();
      for (const m of r.merged) this.mergedInto.set(m, r.customerId);
    }
    this.known.set(key, r.customerId);
    return r.customerId;
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

/** The events store keeps no personal traits in clear: they live encrypted on the profile. */
function withoutPersonal(traits: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(traits).filter(([k]) => !isPersonalTrait(k)));
}

function eventRow(workspaceId: string, e: InboxEvent, customerId: string): Record<string, unknown> {
  const context = { ...e.context };
  if (context.traits && typeof context.traits === 'object') context.traits = withoutPersonal(context.traits as Record<string, unknown>);
  return {
    workspace_id: workspaceId,
    message_id: e.messageId,
    type: e.type,
    event: e.event ?? '',
    customer_id: customerId,
    user_id: e.userId ?? '',
    anonymous_id: e.anonymousId ?? '',
    timestamp: chTime(new Date(e.timestamp)),
    received_at: chTime(new Date(e.receivedAt)),
    sent_at: e.sentAt ? chTime(new Date(e.sentAt)) : null,
    properties: JSON.stringify(e.properties),
    context: JSON.stringify(context),
    traits: JSON.stringify(withoutPersonal(e.traits)),
  };
}
