import { chTime, type Ctx } from '../store/index.js';

export type MessageEventName = 'Message Sent' | 'Message Delivered' | 'Message Failed' | 'Message Suppressed' | 'Message Clicked' | 'Message Replied' | 'Unsubscribed';

export interface MessageRef {
  workspace_id: string;
  id: string;
  customer_id: string;
  channel: string;
  template_id: string;
  source_kind: string;
  source_id: string;
  run_id: string | null;
  step_id: string | null;
  variant: string | null;
}

/**
 * Writes a message outcome on the customer's timeline (events store). The event's message_id is
 * derived from the outbox id and the outcome (plus `n` for repeatable ones like clicks), so writing
 * it again after a crash replaces rather than duplicates it (ReplacingMergeTree).
 */
export async function emitMessageEvent(ctx: Pick<Ctx, 'events'>, name: MessageEventName, m: MessageRef, at: Date, extra: Record<string, unknown> = {}, n?: string): Promise<void> {
  const properties = {
    message_id: m.id,
    channel: m.channel,
    template_id: m.template_id,
    source_kind: m.source_kind,
    source_id: m.source_id,
    run_id: m.run_id,
    step_id: m.step_id,
    variant: m.variant,
    reason: null as string | null,
    ...extra,
  };
  await ctx.events.insert('events', [
    {
      workspace_id: m.workspace_id,
      message_id: `siyu:msg:${m.id}:${name.replace(/ /g, '_').toLowerCase()}${n ? `:${n}` : ''}`,
      type: 'track',
      event: name,
      customer_id: m.customer_id,
      user_id: '',
      anonymous_id: '',
      timestamp: chTime(at),
      received_at: chTime(at),
      sent_at: null,
      properties: JSON.stringify(properties),
      context: JSON.stringify({ library: { name: 'siyu-messages' } }),
      traits: '{}',
    },
  ]);
}
