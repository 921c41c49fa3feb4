import { systemActor } from '../../src/audit/index.js';
import type { ManualClock } from '../../src/core/index.js';
import type { Ctx } from '../../src/store/index.js';
import { createTemplate } from '../../src/messages/index.js';
import { createJourney, publishJourney } from '../../src/journeys/index.js';
import { insertEvent } from '../support/events.js';

export const by = { actor: systemActor };

export async function smsTemplate(ctx: Ctx, workspaceId: string, name: string, text = '您好 {{customer.name}}') {
  return createTemplate(ctx, workspaceId, { name, channel: 'sms', content: { text } }, by);
}

export async function liveJourney(ctx: Ctx, workspaceId: string, graph: unknown, name = 'j') {
  const j = await createJourney(ctx, workspaceId, { name, graph }, by);
  return publishJourney(ctx, workspaceId, j.id, by);
}

export type Graph = { start: string; steps: unknown[] } & Record<string, unknown>;
export const manual = (g: Graph) => ({ trigger: { kind: 'manual' }, reentry: { mode: 'once' }, exits: [], ...g });

/** An event as the collection API would store it, received now. */
export async function trackEvent(ctx: Ctx, workspaceId: string, e: { messageId: string; customerId: string; event: string; properties?: Record<string, unknown> }) {
  await insertEvent(ctx, workspaceId, { ...e, at: ctx.clock.now().toISOString() });
}

export const advance = (ctx: Ctx, ms: number) => (ctx.clock as ManualClock).advance(ms);
export const HOUR = 3_600_000;
export const DAY = 86_400_000;

export async function messagesOf(ctx: Ctx, workspaceId: string, customerId?: string) {
  let q = ctx.db.selectFrom('messages').select(['id', 'customer_id', 'step_id', 'idempotency_key', 'template_id', 'vars', 'run_id', 'created_at']).where('workspace_id', '=', workspaceId);
  if (customerId) q = q.where('customer_id', '=', customerId);
  return q.orderBy('created_at').execute();
}

export async function runsOf(ctx: Ctx, workspaceId: string, journeyId: string) {
  return ctx.db.selectFrom('journey_runs').selectAll().where('workspace_id', '=', workspaceId).where('journey_id', '=', journeyId).orderBy('entered_at').execute();
}
