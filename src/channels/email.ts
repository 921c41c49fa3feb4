import nodemailer from 'nodemailer';
import type { Provider } from './types.js';

/** Email over SMTP (nodemailer); Message-ID from the outbox id, List-Unsubscribe and a footer link for 退订. */
export const emailProvider: Provider = {
  channel: 'email',
  idempotent: false,
  async send(i) {
    const s = i.settings as { host?: string; port?: number; secure?: boolean; user?: string; pass?: string; from?: string; ignoreTls?: boolean };
    if (!s.host || !s.from) return { status: 'failed', transient: false, error: 'email is not configured (渠道设置 → 邮件)' };
    if (!i.recipient.email) return { status: 'unreachable', reason: 'the customer has no email address' };
    const transport = nodemailer.createTransport({
      host: s.host,
      port: s.port ?? 587,
      secure: s.secure ?? false,
      ignoreTLS: s.ignoreTls ?? false,
      auth: s.user ? { user: s.user, pass: s.pass ?? '' } : undefined,
      connectionTimeout: 10_000,
      tls: { rejectUnauthorized: !s.ignoreTls },
    });
    let html = String(i.content.html ?? '');
    if (i.unsubscribeUrl && !html.includes(i.unsubscribeUrl)) html += `<p style="font-size:12px;color:#888"><a href="${i.unsubscribeUrl}">退订 Unsubscribe</a></p>`;
    try {
      const info = await transport.sendMail({
        from: s.from,
        to: i.recipient.email,
        subject: String(i.content.subject ?? ''),
        html,
        text: typeof i.content.text === 'string' ? i.content.text : undefined,
        messageId: `<${i.messageId}@siyu>`,
        headers: { 'X-Siyu-Message': i.messageId, ...(i.unsubscribeUrl ? { 'List-Unsubscribe': `<${i.unsubscribeUrl}>` } : {}) },
      });
      return { status: 'sent', providerRef: info.messageId };
    } catch (err) {
      const e = err as { responseCode?: number; code?: string; message: string };
      const permanent = e.responseCode !== undefined && e.responseCode >= 500 && e.responseCode < 600;
      return { status: 'failed', transient: !permanent, error: `SMTP: ${e.message}` };
    } finally {
      transport.close();
    }
  },
};
