import { AppError, isUuid } from '../core/index.js';
import type { Ctx } from '../store/index.js';
import type { Principal } from '../auth/index.js';
import { type CustomerCard, customerCards } from './cards.js';
import { RFM_SEGMENTS, RFM_SEGMENT_KEYS, type RfmSegmentKey, rfmSettings } from './rfm-model.js';
import { type RfmSnapshot, type Workspace, computeRfmSnapshot } from './rfm.js';
import { localDateEnd, remapped } from './sql.js';

function toSnapshot(r: { id: string; at: Date; settings: unknown; cuts: unknown; centers: unknown; customers: number; revenue_fen: number | string }): RfmSnapshot {
  return {
    id: r.id,
    at: r.at,
    settings: rfmSettings.parse(r.settings),
    cuts: (r.cuts ?? { r: [], f: [], m: [] }) as RfmSnapshot['cuts'],
    centers: (r.centers ?? { r: 0, f: 0, m: 0 }) as RfmSnapshot['centers'],
    customers: Number(r.customers),
    revenueFen: Number(r.revenue_fen),
  };
}

function readySnapshots(ctx: Ctx, workspaceId: string) {
  return ctx.db.selectFrom('rfm_snapshots').selectAll().where('workspace_id', '=', workspaceId).where('status', '=', 'ready');
}

export async function listRfmSnapshots(ctx: Ctx, workspaceId: string, limit = 100): Promise<RfmSnapshot[]> {
  const rows = await readySnapshots(ctx, workspaceId).orderBy('at', 'desc').orderBy('seq', 'desc').limit(limit).execute();
  return rows.map(toSnapshot);
}

/** A snapshot by id, or the latest; with none stored yet, the first is computed now. */
export async function rfmSnapshot(ctx: Ctx, ws: Workspace, id?: string): Promise<RfmSnapshot> {
  if (id) {
    const row = isUuid(id) ? await readySnapshots(ctx, ws.id).where('id', '=', id).executeTakeFirst() : undefined;
    if (!row) throw new AppError('not_found', `RFM snapshot ${id} does not exist in this workspace`);
    return toSnapshot(row);
  }
  const latest = await readySnapshots(ctx, ws.id).orderBy('at', 'desc').orderBy('seq', 'desc').executeTakeFirst();
  return latest ? toSnapshot(latest) : computeRfmSnapshot(ctx, ws);
}

/** The latest snapshot taken by the end of a local date. */
async function snapshotOn(ctx: Ctx, ws: Workspace, date: string): Promise<RfmSnapshot> {
  const row = await readySnapshots(ctx, ws.id).where('at', '<', localDateEnd(date, ws.timezone)).orderBy('at', 'desc').orderBy('seq', 'desc').executeTakeFirst();
  if (!row) throw new AppError('not_found', `there is no RFM snapshot on or before ${date}`);
  return toSnapshot(row);
}

export interface RfmSegmentSummary {
  key: RfmSegmentKey;
  name: string;
  nameEn: string;
  strategy: string;
  strategyEn: string;
  high: { r: boolean; f: boolean; m: boolean };
  customers: number;
  revenueFen: number;
  customerShare: number;
  revenueShare: number;
  avgRecencyDays: number;
  avgFrequency: number;
  avgMonetaryFen: number;
}

/** The 8 segments of a snapshot (all of them, empty ones too) with customers and net revenue. */
export async function rfmSummary(ctx: Ctx, ws: Workspace, snapshotId?: string): Promise<{ snapshot: RfmSnapshot; segments: RfmSegmentSummary[] }> {
  const snapshot = await rfmSnapshot(ctx, ws, snapshotId);
  const rows = await ctx.events.query<{ segment: RfmSegmentKey; n: number; revenue: number; rd: number; fv: number; mv: number }>(
    `SELECT segment, count() AS n, sum(monetary_fen) AS revenue, avg(recency_days) AS rd, avg(frequency) AS fv, avg(monetary_fen) AS mv
     FROM ${ctx.events.table('rfm_scores')} WHERE workspace_id = {ws:UUID} AND snapshot_id = {id:UUID} GROUP BY segment`,
    { ws: ws.id, id: snapshot.id },
  );
  const by = new Map(rows.map((r) => [r.segment, r]));
  const segments = RFM_SEGMENT_KEYS.map((key) => {
    const info = RFM_SEGMENTS[key];
    const r = by.get(key);
    const customers = Number(r?.n ?? 0);
    const revenueFen = Number(r?.revenue ?? 0);
    return {
      key,
      name: info.zh,
      nameEn: info.en,
      strategy: info.strategyZh,
      strategyEn: info.strategyEn,
      high: { r: info.r, f: info.f, m: info.m },
      customers,
      revenueFen,
      customerShare: snapshot.customers ? customers / snapshot.customers : 0,
      revenueShare: snapshot.revenueFen ? revenueFen / snapshot.revenueFen : 0,
      avgRecencyDays: Number(r?.rd ?? 0),
      avgFrequency: Number(r?.fv ?? 0),
      avgMonetaryFen: Math.round(Number(r?.mv ?? 0)),
    };
  });
  return { snapshot, segments };
}

/** Customers and revenue in every R × F cell (R and F from 1 to 5), empty cells included. */
export async function rfmGrid(ctx: Ctx, ws: Workspace, snapshotId?: string) {
  const snapshot = await rfmSnapshot(ctx, ws, snapshotId);
  const rows = await ctx.events.query<{ r: number; f: number; n: number; revenue: number }>(
    `SELECT r, f, count() AS n, sum(monetary_fen) AS revenue FROM ${ctx.events.table('rfm_scores')}
     WHERE workspace_id = {ws:UUID} AND snapshot_id = {id:UUID} GROUP BY r, f`,
    { ws: ws.id, id: snapshot.id },
  );
  const by = new Map(rows.map((c) => [`${c.r}:${c.f}`, c]));
  const cells = [];
  for (let r = 1; r <= 5; r++) {
    for (let f = 1; f <= 5; f++) {
      const c = by.get(`${r}:${f}`);
      cells.push({ r, f, customers: Number(c?.n ?? 0), revenueFen: Number(c?.revenue ?? 0) });
    }
  }
  return { snapshot, cells };
}

export type SnapshotRef = { snapshot: string } | { date: string };

function pick(ctx: Ctx, ws: Workspace, ref: SnapshotRef): Promise<RfmSnapshot> {
  return 'snapshot' in ref ? rfmSnapshot(ctx, ws, ref.snapshot) : snapshotOn(ctx, ws, ref.date);
}

/**
 * How many customers moved from each segment of one snapshot to each of another ('none': not
 * scored there, i.e. no purchase in the window). Both sides are resolved through OneID now, so a
 * customer merged in between counts once.
 */
/** Both snapshots' segments per live customer ('' where not scored): the rows movement counts. */
function movementSql(ctx: Ctx): string {
  const side = (param: string) => {
    const s = remapped(ctx.events, 'rfm_scores', 's');
    return `SELECT ${s.cid} AS cid, any(s.segment) AS segment FROM ${s.from} WHERE s.workspace_id = {ws:UUID} AND s.snapshot_id = {${param}:UUID} GROUP BY cid`;
  };
  return `SELECT if(a.cid = toUUID('00000000-0000-0000-0000-000000000000'), b.cid, a.cid) AS customer,
      if(a.segment = '', 'none', a.segment) AS from_segment, if(b.segment = '', 'none', b.segment) AS to_segment
    FROM (${side('a')}) AS a FULL OUTER JOIN (${side('b')}) AS b ON a.cid = b.cid`;
}

export async function rfmMovement(ctx: Ctx, ws: Workspace, from: SnapshotRef, to: SnapshotRef) {
  const [a, b] = await Promise.all([pick(ctx, ws, from), pick(ctx, ws, to)]);
  const rows = await ctx.events.query<{ from_segment: string; to_segment: string; n: number }>(
    `SELECT from_segment, to_segment, count() AS n FROM (${movementSql(ctx)}) GROUP BY from_segment, to_segment`,
    { ws: ws.id, a: a.id, b: b.id },
  );
  const cells = rows.map((r) => ({ from: r.from_segment as RfmSegmentKey | 'none', to: r.to_segment as RfmSegmentKey | 'none', customers: Number(r.n) }));
  return { from: a, to: b, cells, moved: cells.filter((c) => c.from !== c.to).reduce((s, c) => s + c.customers, 0) };
}

/** Drill-down of one movement cell: the customers who went from one segment to another. */
export async function rfmMovementCustomers(
  ctx: Ctx,
  p: Principal,
  q: { from: SnapshotRef; to: SnapshotRef; fromSegment: RfmSegmentKey | 'none'; toSegment: RfmSegmentKey | 'none'; cursor?: string; limit: number },
): Promise<{ items: CustomerCard[]; nextCursor: string | null }> {
  if (q.cursor && !isUuid(q.cursor)) throw new AppError('validation_failed', 'cursor is not valid', [{ path: 'querystring.cursor', message: 'use nextCursor from the previous page' }]);
  const [a, b] = await Promise.all([pick(ctx, p.workspace, q.from), pick(ctx, p.workspace, q.to)]);
  const rows = await ctx.events.query<{ id: string }>(
    `SELECT toString(customer) AS id FROM (${movementSql(ctx)})
     WHERE from_segment = {fs:String} AND to_segment = {ts:String} ${q.cursor ? 'AND customer > {cursor:UUID}' : ''}
     ORDER BY customer LIMIT {limit:UInt32}`,
    { ws: p.workspace.id, a: a.id, b: b.id, fs: q.fromSegment, ts: q.toSegment, limit: q.limit + 1, ...(q.cursor ? { cursor: q.cursor } : {}) },
  );
  const page = rows.slice(0, q.limit).map((r) => r.id);
  const cards = await customerCards(ctx, p, page);
  return {
    items: page.map((id) => cards.get(id) ?? { id, name: null, phone: null, city: null, channel: null }),
    nextCursor: rows.length > q.limit ? page[page.length - 1] : null,
  };
}

export interface RfmCustomer extends Omit<CustomerCard, 'id'> {
  customerId: string;
  recencyDays: number;
  frequency: number;
  monetaryFen: number;
  r: number;
  f: number;
  m: number;
  segment: RfmSegmentKey;
}

export interface RfmCustomerQuery {
  snapshot?: string;
  segment?: RfmSegmentKey;
  r?: number;
  f?: number;
  m?: number;
  cursor?: string;
  limit: number;
}

/** Drill-down: the customers of a segment or grid cell, by customer id, with their scores. */
export async function rfmCustomers(ctx: Ctx, p: Principal, q: RfmCustomerQuery): Promise<{ snapshot: RfmSnapshot; items: RfmCustomer[]; nextCursor: string | null }> {
  if (q.cursor && !isUuid(q.cursor)) throw new AppError('validation_failed', 'cursor is not valid', [{ path: 'querystring.cursor', message: 'use nextCursor from the previous page' }]);
  const snapshot = await rfmSnapshot(ctx, p.workspace, q.snapshot);
  const params: Record<string, unknown> = { ws: p.workspace.id, id: snapshot.id, limit: q.limit + 1 };
  const where = ['workspace_id = {ws:UUID}', 'snapshot_id = {id:UUID}'];
  for (const [key, type] of [['segment', 'String'], ['r', 'UInt8'], ['f', 'UInt8'], ['m', 'UInt8'], ['cursor', 'UUID']] as const) {
    if (q[key] === undefined) continue;
    where.push(key === 'cursor' ? `customer_id > {cursor:UUID}` : `${key} = {${key}:${type}}`);
    params[key] = q[key];
  }
  const rows = await ctx.events.query<{ customer_id: string; recency_days: number; frequency: number; monetary_fen: number; r: number; f: number; m: number; segment: RfmSegmentKey }>(
    `SELECT customer_id, recency_days, frequency, monetary_fen, r, f, m, segment FROM ${ctx.events.table('rfm_scores')}
     WHERE ${where.join(' AND ')} ORDER BY customer_id LIMIT {limit:UInt32}`,
    params,
  );
  const page = rows.slice(0, q.limit);
  const cards = await customerCards(ctx, p, page.map((r) => r.customer_id));
  return {
    snapshot,
    items: page.map((r) => {
      const c = cards.get(r.customer_id);
      return {
        customerId: r.customer_id,
        name: c?.name ?? null,
        phone: c?.phone ?? null,
        city: c?.city ?? null,
        channel: c?.channel ?? null,
        recencyDays: Number(r.recency_days),
        frequency: Number(r.frequency),
        monetaryFen: Number(r.monetary_fen),
        r: Number(r.r),
        f: Number(r.f),
        m: Number(r.m),
        segment: r.segment,
      };
    }),
    nextCursor: rows.length > q.limit ? page[page.length - 1].customer_id : null,
  };
}
