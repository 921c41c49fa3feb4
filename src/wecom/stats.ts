import { sql } from 'kysely';
import { z } from 'zod';
import { AppError, DAY_MS, zonedDayStart } from '../core/index.js';
import type { Ctx } from '../store/index.js';
import { workspaceZone } from './local.js';

export const statsQuery = z.object({
  from: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'YYYY-MM-DD'),
  to: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'YYYY-MM-DD'),
  codeId: z.string().uuid().optional(),
});
export type StatsQuery = z.infer<typeof statsQuery>;

export interface StatsRow {
  key: string;
  label: string;
  adds: number;
  deletes: number;
  net: number;
  /** Adds at least 7 days old, and how many of them still had the relation 7 days later. */
  eligible7: number;
  retained7: number;
  retention7: number | null;
}

export interface LiveCodeStats {
  byDay: StatsRow[];
  byCode: StatsRow[];
  byStaff: StatsRow[];
}

type Counts = { day: string; code_id: string; userid: string; n: number; eligible: number; retained: number };

/**
 * Adds, deletes, net and 7-day retention of channel live codes, by day (workspace zone), code and
 * staff. A delete counts on the day it happened; retention belongs to the day of the add.
 */
export async function liveCodeStats(ctx: Ctx, workspaceId: string, q: StatsQuery): Promise<LiveCodeStats> {
  if (q.from > q.to) throw new AppError('validation_failed', 'from is after to', [{ path: 'from', message: 'must not be after to' }]);
  const tz = await workspaceZone(ctx, workspaceId);
  const start = zonedDayStart(new Date(`${q.from}T12:00:00Z`), tz);
  const end = new Date(zonedDayStart(new Date(`${q.to}T12:00:00Z`), tz).getTime() + DAY_MS);
  if (end.getTime() - start.getTime() > 366 * DAY_MS) throw new AppError('validation_failed', 'at most a year at a time', [{ path: 'to', message: 'at most 366 days after from' }]);
  const weekAgo = new Date(ctx.clock.now().getTime() - 7 * DAY_MS);
  const base = ctx.db.selectFrom('wecom_relations').where('workspace_id', '=', workspaceId).where('code_id', 'is not', null);
  const scoped = q.codeId ? base.where('code_id', '=', q.codeId) : base;
  const localDay = (col: 'added_at' | 'deleted_at') => sql<string>`to_char(${sql.ref(col)} AT TIME ZONE ${tz}, 'YYYY-MM-DD')`;
  const adds = (await scoped
    .select([
      localDay('added_at').as('day'),
      'code_id',
      'userid',
      sql<number>`count(*)`.as('n'),
      sql<number>`count(*) filter (where added_at <= ${weekAgo})`.as('eligible'),
      sql<number>`count(*) filter (where added_at <= ${weekAgo} and (deleted_at is null or deleted_at >= added_at + interval '7 days'))`.as('retained'),
    ])
    .where('added_at', '>=', start)
    .where('added_at', '<', end)
    .groupBy([sql`1`, 'code_id', 'userid'])
    .execute()) as Counts[];
  const deletes = (await scoped
    .select([localDay('deleted_at').as('day'), 'code_id', 'userid', sql<number>`count(*)`.as('n'), sql<number>`0`.as('eligible'), sql<number>`0`.as('retained')])
    .where('deleted_at', '>=', start)
    .where('deleted_at', '<', end)
    .groupBy([sql`1`, 'code_id', 'userid'])
    .execute()) as Counts[];

  const codes = await ctx.db.selectFrom('wecom_codes').select(['id', 'name']).where('workspace_id', '=', workspaceId).execute();
  const staff = await ctx.db.selectFrom('staff').select(['userid', 'name']).where('workspace_id', '=', workspaceId).execute();
  const labels = {
    day: (k: string) => k,
    code: (k: string) => codes.find((c) => c.id === k)?.name ?? k,
    staff: (k: string) => staff.find((s) => s.userid === k)?.name ?? k,
  };
  const group = (by: keyof typeof labels, keyOf: (c: Counts) => string) => {
    const rows = new Map<string, StatsRow>();
    const row = (key: string) => rows.get(key) ?? rows.set(key, { key, label: labels[by](key), adds: 0, deletes: 0, net: 0, eligible7: 0, retained7: 0, retention7: null }).get(key)!;
    for (const a of adds) {
      const r = row(keyOf(a));
      r.adds += Number(a.n);
      r.eligible7 += Number(a.eligible);
      r.retained7 += Number(a.retained);
    }
    for (const d of deletes) row(keyOf(d)).deletes += Number(d.n);
    for (const r of rows.values()) {
      r.net = r.adds - r.deletes;
      r.retention7 = r.eligible7 ? r.retained7 / r.eligible7 : null;
    }
    return [...rows.values()].sort((a, b) => (by === 'day' ? a.key.localeCompare(b.key) : b.adds - a.adds || a.key.localeCompare(b.key)));
  };
  return { byDay: group('day', (c) => c.day), byCode: group('code', (c) => c.code_id), byStaff: group('staff', (c) => c.userid) };
}
