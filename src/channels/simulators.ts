import { randomBytes } from 'node:crypto';
import Fastify, { type FastifyInstance, type FastifyPluginAsync } from 'fastify';
import type { Clock } from '../core/index.js';
import { postSigned, verifyBody } from './sign.js';

export const SMS_SIM_PREFIX = '/_sms-sim';
export const MP_SIM_PREFIX = '/_mp-sim';

export interface SimSms {
  id: string;
  phone: string;
  text: string;
  ref: string | null;
  idempotencyKey: string | null;
  at: string;
  status: 'sent' | 'delivered' | 'failed';
}

/** A simulator's plugin served on a free local port. */
async function serveLocal(plugin: FastifyPluginAsync): Promise<FastifyInstance> {
  const app = Fastify();
  await app.register(plugin);
  await app.listen({ port: 0, host: '127.0.0.1' });
  return app;
}

const localUrl = (app: FastifyInstance) => {
  const a = app.server.address();
  return `http://127.0.0.1:${typeof a === 'object' && a ? a.port : 0}`;
};

/**
 * A local SMS gateway speaking the generic HTTP provider protocol: POST /send {phone, text, ref}
 * (signed, Idempotency-Key: a repeated key returns the first message), GET /messages; a person
 * replies with POST /reply {phone, text} and the gateway reports with POST /report {id, status}:
 * both are forwarded, signed, to the callback URL (Siyu's /hooks/sms/<workspace>).
 * `failNext(n, status)` makes the next n sends fail, for retry tests.
 */
export class SmsSimulator {
  readonly messages: SimSms[] = [];
  private byKey = new Map<string, SimSms>();
  private failures: number[] = [];
  callback: { url: string; secret?: string } | null = null;
  private server: FastifyInstance | null = null;
  readonly plugin: FastifyPluginAsync;

  constructor(private readonly o: { clock: Clock; secret?: string }) {
    this.plugin = async (app) => {
      app.post('/send', async (req, reply) => {
        const raw = JSON.stringify(req.body ?? {});
        if (this.o.secret && !verifyBody(this.o.secret, header(req.headers['x-siyu-timestamp']), raw, header(req.headers['x-siyu-signature']), this.o.clock.now().getTime())) {
          return reply.code(401).send({ error: 'bad signature' });
        }
        const fail = this.failures.shift();
        if (fail) return reply.code(fail).send({ error: 'simulated failure' });
        const body = req.body as { phone?: string; text?: string; ref?: string };
        if (!body?.phone || !body.text) return reply.code(400).send({ error: 'phone and text required' });
        const key = header(req.headers['idempotency-key']) ?? null;
        const seen = key ? this.byKey.get(key) : undefined;
        if (seen) return { id: seen.id, duplicate: true };
        const m: SimSms = { id: `sms${randomBytes(6).toString('hex')}`, phone: body.phone, text: body.text, ref: body.ref ?? null, idempotencyKey: key, at: this.o.clock.now().toISOString(), status: 'sent' };
        this.messages.push(m);
        if (key) this.byKey.set(key, m);
        return { id: m.id };
      });
      app.get('/messages', async () => ({ items: this.messages }));
      app.post('/reply', async (req) => {
        const b = req.body as { phone: string; text: string };
        return this.reply(b.phone, b.text);
      });
      app.post('/report', async (req) => {
        const b = req.body as { id: string; status: 'delivered' | 'failed' };
        return this.report(b.id, b.status);
      });
    };
  }

  async listen(): Promise<string> {
    this.server = await serveLocal(this.plugin);
    return localUrl(this.server);
  }

  async close(): Promise<void> {
    await this.server?.close();
  }

  failNext(n: number, status = 503): void {
    for (let i = 0; i < n; i++) this.failures.push(status);
  }

  /** A person texts back (e.g. "T" to unsubscribe); forwarded to the callback. */
  async reply(phone: string, text: string): Promise<{ forwarded: number }> {
    return this.forward({ type: 'reply', phone, text, at: this.o.clock.now().toISOString() });
  }

  /** A delivery report for a sent message. */
  async report(id: string, status: 'delivered' | 'failed'): Promise<{ forwarded: number }> {
    const m = this.messages.find((x) => x.id === id);
    if (m) m.status = status;
    return this.forward({ type: 'report', id, status, at: this.o.clock.now().toISOString() });
  }

  private async forward(payload: Record<string, unknown>): Promise<{ forwarded: number }> {
    if (!this.callback) return { forwarded: 0 };
    const res = await postSigned(this.callback.url, payload, { secret: this.callback.secret, nowMs: this.o.clock.now().getTime() });
    return { forwarded: res.status < 300 ? 1 : 0 };
  }
}

/**
 * WeChat's subscription-message API, simulated: GET /cgi-bin/token, POST
 * /cgi-bin/message/subscribe/send. `subscribe(openid, templateId)` is the user tapping 允许
 * (one-time: each grants one message); a send without a subscription answers 43101.
 */
export class MiniprogramSimulator {
  readonly sent: { msgid: number; touser: string; template_id: string; page?: string; data: Record<string, { value: string }>; at: string }[] = [];
  private subs = new Map<string, number>();
  private tokens = new Set<string>();
  private server: FastifyInstance | null = null;
  readonly plugin: FastifyPluginAsync;

  constructor(private readonly o: { clock: Clock; appid: string; secret: string }) {
    this.plugin = async (app) => {
      app.get('/cgi-bin/token', async (req) => {
        const q = req.query as Record<string, string>;
        if (q.appid !== this.o.appid || q.secret !== this.o.secret) return { errcode: 40013, errmsg: 'invalid appid or secret' };
        const t = randomBytes(16).toString('hex');
        this.tokens.add(t);
        return { access_token: t, expires_in: 7200 };
      });
      app.post('/cgi-bin/message/subscribe/send', async (req) => {
        const q = req.query as Record<string, string>;
        if (!this.tokens.has(q.access_token)) return { errcode: 40001, errmsg: 'invalid credential' };
        const b = req.body as { touser: string; template_id: string; page?: string; data: Record<string, { value: string }> };
        const key = `${b.touser}|${b.template_id}`;
        const left = this.subs.get(key) ?? 0;
        if (left <= 0) return { errcode: 43101, errmsg: 'user refuse to accept the msg' };
        this.subs.set(key, left - 1);
        const msgid = this.sent.length + 1000;
        this.sent.push({ msgid, touser: b.touser, template_id: b.template_id, page: b.page, data: b.data, at: this.o.clock.now().toISOString() });
        return { errcode: 0, errmsg: 'ok', msgid };
      });
      // Driving the simulator: a user taps 允许 (POST /sim/subscribe {openid, templateId, times?}); what was sent.
      app.post('/sim/subscribe', async (req, reply) => {
        const b = (req.body ?? {}) as { openid?: string; templateId?: string; times?: number };
        if (!b.openid || !b.templateId) return reply.code(400).send({ error: 'openid and templateId required' });
        this.subscribe(b.openid, b.templateId, Math.max(1, Math.min(100, Number(b.times ?? 1) || 1)));
        return { ok: true };
      });
      app.get('/sim/sent', async () => ({ items: this.sent }));
    };
  }

  subscribe(openid: string, templateId: string, times = 1): void {
    const key = `${openid}|${templateId}`;
    this.subs.set(key, (this.subs.get(key) ?? 0) + times);
  }

  async listen(): Promise<string> {
    this.server = await serveLocal(this.plugin);
    return localUrl(this.server);
  }

  async close(): Promise<void> {
    await this.server?.close();
  }
}

const header = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v);
