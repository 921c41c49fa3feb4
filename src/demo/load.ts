import type { Ctx } from '../store/index.js';
import { type Actor, systemActor } from '../audit/index.js';
import { ensureWorkspace, firstOwnerId, setMembership } from '../auth/index.js';
import { writeCustomers, type CustomerRecord } from '../customers/index.js';
import { recordIdentityChange } from '../identity/index.js';
import { chTime } from '../analytics/index.js';
import { demoCatalog } from './catalog.js';
import { generateDemo } from './generator.js';
import type { DemoBatch, DemoCustomer, DemoEvent, DemoOptions, DemoOrder } from './types.js';

export const DEMO_SLUG = 'demo';

export interface LoadDemoOptions {
  customers: number;
  seed?: number;
  meanOrders?: number;
  eventDensity?: number;
  years?: number;
  slug?: string;
  /** Called after each batch with customers written so far and the total. */
  onProgress?: (done: number, total: number) => void;
  actor?: Actor;
}

/** Recorded in the workspace settings: what was generated, so a second run adds nothing. */
interface DemoMarker {
  seed: number;
  customers: number;
  meanOrders?: number;
  eventDensity?: number;
  years?: number;
  now: string;
  completedAt: string | null;
}

export interface LoadDemoResult {
  workspaceId: string;
  generated: boolean;
  customers: number;
  orders: number;
  events: number;
}

/**
 * Creates the demo brand's workspace and fills both stores from the deterministic generator.
 * Re-running after a completed load changes nothing; re-running after an interrupted load
 * clears the partial data and regenerates exactly the same brand (same seed, same `now`).
 */
export async function loadDemo(ctx: Ctx, opts: LoadDemoOptions): Promise<LoadDemoResult> {
  const catalog = demoCatalog(opts.seed);
  const actor = opts.actor ?? systemActor;
  const { workspace } = await ensureWorkspace(ctx, { slug: opts.slug ?? DEMO_SLUG, name: `${catalog.brand.name}（演示）` }, actor);
  const owner = await firstOwnerId(ctx);
  if (owner) await setMembership(ctx, workspace.id, owner, 'owner', actor);

  const marker = (workspace.settings.demo ?? null) as DemoMarker | null;
  if (marker?.completedAt) return { workspaceId: workspace.id, generated: false, customers: marker.customers, orders: 0, events: 0 };
  if (marker) await clearWorkspaceData(ctx, workspace.id);

  const next: DemoMarker = marker ?? {
    seed: opts.seed ?? 42,
    customers: opts.customers,
    meanOrders: opts.meanOrders,
    eventDensity: opts.eventDensity,
    years: opts.years,
    now: ctx.clock.now().toISOString(),
    completedAt: null,
  };
  await saveMarker(ctx, workspace.id, next);
  await writeCatalog(ctx, workspace.id, catalog);

  const genOpts: DemoOptions = {
    seed: next.seed,
    customers: next.customers,
    now: new Date(next.now),
    meanOrders: next.meanOrders,
    eventDensity: next.eventDensity,
    years: next.years,
  };
  const totals = { customers: 0, orders: 0, events: 0 };
  for (const batch of generateDemo(genOpts)) {
    await writeBatch(ctx, workspace.id, batch, new Date(next.now));
    totals.customers += batch.customers.length;
    totals.orders += batch.orders.length;
    totals.events += batch.events.length;
    opts.onProgress?.(totals.customers, next.customers);
  }
  await saveMarker(ctx, workspace.id, { ...next, completedAt: ctx.clock.now().toISOString() });
  return { workspaceId: workspace.id, generated: true, ...totals };
}

async function saveMarker(ctx: Ctx, workspaceId: string, marker: DemoMarker): Promise<void> {
  const ws = await ctx.db.selectFrom('workspaces').select('settings').where('id', '=', workspaceId).executeTakeFirstOrThrow();
  await ctx.db.updateTable('workspaces').set({ settings: JSON.stringify({ ...ws.settings, demo: marker }) }).where('id', '=', workspaceId).execute();
}

async function writeCatalog(ctx: Ctx, workspaceId: string, catalog: ReturnType<typeof demoCatalog>): Promise<void> {
  const ws = { workspace_id: workspaceId };
  await ctx.db
    .insertInto('products')
    .values(catalog.products.map((p) => ({ ...ws, sku: p.sku, name: p.name, category: p.category, price_fen: p.priceFen })))
    .onConflict((oc) => oc.columns(['workspace_id', 'sku']).doNothing())
    .execute();
  await ctx.db
    .insertInto('staff')
    .values(catalog.staff.map((s) => ({ ...ws, userid: s.userid, name: s.name, department: s.department })))
    .onConflict((oc) => oc.columns(['workspace_id', 'userid']).doNothing())
    .execute();
  await ctx.db
    .insertInto('channels')
    .values(catalog.channels.map((c) => ({ ...ws, key: c.key, name: c.name })))
    .onConflict((oc) => oc.columns(['workspace_id', 'key']).doNothing())
    .execute();
}

async function writeBatch(ctx: Ctx, workspaceId: string, batch: DemoBatch, receivedAt: Date): Promise<void> {
  const lastSeen = new Map<string, Date>();
  for (const e of batch.events) {
    const prev = lastSeen.get(e.customerId);
    if (!prev || prev < e.timestamp) lastSeen.set(e.customerId, e.timestamp);
  }
  await writeCustomers(ctx, workspaceId, batch.customers.map((c) => customerRecord(c, lastSeen.get(c.id))));
  await ctx.events.insert('events', batch.events.map((e) => eventRow(workspaceId, e, receivedAt)));
  await ctx.events.insert('orders', batch.orders.map((o) => demoOrderRow(workspaceId, o)));
}

function customerRecord(c: DemoCustomer, lastSeenAt: Date | undefined): CustomerRecord {
  const phone = c.identifiers.find((i) => i.type === 'phone')?.value ?? null;
  return {
    id: c.id,
    name: c.name,
    phone,
    gender: c.gender,
    birthday: c.birthday,
    city: c.city,
    channel: c.channel,
    staffUserid: c.staffUserid,
    traits: c.traits,
    firstSeenAt: c.firstSeenAt,
    lastSeenAt: lastSeenAt && lastSeenAt > c.firstSeenAt ? lastSeenAt : c.firstSeenAt,
    identifiers: c.identifiers,
  };
}

function eventRow(workspaceId: string, e: DemoEvent, receivedAt: Date) {
  return {
    workspace_id: workspaceId,
    message_id: e.messageId,
    type: e.type,
    event: e.event ?? '',
    customer_id: e.customerId,
    user_id: e.userId ?? '',
    anonymous_id: e.anonymousId ?? '',
    timestamp: chTime(e.timestamp),
    received_at: chTime(receivedAt),
    sent_at: null,
    properties: JSON.stringify(e.properties),
    context: JSON.stringify(e.context),
    traits: e.type === 'identify' ? JSON.stringify(e.properties) : '{}',
  };
}

/** An order as an events-store `orders` row (columns in table order: benchmarks insert by position). */
export function demoOrderRow(workspaceId: string, o: DemoOrder) {
  return {
    workspace_id: workspaceId,
    order_id: o.orderId,
    customer_id: o.customerId,
    status: o.status,
    ordered_at: chTime(o.orderedAt),
    refunded_at: o.refundedAt ? chTime(o.refundedAt) : null,
    total_fen: o.totalFen,
    discount_fen: o.discountFen,
    refunded_fen: o.status === 'refunded' ? o.totalFen : 0,
    currency: 'CNY',
    channel: o.channel,
    staff_userid: o.staffUserid ?? '',
    products: JSON.stringify(o.products),
    skus: o.products.map((p) => p.sku),
    categories: o.products.map((p) => p.category),
    version: 1,
  };
}

/** Removes a workspace's customers and events-store rows (used to restart an interrupted demo load). */
async function clearWorkspaceData(ctx: Ctx, workspaceId: string): Promise<void> {
  await ctx.db.deleteFrom('identities').where('workspace_id', '=', workspaceId).execute();
  await recordIdentityChange(ctx, workspaceId, [null]);
  await ctx.db.deleteFrom('customers').where('workspace_id', '=', workspaceId).execute();
  for (const table of ['events', 'orders']) {
    await ctx.events.command(`ALTER TABLE ${ctx.events.table(table)} DELETE WHERE workspace_id = {ws:UUID} SETTINGS mutations_sync = 1`, { ws: workspaceId });
  }
}
