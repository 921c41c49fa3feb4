import { sql } from 'kysely';
import { AppError, isUuid } from '../core/index.js';
import type { Ctx } from '../store/index.js';
import type { Actor } from '../audit/index.js';
import { recordAudit } from '../audit/index.js';
import { getJourney } from './journeys.js';
import type { RunStatus } from './schema.js';
import type { RunView, StepCounts, TaskView } from './view-types.js';

export type { RunView, StepCounts, TaskView };

const RUN_COLUMNS = ['id', 'journey_id', 'version', 'customer_id', 'status', 'step_id', 'entered_at', 'next_at', 'finished_at', 'exit_reason', 'holdout', 'arm', 'converted_at', 'conversion_value_fen', 'attempts', 'wait_event', 'context'] as const;

type RunRow = { [K in (typeof RUN_COLUMNS)[number]]: unknown };

function runView(r: RunRow): RunView {
  return {
    id: r.id as string,
    journeyId: r.journey_id as string,
    version: r.version as number,
    customerId: r.customer_id as string,
    status: r.status as RunStatus,
    stepId: r.step_id as string | null,
    enteredAt: r.entered_at as Date,
    nextAt: r.next_at as Date | null,
    finishedAt: r.finished_at as Date | null,
    exitReason: r.exit_reason as string | null,
    holdout: r.holdout as boolean,
    arm: r.arm as string | null,
    convertedAt: r.converted_at as Date | null,
    conversionValueFen: r.conversion_value_fen === null ? null : Number(r.conversion_value_fen),
    attempts: r.attempts as number,
    waitEvent: r.wait_event,
    context: r.context,
  };
}

/** Runs of a journey, newest first, by status and current step; cursor = last run id. */
export async function listRuns(ctx: Ctx, workspaceId: string, journeyId: string, q: { status?: RunStatus; step?: string; customerId?: string; cursor?: string; limit: number }): Promise<{ items: RunView[]; nextCursor: string | null }> {
  await getJourney(ctx, workspaceId, journeyId);
  if (q.cursor && !isUuid(q.cursor)) throw new AppError('validation_failed', 'cursor is not valid', [{ path: 'querystring.cursor', message: 'use nextCursor from the previous page' }]);
  let query = ctx.db.selectFrom('journey_runs').select(RUN_COLUMNS).where('workspace_id', '=', workspaceId).where('journey_id', '=', journeyId);
  if (q.status) query = query.where('status', '=', q.status);
  if (q.step) query = query.where('step_id', '=', q.step);
  if (q.customerId) query = query.where('customer_id', '=', q.customerId);
  if (q.cursor) query = query.where('id', '<', q.cursor);
  const rows = await query.orderBy('id', 'desc').limit(q.limit + 1).execute();
  const page = rows.slice(0, q.limit).map(runView);
  return { items: page, nextCursor: rows.length > q.limit ? page[page.length - 1].id : null };
}

/** One run with its path (step visits) and the messages it queued. */
export async function getRun(ctx: Ctx, workspaceId: string, journeyId: string, runId: string) {
  if (!isUuid(runId)) throw new AppError('not_found', `run ${runId} does not exist`);
  const row = await ctx.db.selectFrom('journey_runs').select(RUN_COLUMNS).where('workspace_id', '=', workspaceId).where('journey_id', '=', journeyId).where('id', '=', runId).executeTakeFirst();
  if (!row) throw new AppError('not_found', `run ${runId} does not exist`);
  const [steps, messages] = await Promise.all([
    ctx.db.selectFrom('journey_steps').select(['step_id', 'seq', 'entered_at', 'left_at', 'outcome']).where('workspace_id', '=', workspaceId).where('run_id', '=', runId).orderBy('seq').execute(),
    ctx.db
      .selectFrom('messages')
      .select(['id', 'step_id', 'channel', 'template_id', 'status', 'reason', 'created_at', 'sent_at', 'delivered_at'])
      .where('workspace_id', '=', workspaceId)
      .where('run_id', '=', runId)
      .orderBy('created_at')
      .execute(),
  ]);
  return {
    ...runView(row),
    steps: steps.map((s) => ({ stepId: s.step_id, seq: s.seq, enteredAt: s.entered_at, leftAt: s.left_at, outcome: s.outcome })),
    messages: messages.map((m) => ({ id: m.id, stepId: m.step_id, channel: m.channel, templateId: m.template_id, status: m.status, reason: m.reason, createdAt: m.created_at, sentAt: m.sent_at, deliveredAt: m.delivered_at })),
  };
}

/** Live counts per step (all versions): visits, runs waiting there now, left onwards, runs that ended there. */
export async function stepCounts(ctx: Ctx, workspaceId: string, journeyId: string): Promise<Record<string, StepCounts>> {
  await getJourney(ctx, workspaceId, journeyId);
  const rows = await sql<{ step_id: string; entered: string; waiting: string; passed: string; exited: string; converted: string }>`
    SELECT step_id,
      count(*) AS entered,
      count(*) FILTER (WHERE left_at IS NULL) AS waiting,
      count(*) FILTER (WHERE left_at IS NOT NULL AND outcome NOT IN ('exited', 'converted', 'holdout', 'failed')) AS passed,
      count(*) FILTER (WHERE outcome IN ('exited', 'holdout')) AS exited,
      count(*) FILTER (WHERE outcome = 'converted') AS converted
    FROM journey_steps WHERE workspace_id = ${workspaceId} AND journey_id = ${journeyId}
    GROUP BY step_id`.execute(ctx.db);
  return Object.fromEntries(rows.rows.map((r) => [r.step_id, { entered: Number(r.entered), waiting: Number(r.waiting), passed: Number(r.passed), exited: Number(r.exited), converted: Number(r.converted) }]));
}

export async function listTasks(ctx: Ctx, workspaceId: string, q: { status?: 'open' | 'done'; assignee?: string; customerId?: string; cursor?: string; limit: number }): Promise<{ items: TaskView[]; nextCursor: string | null }> {
  if (q.cursor && !isUuid(q.cursor)) throw new AppError('validation_failed', 'cursor is not valid', [{ path: 'querystring.cursor', message: 'use nextCursor from the previous page' }]);
  let query = ctx.db.selectFrom('staff_tasks').selectAll().where('workspace_id', '=', workspaceId);
  if (q.status) query = query.where('status', '=', q.status);
  if (q.assignee) query = query.where('assignee', '=', q.assignee);
  if (q.customerId) query = query.where('customer_id', '=', q.customerId);
  if (q.cursor) query = query.where('id', '<', q.cursor);
  const rows = await query.orderBy('id', 'desc').limit(q.limit + 1).execute();
  const items = rows.slice(0, q.limit).map((t) => ({
    id: t.id,
    customerId: t.customer_id,
    assignee: t.assignee,
    title: t.title,
    detail: t.detail,
    status: t.status,
    dueAt: t.due_at,
    createdAt: t.created_at,
    doneAt: t.done_at,
    doneBy: t.done_by,
    journeyId: t.journey_id,
    runId: t.run_id,
    stepId: t.step_id,
  }));
  return { items, nextCursor: rows.length > q.limit ? items[items.length - 1].id : null };
}

export async function completeTask(ctx: Ctx, workspaceId: string, id: string, by: { actor: Actor; requestId?: string }): Promise<TaskView> {
  if (!isUuid(id)) throw new AppError('not_found', `task ${id} does not exist`);
  await ctx.db.transaction().execute(async (trx) => {
    const t = await trx.selectFrom('staff_tasks').select(['status']).where('workspace_id', '=', workspaceId).where('id', '=', id).forUpdate().executeTakeFirst();
    if (!t) throw new AppError('not_found', `task ${id} does not exist`);
    if (t.status === 'done') return;
    await trx.updateTable('staff_tasks').set({ status: 'done', done_at: ctx.clock.now(), done_by: by.actor.name ?? by.actor.type }).where('workspace_id', '=', workspaceId).where('id', '=', id).execute();
    await recordAudit(ctx, trx, { workspaceId, actor: by.actor, action: 'task.done', entity: 'staff_task', entityId: id, requestId: by.requestId });
  });
  const t = await ctx.db.selectFrom('staff_tasks').selectAll().where('workspace_id', '=', workspaceId).where('id', '=', id).executeTakeFirstOrThrow();
  return { id: t.id, customerId: t.customer_id, assignee: t.assignee, title: t.title, detail: t.detail, status: t.status, dueAt: t.due_at, createdAt: t.created_at, doneAt: t.done_at, doneBy: t.done_by, journeyId: t.journey_id, runId: t.run_id, stepId: t.step_id };
}
