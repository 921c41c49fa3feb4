// The fast path from the demo generator to the events store, for benchmarks at 10^6 customers:
// orders, events and customer profiles go straight into ClickHouse tables (no state-store
// customers, no PII sealing), through JSONEachRow files that ClickHouse parses in parallel
// (about ten times faster than rows passed through the client). The data is the demo brand's.
import fs from 'node:fs';
import path from 'node:path';
import { demoOrderRow, generateDemo, type DemoBatch } from '../src/demo/index.js';
import { chTime, type EventsStore } from '../src/store/index.js';

export interface GenerateOptions {
  customers: number;
  meanOrders: number;
  eventDensity: number;
  now: Date;
  onProgress?: (done: number) => void;
}

export interface Generated {
  customers: number;
  orders: number;
  events: number;
}

/** Shared frozen property / context objects are serialized once. */
const json = new WeakMap<object, string>();
function stringify(o: Record<string, unknown>): string {
  let s = json.get(o);
  if (s === undefined) {
    s = JSON.stringify(o);
    json.set(o, s);
  }
  return s;
}

const PII = new Set(['name', 'phone', 'email', 'address']);

function rows(workspaceId: string, batch: DemoBatch, receivedAt: string) {
  const lastSeen = new Map<string, number>();
  for (const e of batch.events) lastSeen.set(e.customerId, Math.max(lastSeen.get(e.customerId) ?? 0, e.timestamp.getTime()));
  const profiles = batch.customers.map((c) => ({
    workspace_id: workspaceId,
    customer_id: c.id,
    live: 1,
    gender: c.gender,
    birthday: c.birthday,
    city: c.city,
    channel: c.channel,
    staff_userid: c.staffUserid ?? '',
    traits: Object.fromEntries(Object.entries(c.traits).filter(([k]) => !PII.has(k)).map(([k, v]) => [k, String(v)])),
    consent: {},
    first_seen_at: chTime(c.firstSeenAt),
    last_seen_at: chTime(new Date(Math.max(c.firstSeenAt.getTime(), lastSeen.get(c.id) ?? 0))),
    version: 1,
  }));
  const orders = batch.orders.map((o) => demoOrderRow(workspaceId, o));
  const events = batch.events.map((e) => ({
    workspace_id: workspaceId,
    message_id: e.messageId,
    type: e.type,
    event: e.event ?? '',
    customer_id: e.customerId,
    user_id: e.userId ?? '',
    anonymous_id: e.anonymousId ?? '',
    timestamp: chTime(e.timestamp),
    received_at: receivedAt,
    sent_at: null,
    properties: stringify(e.properties),
    context: stringify(e.context),
    traits: '{}',
  }));
  return { profiles, orders, events };
}

async function insertFile(events: EventsStore, table: string, rows: Record<string, unknown>[], file: string): Promise<void> {
  if (!/^[\w/.-]+$/.test(file)) throw new Error(`unexpected characters in ${file}`);
  fs.writeFileSync(file, rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
  // file() takes a literal path only; the structure comes from the table inserted into.
  await events.command(`INSERT INTO ${events.table(table)} SELECT * FROM file('${file}', 'JSONEachRow')`);
  fs.rmSync(file);
}

/** Generates the demo brand into the events store, flushing every 20,000 customers through `scratch`. */
export async function generateIntoEvents(events: EventsStore, workspaceId: string, opts: GenerateOptions & { scratch: string }): Promise<Generated> {
  const totals = { customers: 0, orders: 0, events: 0 };
  const receivedAt = chTime(opts.now);
  for (const batch of generateDemo({ customers: opts.customers, now: opts.now, meanOrders: opts.meanOrders, eventDensity: opts.eventDensity, batchSize: 20_000 })) {
    const r = rows(workspaceId, batch, receivedAt);
    for (const [table, list] of [['customer_profiles', r.profiles], ['orders', r.orders], ['events', r.events]] as const) {
      await insertFile(events, table, list, path.join(opts.scratch, `${table}.ndjson`));
    }
    totals.customers += batch.customers.length;
    totals.orders += batch.orders.length;
    totals.events += batch.events.length;
    opts.onProgress?.(totals.customers);
  }
  return totals;
}

/**
 * Copies the workspace's generated customers, orders and events `copies - 1` more times inside
 * ClickHouse, each copy with fresh customer ids (an MD5 of the id and the copy number), order ids
 * and message ids (the original with a ~copy suffix, so order ids keep their date prefix). The
 * demo generator draws every customer independently, so k copies of n customers have the
 * distribution of k·n generated ones; used when generating 10^6 customers takes too long.
 */
export async function replicateInEvents(events: EventsStore, workspaceId: string, copies: number): Promise<void> {
  const t = (name: string) => events.table(name);
  const cid = (col: string) => `reinterpretAsUUID(MD5(concat(toString(${col}), '#', toString(k))))`;
  const suffix = (col: string) => `concat(${col}, '~', toString(k))`;
  const ks = `arrayJoin(range(1, {copies:UInt32})) AS k`;
  const params = { ws: workspaceId, copies };
  await events.command(
    `INSERT INTO ${t('customer_profiles')} SELECT * EXCEPT (k) REPLACE (${cid('customer_id')} AS customer_id) FROM (SELECT *, ${ks} FROM ${t('customer_profiles')} WHERE workspace_id = {ws:UUID})`,
    params,
  );
  await events.command(
    `INSERT INTO ${t('orders')} SELECT * EXCEPT (k) REPLACE (${cid('customer_id')} AS customer_id, ${suffix('order_id')} AS order_id) FROM (SELECT *, ${ks} FROM ${t('orders')} WHERE workspace_id = {ws:UUID})`,
    params,
  );
  await events.command(
    `INSERT INTO ${t('events')} SELECT * EXCEPT (k) REPLACE (${cid('customer_id')} AS customer_id, ${suffix('message_id')} AS message_id) FROM (SELECT *, ${ks} FROM ${t('events')} WHERE workspace_id = {ws:UUID})`,
    params,
  );
}
