import { postSigned } from './sign.js';
import { type Provider, transientHttp } from './types.js';

/**
 * Signed webhooks: POST JSON {event, message_id, customer_id, source, data, sent_at} to the
 * workspace's URL with X-Siyu-Timestamp, X-Siyu-Signature = HMAC-SHA256(secret, `${timestamp}.${body}`)
 * (hex) and Idempotency-Key, so the receiver can verify it and drop repeats.
 */
export const webhookProvider: Provider = {
  channel: 'webhook',
  idempotent: true,
  async send(i) {
    const url = (i.content.url as string | undefined) || (i.settings.url as string | undefined);
    if (!url) return { status: 'failed', transient: false, error: 'no webhook URL (渠道设置 → Webhook)' };
    const now = i.ctx.clock.now();
    const payload = {
      event: i.content.event,
      message_id: i.messageId,
      customer_id: i.recipient.customerId,
      source: i.source,
      data: i.content.data ?? {},
      sent_at: now.toISOString(),
    };
    try {
      const res = await postSigned(url, payload, { secret: i.settings.secret as string | undefined, idempotencyKey: i.idempotencyKey, nowMs: now.getTime() });
      if (res.status >= 200 && res.status < 300) return { status: 'delivered', providerRef: i.messageId };
      return { status: 'failed', transient: transientHttp(res.status), error: `webhook answered ${res.status}` };
    } catch (err) {
      return { status: 'failed', transient: true, error: `webhook unreachable: ${(err as Error).message}` };
    }
  },
};
