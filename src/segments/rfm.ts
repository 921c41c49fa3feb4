import { newId } from '../core/index.js';
import type { Ctx } from '../store/index.js';
import { Params, lastDaysStart, netOrders } from './sql.js';
import { type RfmSettings, SEGMENT_BY_BITS, loadRfmSettings } from './rfm-model.js';

export interface Workspace {
  id: string;
  timezone: string;
}

const QUINTILES = 'quantilesExact(0.2, 0.4, 0.6, 0.8)';

/**
 * RFM of every customer who bought in the window, in one ClickHouse query. Orders are
 * aggregated per live customer (merged customers once), then the per-customer columns are
 * gathered into arrays so cut points, scores and centers come from one pass:
 *   recency_days  local days between the last purchase and today (Asia/Shanghai by default)
 *   frequency     purchases in the window; monetary_fen: their amount net of refunds
 *   quintile cuts the 20/40/60/80% quantiles (quantileExact: element ⌊level·n⌋ of the sorted values);
 *                 a score is 1 + the cuts the value is strictly better than (ties score alike)
 *   thresholds    R: 1 + cuts with days ≤ cut; F, M: 1 + cuts with value ≥ cut
 *   segment       bits (R > center, F > center, M > center), center = mean or median score
 * Columns: customer_id, recency_days, frequency, monetary_fen, r, f, m, segment.
 */
export function rfmScoresSql(ctx: Pick<Ctx, 'events'>, settings: RfmSettings, p: Params, now: Date, timeZone: string): string {
  const tz = p.add('String', timeZone);
  const to = p.time(now);
  const from = p.time(lastDaysStart(now, timeZone, settings.windowDays));
  const quintile = settings.scoring === 'quintile';
  const t = settings.thresholds;
  const cuts = {
    r: quintile ? `arrayReduce('${QUINTILES}', rds)` : p.add('Array(Int64)', t.recencyDays),
    f: quintile ? `arrayReduce('${QUINTILES}', fvs)` : p.add('Array(Int64)', t.frequency),
    m: quintile ? `arrayReduce('${QUINTILES}', mvs)` : p.add('Array(Int64)', t.monetaryFen),
  };
  const better = quintile ? { r: 'x < c', fm: 'x > c' } : { r: 'x <= c', fm: 'x >= c' };
  const center = (col: string) => (settings.compareTo === 'mean' ? `arrayAvg(${col})` : `arrayReduce('quantileExact(0.5)', ${col})`);
  const segments = p.add('Array(String)', SEGMENT_BY_BITS);
  return `
    WITH per_customer AS (
      SELECT cid, dateDiff('day', toDate(max(ordered_at), ${tz}), toDate(${to}, ${tz})) AS rd, count() AS fv, sum(net_fen) AS mv
      FROM (${netOrders(ctx.events, `o.ordered_at >= ${from} AND o.ordered_at <= ${to}`)})
      GROUP BY cid
    ), gathered AS (
      SELECT groupArray(cid) AS ids, groupArray(rd) AS rds, groupArray(fv) AS fvs, groupArray(mv) AS mvs FROM per_customer
    ), scored AS (
      SELECT ids, rds, fvs, mvs, ${cuts.r} AS rc, ${cuts.f} AS fc, ${cuts.m} AS mc,
        arrayMap(x -> toUInt8(1 + arrayCount(c -> ${better.r}, rc)), rds) AS rs,
        arrayMap(x -> toUInt8(1 + arrayCount(c -> ${better.fm}, fc)), fvs) AS fs,
        arrayMap(x -> toUInt8(1 + arrayCount(c -> ${better.fm}, mc)), mvs) AS ms
      FROM gathered
    ), centered AS (
      SELECT ids, rds, fvs, mvs, rs, fs, ms, ${center('rs')} AS r_center, ${center('fs')} AS f_center, ${center('ms')} AS m_center FROM scored
    )
    SELECT id AS customer_id, rd AS recency_days, fv AS frequency, mv AS monetary_fen, r, f, m,
      ${segments}[1 + (r > r_center) * 4 + (f > f_center) * 2 + (m > m_center)] AS segment
    FROM centered ARRAY JOIN ids AS id, rds AS rd, fvs AS fv, mvs AS mv, rs AS r, fs AS f, ms AS m`;
}

export interface RfmSnapshot {
  id: string;
  at: Date;
  settings: RfmSettings;
  cuts: { r: number[]; f: number[]; m: number[] };
  centers: { r: number; f: number; m: number };
  customers: number;
  revenueFen: number;
}

/**
 * Computes RFM and stores it as a new snapshot. The snapshot row is 'computing' until its scores
 * are all written, so readers never see half a snapshot; a failed run removes what it wrote.
 */
export async function computeRfmSnapshot(ctx: Ctx, ws: Workspace): Promise<RfmSnapshot> {
  const settings = await loadRfmSettings(ctx, ws.id);
  const id = newId(ctx.clock);
  const at = ctx.clock.now();
  await ctx.db
    .insertInto('rfm_snapshots')
    .values({ workspace_id: ws.id, id, at, status: 'computing', settings: JSON.stringify(settings) })
    .execute();
  const ev = ctx.events;
  try {
    const p = new Params(ws.id);
    const snap = p.add('UUID', id);
    await ev.command(
      `INSERT INTO ${ev.table('rfm_scores')} (workspace_id, snapshot_id, customer_id, recency_days, frequency, monetary_fen, r, f, m, segment)
       SELECT {ws:UUID}, ${snap}, customer_id, recency_days, frequency, monetary_fen, r, f, m, segment FROM (${rfmScoresSql(ctx, settings, p, at, ws.timezone)})`,
      p.values,
    );
    // The stored values are the computed ones, so their quantiles are the cut points used.
    const [meta] = await ev.query<{ n: number; revenue: number; rq: number[]; fq: number[]; mq: number[]; rc: number; fc: number; mc: number }>(
      `SELECT count() AS n, sum(monetary_fen) AS revenue,
         ${QUINTILES}(recency_days) AS rq, ${QUINTILES}(frequency) AS fq, ${QUINTILES}(monetary_fen) AS mq,
         ${settings.compareTo === 'mean' ? 'avg(r) AS rc, avg(f) AS fc, avg(m) AS mc' : 'quantileExact(0.5)(r) AS rc, quantileExact(0.5)(f) AS fc, quantileExact(0.5)(m) AS mc'}
       FROM ${ev.table('rfm_scores')} WHERE workspace_id = {ws:UUID} AND snapshot_id = {id:UUID}`,
      { ws: ws.id, id },
    );
    const n = Number(meta?.n ?? 0);
    const t = settings.thresholds;
    const cuts = settings.scoring === 'quintile' ? { r: meta.rq.map(Number), f: meta.fq.map(Number), m: meta.mq.map(Number) } : { r: t.recencyDays, f: t.frequency, m: t.monetaryFen };
    const centers = n ? { r: Number(meta.rc), f: Number(meta.fc), m: Number(meta.mc) } : { r: 0, f: 0, m: 0 };
    const revenueFen = Number(meta?.revenue ?? 0);
    await ctx.db
      .updateTable('rfm_snapshots')
      .set({ status: 'ready', cuts: JSON.stringify(n ? cuts : { r: [], f: [], m: [] }), centers: JSON.stringify(centers), customers: n, revenue_fen: revenueFen })
      .where('workspace_id', '=', ws.id)
      .where('id', '=', id)
      .execute();
    return { id, at, settings, cuts: n ? cuts : { r: [], f: [], m: [] }, centers, customers: n, revenueFen };
  } catch (err) {
    await ev.command(`DELETE FROM ${ev.table('rfm_scores')} WHERE workspace_id = {ws:UUID} AND snapshot_id = {id:UUID}`, { ws: ws.id, id }).catch(() => undefined);
    await ctx.db.deleteFrom('rfm_snapshots').where('workspace_id', '=', ws.id).where('id', '=', id).execute();
    throw err;
  }
}
