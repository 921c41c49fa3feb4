import { sql } from 'kysely';
import { AppError } from '../core/index.js';
import type { Ctx } from '../store/index.js';
import { conversionLift, meanLift } from './stats.js';
import type { ArmOutcome, Comparison, JourneyAnalytics, PathRun, StepCounts } from './types.js';

export type { ArmOutcome, Comparison, JourneyAnalytics, PathRun, StepCounts };

/**
 * Journey analytics, read from the engine's journey_runs (one row per customer pass) and
 * journey_steps (one row per step visit). Definitions, per step:
 * - entered: visits of the step; waiting: runs in flight (active / waiting) now at the step;
 * - passed: visits that left the step and went on (any outcome but exited, holdout, converted, failed);
 * - exited (also leaving as holdout at a holdout step) / converted / failed: visits that ended the run
 *   there with that outcome. Same definitions as the engine's live counts (GET /api/journeys/:id/steps).
 * Treated vs holdout compares runs outside and inside the holdout: conversion = converted_at set
 * (the goal reached within its window; holdout runs are measured too), revenue = the conversion
 * order values.
 */

interface OutcomeRow {
  version: number;
  holdout: boolean;
  runs: string;
  converted: string;
  revenue: string | null;
  revenue_sq: string | null;
}

async function assertJourney(ctx: Ctx, workspaceId: string, journeyId: string): Promise<void> {
  const { rows } = await sql<{ id: string }>`SELECT id FROM journeys WHERE workspace_id = ${workspaceId} AND id = ${journeyId}`.execute(ctx.db);
  if (rows.length === 0) throw new AppError('not_found', `journey ${journeyId} does not exist`);
}

function compare(rows: OutcomeRow[]): Comparison {
  const arm = (holdout: boolean) => {
    const rs = rows.filter((r) => r.holdout === holdout);
    const runs = rs.reduce((s, r) => s + Number(r.runs), 0);
    const converted = rs.reduce((s, r) => s + Number(r.converted), 0);
    const revenue = rs.reduce((s, r) => s + Number(r.revenue ?? 0), 0);
    const sumSq = rs.reduce((s, r) => s + Number(r.revenue_sq ?? 0), 0);
    return {
      outcome: { runs, converted, conversionRate: runs ? converted / runs : null, revenueFen: revenue, revenuePerRunFen: runs ? revenue / runs : null },
      moments: { n: runs, sum: revenue, sumSq },
    };
  };
  const t = arm(false);
  const h = arm(true);
  return {
    treated: t.outcome,
    holdout: h.outcome,
    lift: {
      conversion: conversionLift({ n: t.outcome.runs, conversions: t.outcome.converted }, { n: h.outcome.runs, conversions: h.outcome.converted }),
      revenuePerRunFen: meanLift(t.moments, h.moments),
    },
  };
}

export async function journeyAnalytics(ctx: Ctx, workspaceId: string, journeyId: string, opts: { version?: number } = {}): Promise<JourneyAnalytics> {
  await assertJourney(ctx, workspaceId, journeyId);
  const v = opts.version;
  const versionFilter = v === undefined ? sql`` : sql`AND r.version = ${v}`;
  const [visits, waiting, statuses, outcomes] = await Promise.all([
    sql<{ step_id: string; entered: string; passed: string; exited: string; converted: string; failed: string }>`
      SELECT s.step_id, count(*) AS entered,
        count(*) FILTER (WHERE s.left_at IS NOT NULL AND coalesce(s.outcome, '') NOT IN ('exited', 'converted', 'holdout', 'failed')) AS passed,
        count(*) FILTER (WHERE s.outcome IN ('exited', 'holdout')) AS exited,
        count(*) FILTER (WHERE s.outcome = 'converted') AS converted,
        count(*) FILTER (WHERE s.outcome = 'failed') AS failed
      FROM journey_steps s JOIN journey_runs r ON r.workspace_id = s.workspace_id AND r.id = s.run_id
      WHERE s.workspace_id = ${workspaceId} AND s.journey_id = ${journeyId} ${versionFilter}
      GROUP BY s.step_id`.execute(ctx.db),
    sql<{ step_id: string; n: string }>`
      SELECT r.step_id, count(*) AS n FROM journey_runs r
      WHERE r.workspace_id = ${workspaceId} AND r.journey_id = ${journeyId} AND r.status IN ('active', 'waiting') AND r.step_id IS NOT NULL ${versionFilter}
      GROUP BY r.step_id`.execute(ctx.db),
    sql<{ status: string; n: string }>`
      SELECT r.status, count(*) AS n FROM journey_runs r
      WHERE r.workspace_id = ${workspaceId} AND r.journey_id = ${journeyId} ${versionFilter}
      GROUP BY r.status`.execute(ctx.db),
    sql<OutcomeRow>`
      SELECT r.version, r.holdout, count(*) AS runs, count(r.converted_at) AS converted,
        sum(CASE WHEN r.converted_at IS NOT NULL THEN coalesce(r.conversion_value_fen, 0) ELSE 0 END) AS revenue,
        sum(CASE WHEN r.converted_at IS NOT NULL THEN coalesce(r.conversion_value_fen, 0)::float8 ^ 2 ELSE 0 END) AS revenue_sq
      FROM journey_runs r
      WHERE r.workspace_id = ${workspaceId} AND r.journey_id = ${journeyId} ${versionFilter}
      GROUP BY r.version, r.holdout`.execute(ctx.db),
  ]);
  const steps: Record<string, StepCounts> = {};
  const step = (id: string) => (steps[id] ??= { entered: 0, waiting: 0, passed: 0, exited: 0, converted: 0, failed: 0 });
  for (const r of visits.rows) Object.assign(step(r.step_id), { entered: Number(r.entered), passed: Number(r.passed), exited: Number(r.exited), converted: Number(r.converted), failed: Number(r.failed) });
  for (const r of waiting.rows) step(r.step_id).waiting = Number(r.n);
  const byStatus = Object.fromEntries(statuses.rows.map((r) => [r.status, Number(r.n)]));
  const versions = [...new Set(outcomes.rows.map((r) => Number(r.version)))].sort((a, b) => a - b);
  return {
    journeyId,
    version: v ?? null,
    steps,
    totals: { runs: Object.values(byStatus).reduce((s, n) => s + n, 0), byStatus },
    comparison: compare(outcomes.rows),
    versions: versions.map((ver) => ({ version: ver, ...compare(outcomes.rows.filter((r) => Number(r.version) === ver)) })),
  };
}

/** A customer's runs through a journey, oldest first, with their step visits and messages. */
export async function customerPath(ctx: Ctx, workspaceId: string, journeyId: string, customerId: string): Promise<{ journeyId: string; customerId: string; runs: PathRun[] }> {
  await assertJourney(ctx, workspaceId, journeyId);
  const { rows: runs } = await sql<{
    id: string;
    version: number;
    status: string;
    holdout: boolean;
    arm: string | null;
    step_id: string | null;
    entered_at: Date;
    finished_at: Date | null;
    exit_reason: string | null;
    converted_at: Date | null;
    conversion_value_fen: string | number | null;
  }>`
    SELECT id, version, status, holdout, arm, step_id, entered_at, finished_at, exit_reason, converted_at, conversion_value_fen
    FROM journey_runs WHERE workspace_id = ${workspaceId} AND journey_id = ${journeyId} AND customer_id = ${customerId}
    ORDER BY entered_at, id`.execute(ctx.db);
  if (runs.length === 0) return { journeyId, customerId, runs: [] };
  const ids = runs.map((r) => r.id);
  const [steps, messages] = await Promise.all([
    sql<{ run_id: string; step_id: string; seq: number; entered_at: Date; left_at: Date | null; outcome: string | null }>`
      SELECT run_id, step_id, seq, entered_at, left_at, outcome FROM journey_steps
      WHERE workspace_id = ${workspaceId} AND run_id = ANY(${sql.val(ids)}::uuid[])
      ORDER BY seq`
      .execute(ctx.db)
      .then((r) => r.rows),
    ctx.db
      .selectFrom('messages')
      .select(['id', 'run_id', 'step_id', 'channel', 'template_id', 'status', 'reason', 'created_at', 'sent_at', 'delivered_at', 'clicked_at'])
      .where('workspace_id', '=', workspaceId)
      .where('source_kind', '=', 'journey')
      .where('run_id', 'in', ids)
      .orderBy('created_at')
      .execute(),
  ]);
  return {
    journeyId,
    customerId,
    runs: runs.map((r) => ({
      id: r.id,
      version: Number(r.version),
      status: r.status,
      holdout: r.holdout,
      arm: r.arm,
      stepId: r.step_id,
      enteredAt: new Date(r.entered_at),
      finishedAt: r.finished_at ? new Date(r.finished_at) : null,
      exitReason: r.exit_reason,
      convertedAt: r.converted_at ? new Date(r.converted_at) : null,
      conversionValueFen: r.conversion_value_fen === null ? null : Number(r.conversion_value_fen),
      steps: steps
        .filter((s) => s.run_id === r.id)
        .map((s) => ({ stepId: s.step_id, seq: Number(s.seq), enteredAt: new Date(s.entered_at), leftAt: s.left_at ? new Date(s.left_at) : null, outcome: s.outcome })),
      messages: messages
        .filter((m) => m.run_id === r.id)
        .map((m) => ({ id: m.id, stepId: m.step_id, channel: m.channel, templateId: m.template_id, status: m.status, reason: m.reason, createdAt: m.created_at, sentAt: m.sent_at, deliveredAt: m.delivered_at, clickedAt: m.clicked_at })),
    })),
  };
}
