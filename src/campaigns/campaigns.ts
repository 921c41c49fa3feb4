import type { Kysely, Selectable } from 'kysely';
import { AppError, type FieldError, newId } from '../core/index.js';
import type { Ctx, StateDB } from '../store/index.js';
import { type Actor, recordAudit } from '../audit/index.js';
import type { Principal } from '../auth/index.js';
import { type CampaignData, type CampaignInput, campaignInput } from './model.js';
import type { CampaignsTable } from './schema.js';
import type { Campaign, CampaignStatus } from './view-types.js';

/**
 * Campaigns (群发): an operator drafts one (audience segment, channel, A/B variants, holdout,
 * schedule) and submits it; an owner or admin approves or rejects it; an approved campaign is
 * released with /send and the campaigns worker sends it at its time (send.ts).
 *
 * Approval rule (four eyes): approving needs campaigns:approve (owner, admin), and whoever drafted
 * or submitted a campaign cannot approve it themselves, unless they are the workspace owner (the
 * owner answers for the brand and may be the only person in a small one).
 */

export type { Campaign };

export interface By {
  actor: Actor;
  requestId?: string;
}

type Row = Selectable<CampaignsTable>;

export function campaignView(r: Row): Campaign {
  return {
    id: r.id,
    name: r.name,
    description: r.description,
    segmentId: r.segment_id,
    channel: r.channel,
    variants: r.variants,
    holdoutPercent: r.holdout_percent,
    schedule: r.send_at ? { mode: 'at', at: new Date(r.send_at).toISOString() } : { mode: 'now' },
    golden: r.golden,
    attributionDays: r.attribution_days,
    status: r.status,
    createdAt: r.created_at,
    createdBy: { id: r.created_by, name: r.created_by_name },
    updatedAt: r.updated_at,
    submittedAt: r.submitted_at,
    submittedBy: r.submitted_by,
    approvedAt: r.approved_at,
    approvedBy: r.approved_by,
    rejectedAt: r.rejected_at,
    rejectedBy: r.rejected_by,
    rejectReason: r.reject_reason,
    dueAt: r.due_at,
    startedAt: r.started_at,
    sentAt: r.sent_at,
    cancelledAt: r.cancelled_at,
    cancelledBy: r.cancelled_by,
    recipients: Number(r.recipients),
  };
}

async function loadRow(db: Kysely<StateDB>, workspaceId: string, id: string, forUpdate = false): Promise<Row> {
  let q = db.selectFrom('campaigns').selectAll().where('workspace_id', '=', workspaceId).where('id', '=', id);
  if (forUpdate) q = q.forUpdate();
  const row = await q.executeTakeFirst();
  if (!row) throw new AppError('not_found', `campaign ${id} does not exist`);
  return row;
}

export async function getCampaign(ctx: Ctx, workspaceId: string, id: string): Promise<Campaign> {
  return campaignView(await loadRow(ctx.db, workspaceId, id));
}

export async function listCampaigns(ctx: Ctx, workspaceId: string, opts: { status?: CampaignStatus; cursor?: string; limit: number }): Promise<{ items: Campaign[]; nextCursor: string | null }> {
  let q = ctx.db.selectFrom('campaigns').selectAll().where('workspace_id', '=', workspaceId).orderBy('id', 'desc').limit(opts.limit + 1);
  if (opts.status) q = q.where('status', '=', opts.status);
  if (opts.cursor) q = q.where('id', '<', opts.cursor);
  const rows = await q.execute();
  const page = rows.slice(0, opts.limit);
  return { items: page.map(campaignView), nextCursor: rows.length > opts.limit ? page[page.length - 1].id : null };
}

// ---- validation against the workspace ----

/** Local date-time (no offset) in a zone → the UTC instant. */
export function localToUtc(local: string, timeZone: string): Date {
  const guess = new Date(`${local}Z`);
  const offset = (at: Date) => {
    const parts = Object.fromEntries(
      new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' })
        .formatToParts(at)
        .map((p) => [p.type, p.value]),
    );
    return Date.UTC(+parts.year, +parts.month - 1, +parts.day, +parts.hour, +parts.minute, +parts.second) - Math.floor(at.getTime() / 1000) * 1000;
  };
  const first = new Date(guess.getTime() - offset(guess));
  return new Date(guess.getTime() - offset(first));
}

export function scheduleTime(schedule: CampaignData['schedule'], timeZone: string): Date | null {
  if (schedule.mode === 'now') return null;
  const hasZone = /(Z|[+-]\d{2}:\d{2})$/.test(schedule.at);
  const at = hasZone ? new Date(schedule.at) : localToUtc(schedule.at, timeZone);
  if (Number.isNaN(at.getTime())) throw new AppError('validation_failed', 'schedule.at is not a valid time', [{ path: 'body.schedule.at', message: 'not a valid date and time' }]);
  return at;
}

/** Checks what the schema cannot: the segment and templates exist, templates fit the channel, keys are unique, the time is ahead. */
async function validate(ctx: Ctx, workspaceId: string, data: CampaignData, sendAt: Date | null, opts: { checkTime?: boolean } = {}): Promise<void> {
  const errors: FieldError[] = [];
  const seg = await ctx.db.selectFrom('segments').select('id').where('workspace_id', '=', workspaceId).where('id', '=', data.segmentId).executeTakeFirst();
  if (!seg) errors.push({ path: 'body.segmentId', message: `segment ${data.segmentId} does not exist` });
  const seen = new Set<string>();
  data.variants.forEach((v, i) => {
    if (seen.has(v.key)) errors.push({ path: `body.variants.${i}.key`, message: `variant key "${v.key}" is used twice` });
    seen.add(v.key);
  });
  const ids = [...new Set(data.variants.map((v) => v.templateId))];
  const templates = await ctx.db
    .selectFrom('message_templates')
    .select(['id', 'name', 'channel'])
    .where('workspace_id', '=', workspaceId)
    .where('id', 'in', ids)
    .where('deleted_at', 'is', null)
    .execute();
  const byId = new Map(templates.map((t) => [t.id, t]));
  data.variants.forEach((v, i) => {
    const t = byId.get(v.templateId);
    if (!t) errors.push({ path: `body.variants.${i}.templateId`, message: `template ${v.templateId} does not exist` });
    else if (t.channel !== data.channel) errors.push({ path: `body.variants.${i}.templateId`, message: `template "${t.name}" is for ${t.channel}, not ${data.channel}` });
  });
  if (opts.checkTime !== false && sendAt && sendAt.getTime() <= ctx.clock.now().getTime()) errors.push({ path: 'body.schedule.at', message: `${sendAt.toISOString()} is in the past` });
  if (errors.length) throw new AppError('validation_failed', errors.map((e) => e.message).join('; '), errors);
}

function conflict(c: Row, action: string, allowed: CampaignStatus[]): AppError {
  return new AppError('conflict', `cannot ${action} a campaign that is ${c.status} (only when ${allowed.join(' or ')})`);
}

function columns(data: CampaignData, sendAt: Date | null) {
  return {
    name: data.name,
    description: data.description,
    segment_id: data.segmentId,
    channel: data.channel,
    variants: JSON.stringify(data.variants),
    holdout_percent: data.holdoutPercent,
    send_at: sendAt,
    golden: data.golden,
    attribution_days: data.attributionDays,
  };
}

export async function createCampaign(ctx: Ctx, p: Principal, input: CampaignInput, by: By): Promise<Campaign> {
  const data = campaignInput.parse(input);
  const sendAt = scheduleTime(data.schedule, p.workspace.timezone);
  await validate(ctx, p.workspace.id, data, sendAt);
  const id = newId(ctx.clock);
  const now = ctx.clock.now();
  await ctx.db.transaction().execute(async (trx) => {
    await trx
      .insertInto('campaigns')
      .values({ workspace_id: p.workspace.id, id, ...columns(data, sendAt), status: 'draft', created_at: now, created_by: by.actor.id, created_by_name: by.actor.name, updated_at: now })
      .execute();
    await recordAudit(ctx, trx, { workspaceId: p.workspace.id, actor: by.actor, action: 'campaign.create', entity: 'campaign', entityId: id, after: data, requestId: by.requestId });
  });
  return getCampaign(ctx, p.workspace.id, id);
}

/** Edits a draft; editing a rejected campaign turns it back into a draft. */
export async function updateCampaign(ctx: Ctx, p: Principal, id: string, input: CampaignInput, by: By): Promise<Campaign> {
  const data = campaignInput.parse(input);
  const sendAt = scheduleTime(data.schedule, p.workspace.timezone);
  await loadRow(ctx.db, p.workspace.id, id);
  await validate(ctx, p.workspace.id, data, sendAt);
  await ctx.db.transaction().execute(async (trx) => {
    const before = await loadRow(trx, p.workspace.id, id, true);
    if (before.status !== 'draft' && before.status !== 'rejected') throw conflict(before, 'edit', ['draft', 'rejected']);
    await trx
      .updateTable('campaigns')
      .set({ ...columns(data, sendAt), status: 'draft', rejected_at: null, rejected_by: null, reject_reason: null, updated_at: ctx.clock.now() })
      .where('workspace_id', '=', p.workspace.id)
      .where('id', '=', id)
      .execute();
    await recordAudit(ctx, trx, { workspaceId: p.workspace.id, actor: by.actor, action: 'campaign.update', entity: 'campaign', entityId: id, before: campaignView(before), after: data, requestId: by.requestId });
  });
  return getCampaign(ctx, p.workspace.id, id);
}

export async function deleteCampaign(ctx: Ctx, p: Principal, id: string, by: By): Promise<void> {
  await ctx.db.transaction().execute(async (trx) => {
    const before = await loadRow(trx, p.workspace.id, id, true);
    if (before.status !== 'draft' && before.status !== 'rejected') throw conflict(before, 'delete', ['draft', 'rejected']);
    await trx.deleteFrom('campaigns').where('workspace_id', '=', p.workspace.id).where('id', '=', id).execute();
    await recordAudit(ctx, trx, { workspaceId: p.workspace.id, actor: by.actor, action: 'campaign.delete', entity: 'campaign', entityId: id, before: campaignView(before), requestId: by.requestId });
  });
}

/**
 * One state change under a row lock, audited in the same transaction. `check` throws when the
 * change is not allowed; `set` gives the columns to write.
 */
async function transition(
  ctx: Ctx,
  workspaceId: string,
  id: string,
  action: string,
  from: CampaignStatus[],
  to: CampaignStatus,
  by: By,
  set: (c: Row) => Partial<Record<keyof CampaignsTable, unknown>> = () => ({}),
  check?: (c: Row, trx: Kysely<StateDB>) => void | Promise<void>,
): Promise<Campaign> {
  await ctx.db.transaction().execute(async (trx) => {
    const before = await loadRow(trx, workspaceId, id, true);
    if (!from.includes(before.status)) throw conflict(before, action, from);
    await check?.(before, trx);
    await trx
      .updateTable('campaigns')
      .set({ ...set(before), status: to, updated_at: ctx.clock.now() } as never)
      .where('workspace_id', '=', workspaceId)
      .where('id', '=', id)
      .execute();
    await recordAudit(ctx, trx, {
      workspaceId,
      actor: by.actor,
      action: `campaign.${action}`,
      entity: 'campaign',
      entityId: id,
      before: { status: before.status },
      after: { status: to, ...set(before) },
      requestId: by.requestId,
    });
  });
  return getCampaign(ctx, workspaceId, id);
}

function dataOf(c: Row): CampaignData {
  return campaignInput.parse({
    name: c.name,
    description: c.description,
    segmentId: c.segment_id,
    channel: c.channel,
    variants: c.variants,
    holdoutPercent: c.holdout_percent,
    schedule: c.send_at ? { mode: 'at', at: new Date(c.send_at).toISOString() } : { mode: 'now' },
    golden: c.golden,
    attributionDays: c.attribution_days,
  });
}

/** Draft (or rejected) → pending approval; the segment and templates are checked again. */
export async function submitCampaign(ctx: Ctx, p: Principal, id: string, by: By): Promise<Campaign> {
  const row = await loadRow(ctx.db, p.workspace.id, id);
  if (row.status === 'draft' || row.status === 'rejected') await validate(ctx, p.workspace.id, dataOf(row), row.send_at);
  const now = ctx.clock.now();
  return transition(ctx, p.workspace.id, id, 'submit', ['draft', 'rejected'], 'pending_approval', by, () => ({ submitted_at: now, submitted_by: by.actor.id, rejected_at: null, rejected_by: null, reject_reason: null }));
}

/** The four-eyes rule: see the module comment. */
export function assertMayApprove(p: Principal, c: { created_by: string | null; submitted_by: string | null }): void {
  const own = p.actor.id !== null && (c.created_by === p.actor.id || c.submitted_by === p.actor.id);
  if (own && p.role !== 'owner') throw new AppError('forbidden', 'a campaign must be approved by someone other than its author: ask another admin or the owner');
}

export async function approveCampaign(ctx: Ctx, p: Principal, id: string, by: By): Promise<Campaign> {
  const now = ctx.clock.now();
  return transition(
    ctx,
    p.workspace.id,
    id,
    'approve',
    ['pending_approval'],
    'approved',
    by,
    () => ({ approved_at: now, approved_by: by.actor.id }),
    async (c, trx) => {
      assertMayApprove(p, c);
      // The segment or a template may have gone since submission; a passed time is settled at /send.
      // Inside the transaction: PGlite has one connection.
      await validate({ ...ctx, db: trx }, p.workspace.id, dataOf(c), c.send_at, { checkTime: false });
    },
  );
}

export async function rejectCampaign(ctx: Ctx, p: Principal, id: string, reason: string, by: By): Promise<Campaign> {
  const now = ctx.clock.now();
  return transition(ctx, p.workspace.id, id, 'reject', ['pending_approval'], 'rejected', by, () => ({ rejected_at: now, rejected_by: by.actor.id, reject_reason: reason }));
}

/**
 * Releases an approved campaign: the worker starts it at its scheduled time, or at once. A
 * scheduled time that passed while it waited for approval is refused unless `now` is asked for.
 */
export async function sendCampaign(ctx: Ctx, p: Principal, id: string, opts: { now?: boolean }, by: By): Promise<Campaign> {
  const now = ctx.clock.now();
  return transition(
    ctx,
    p.workspace.id,
    id,
    'send',
    ['approved'],
    'scheduled',
    by,
    (c) => ({ due_at: c.send_at && !opts.now ? c.send_at : now }),
    (c) => {
      if (c.send_at && !opts.now && new Date(c.send_at).getTime() < now.getTime()) {
        throw new AppError('validation_failed', `the scheduled time ${new Date(c.send_at).toISOString()} has passed: send now with {"now": true}, or edit and approve again`, [
          { path: 'body.schedule.at', message: 'in the past' },
        ]);
      }
    },
  );
}

/**
 * Stops a campaign: nothing more is queued once this commits (the sending worker checks the
 * status under the same row lock before each batch). Messages already queued are not recalled.
 */
export async function cancelCampaign(ctx: Ctx, p: Principal, id: string, by: By): Promise<Campaign> {
  const now = ctx.clock.now();
  return transition(ctx, p.workspace.id, id, 'cancel', ['pending_approval', 'approved', 'scheduled', 'sending'], 'cancelled', by, () => ({ cancelled_at: now, cancelled_by: by.actor.id, claimed_until: null }));
}
