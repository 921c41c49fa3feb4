import { postSigned } from './sign.js';
import { type Provider, transientHttp } from './types.js';

export const UNSUBSCRIBE_SUFFIX = '退订回T';

/** 【品牌】 first, 退订回T last (required on marketing SMS in China); each added once. */
export function smsText(text: string, brand: string): string {
  let t = text.trim();
  const sig = `【${brand}】`;
  if (!t.startsWith(sig)) t = `${sig}${t}`;
  if (!t.endsWith(UNSUBSCRIBE_SUFFIX)) t = `${t} ${UNSUBSCRIBE_SUFFIX}`;
  return t;
}

/**
 * SMS through a generic HTTP provider: POST {phone, text, ref} to the configured URL, signed
 * (X-Siyu-Signature) and with an Idempotency-Key the provider uses to drop a repeat. The local
 * simulator (/_sms-sim) speaks this protocol.
 */
export const smsProvider: Provider = {
  channel: 'sms',
  idempotent: true,
  async send(i) {
    const url = i.settings.url as string | undefined;
    if (!url) return { status: 'failed', transient: false, error: 'SMS is not configured (渠道设置 → 短信)' };
    if (!i.recipient.phone) return { status: 'unreachable', reason: 'the customer has no phone number' };
    const brand = (i.settings.signature as string | undefined) || i.brandName;
    const text = smsText(String(i.content.text ?? ''), brand);
    try {
      const res = await postSigned(url, { phone: i.recipient.phone, text, ref: i.messageId }, { secret: i.settings.secret as string | undefined, idempotencyKey: i.idempotencyKey, nowMs: i.ctx.clock.now().getTime() });
      const body = (res.body ?? {}) as { id?: string; error?: string };
      if (res.status >= 200 && res.status < 300 && body.id) return { status: 'sent', providerRef: String(body.id), detail: { text } };
      return { status: 'failed', transient: transientHttp(res.status), error: `SMS provider answered ${res.status}${body.error ? `: ${body.error}` : ''}` };
    } catch (err) {
      return { status: 'failed', transient: true, error: `SMS provider unreachable: ${(err as Error).message}` };
    }
  },
};
