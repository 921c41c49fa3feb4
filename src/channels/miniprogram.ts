import type { Provider } from './types.js';

/**
 * Mini-program subscription messages (订阅消息), WeChat's `cgi-bin/message/subscribe/send`
 * protocol with a client_credential token (cached until it expires). errcode 43101 means the user
 * has not subscribed (or used up the one-time subscription): the customer is unreachable.
 */
const tokens = new Map<string, { token: string; expiresAt: number }>();

async function token(base: string, appid: string, secret: string, nowMs: number): Promise<string> {
  const key = `${base}|${appid}`;
  const t = tokens.get(key);
  if (t && t.expiresAt > nowMs + 60_000) return t.token;
  const res = await fetch(`${base}/cgi-bin/token?grant_type=client_credential&appid=${encodeURIComponent(appid)}&secret=${encodeURIComponent(secret)}`, { signal: AbortSignal.timeout(10_000) });
  const body = (await res.json()) as { access_token?: string; expires_in?: number; errcode?: number; errmsg?: string };
  if (!body.access_token) throw Object.assign(new Error(`token: ${body.errcode} ${body.errmsg}`), { permanent: body.errcode === 40013 || body.errcode === 40125 });
  tokens.set(key, { token: body.access_token, expiresAt: nowMs + (body.expires_in ?? 7200) * 1000 });
  return body.access_token;
}

export const miniprogramProvider: Provider = {
  channel: 'miniprogram',
  idempotent: false,
  async send(i) {
    const s = i.settings as { appid?: string; appSecret?: string; apiBaseUrl?: string; state?: string };
    if (!s.appid || !s.appSecret) return { status: 'failed', transient: false, error: 'the mini-program is not configured (渠道设置 → 小程序)' };
    const openid = i.recipient.openids[s.appid];
    if (!openid) return { status: 'unreachable', reason: `the customer has no openid for mini-program ${s.appid}` };
    const base = (s.apiBaseUrl ?? 'https://api.weixin.qq.com').replace(/\/$/, '');
    const now = i.ctx.clock.now().getTime();
    try {
      const t = await token(base, s.appid, s.appSecret, now);
      const data = Object.fromEntries(Object.entries((i.content.data ?? {}) as Record<string, string>).map(([k, v]) => [k, { value: v }]));
      const res = await fetch(`${base}/cgi-bin/message/subscribe/send?access_token=${encodeURIComponent(t)}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ touser: openid, template_id: i.content.templateId, page: i.content.page || undefined, data, miniprogram_state: s.state ?? 'formal', lang: 'zh_CN' }),
        signal: AbortSignal.timeout(10_000),
      });
      const body = (await res.json()) as { errcode: number; errmsg: string; msgid?: number | string };
      if (body.errcode === 0) return { status: 'delivered', providerRef: String(body.msgid ?? i.messageId) };
      if (body.errcode === 43101) return { status: 'unreachable', reason: 'the customer has not subscribed to this message (43101)' };
      if (body.errcode === 40001 || body.errcode === 42001) tokens.delete(`${base}|${s.appid}`);
      return { status: 'failed', transient: body.errcode === -1 || body.errcode === 40001 || body.errcode === 42001 || body.errcode === 45009, error: `subscribe/send: ${body.errcode} ${body.errmsg}` };
    } catch (err) {
      return { status: 'failed', transient: !(err as { permanent?: boolean }).permanent, error: `mini-program: ${(err as Error).message}` };
    }
  },
};
