import type { Channel } from '../channels/index.js';
import type { Recipient } from './render.js';

/**
 * A template id meaning "the channel's built-in content": journey webhook steps (a signed JSON
 * payload of the run, step, customer and event) and group invites without a template (a default
 * zh-CN text with the group's QR / link).
 */
export const BUILTIN_TEMPLATE_ID = '00000000-0000-0000-0000-000000000000';

/** Default text of a group invite (WeCom 1v1 or SMS, rendered with the usual view). */
export const GROUP_INVITE_TEXT = '{{customer.nickname}}您好！诚邀您加入{{brand.name}}会员群「{{group.name}}」，新品和专属福利第一时间分享给您，扫码或点击加入：{{group.qr_url}}';

const WEBHOOK_TRAITS = ['gender', 'city', 'channel', 'first_seen_at', 'last_seen_at', 'order_count', 'total_spent', 'total_spent_fen', 'last_order_at', 'points'];

export interface BuiltinRow {
  id: string;
  workspace_id: string;
  customer_id: string;
  channel: string;
  source_kind: string;
  source_id: string;
  run_id: string | null;
  step_id: string | null;
  vars: Record<string, unknown> | null;
}

/** A group invite with no template whose customer has no WeCom relation goes by SMS when there is a phone. */
export function builtinChannel(m: BuiltinRow, r: Recipient): Channel {
  const group = (m.vars ?? {}).group;
  if (m.channel === 'wecom_1v1' && group && !r.wecom && r.phone) return 'sms';
  return m.channel as Channel;
}

/**
 * The content (before rendering, mustache strings, or ready data) of a built-in message, or an
 * error text when the row cannot have one.
 */
export function builtinContent(m: BuiltinRow, channel: Channel, view: Record<string, unknown>): { content: Record<string, unknown>; render: boolean } | { error: string } {
  const vars = m.vars ?? {};
  if (channel === 'webhook') {
    const url = (vars.webhook as { url?: unknown } | undefined)?.url;
    if (typeof url !== 'string' || !url) return { error: 'built-in webhook message without vars.webhook.url' };
    const all = (view.customer ?? {}) as Record<string, unknown>;
    // No personal data (name, phone, email) leaves in a webhook: the id and plain computed traits.
    const customer = Object.fromEntries(WEBHOOK_TRAITS.filter((k) => all[k] !== undefined).map((k) => [k, all[k]]));
    const event = vars.event as { name?: unknown } | undefined;
    return {
      render: false,
      content: {
        url,
        event: 'journey.step',
        data: {
          journey_id: m.source_kind === 'journey' ? m.source_id : null,
          run_id: m.run_id,
          step_id: m.step_id,
          customer: { id: m.customer_id, ...customer },
          event: event ? { ...event } : null,
          grant: vars.grant ?? null,
        },
      },
    };
  }
  const group = vars.group as { qr_url?: unknown } | undefined;
  if (group && channel === 'sms') return { render: true, content: { text: GROUP_INVITE_TEXT } };
  // WeCom: the text, and the QR code itself as an image (2 of the 3 messages a push may carry).
  if (group && channel === 'wecom_1v1') return { render: true, content: { text: GROUP_INVITE_TEXT, attachments: typeof group.qr_url === 'string' && group.qr_url ? [{ type: 'image', picUrl: '{{{group.qr_url}}}' }] : [] } };
  return { error: `no built-in content for ${channel}` };
}
