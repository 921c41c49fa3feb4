import Fastify, { type FastifyInstance, type FastifyPluginAsync } from 'fastify';
import QRCode from 'qrcode';
import { z } from 'zod';
import { addContact, joinGroup, type Sim } from './actions.js';
import { handlers, sendMassTask } from './handlers.js';
import { type SimCorp, SimError, fail, hex, nowSeconds } from './state.js';

/** gettoken (获取access_token, doc 91039): 7200 s tokens; 40013 for a wrong corp id, 40001 for a wrong secret. */
function getToken(corp: SimCorp, q: Record<string, unknown>) {
  if (q.corpid !== corp.corpId) fail(40013, 'invalid corpid');
  const secret = q.corpsecret === corp.contactSecret ? 'contact' : q.corpsecret === corp.agentSecret ? 'agent' : fail(40001, 'invalid credential');
  const access_token = hex(32);
  corp.tokens.set(access_token, { secret, expiresAt: corp.clock.now().getTime() + 7_200_000 });
  return { access_token, expires_in: 7200 };
}

function checkToken(corp: SimCorp, token: unknown): void {
  if (typeof token !== 'string' || !token) fail(41001, 'access_token missing');
  const t = corp.tokens.get(token) ?? fail(40014, 'invalid access_token');
  if (corp.clock.now().getTime() >= t.expiresAt) fail(42001, 'access_token expired');
}

/** Per corp and API: 45009 past the minute or hour budget (主动调用频率限制). */
function countCall(corp: SimCorp, api: string): void {
  const now = nowSeconds(corp);
  const minute = `${api}@m${Math.floor(now / 60)}`;
  const hour = `${api}@h${Math.floor(now / 3600)}`;
  const m = (corp.calls.get(minute) ?? 0) + 1;
  const h = (corp.calls.get(hour) ?? 0) + 1;
  corp.calls.set(minute, m);
  corp.calls.set(hour, h);
  if (m > corp.limits.perMinute || h > corp.limits.perHour) fail(45009, 'api freq out of limit');
}

function answer(fn: () => Record<string, unknown>): Record<string, unknown> {
  try {
    return { errcode: 0, errmsg: 'ok', ...fn() };
  } catch (err) {
    if (err instanceof SimError) return { errcode: err.errcode, errmsg: err.errmsg };
    throw err;
  }
}

const controlBody = z.object({
  code: z.string().min(1).optional(),
  count: z.number().int().min(1).max(10_000).default(1),
  name: z.string().max(50).optional(),
  unionid: z.string().max(100).optional(),
  userid: z.string().optional(),
  msgid: z.string().optional(),
  /** Pause between repeated scans, as people scan seconds apart (lets Siyu move a code on). */
  intervalMs: z.number().int().min(0).max(10_000).default(300),
});

/** The simulated API (/cgi-bin/…) and its script controls (/sim/…), mountable under any prefix. */
export function simulatorPlugin(sim: Sim): FastifyPluginAsync {
  return async (app) => {
    const noLimit = { rateLimit: false } as Record<string, unknown>;
    app.get('/cgi-bin/gettoken', { config: noLimit }, async (req) => answer(() => getToken(sim.corp, req.query as Record<string, unknown>)));
    for (const [route, handler] of Object.entries(handlers)) {
      const [method, url] = route.split(' ') as ['GET' | 'POST', string];
      app.route({
        method,
        url,
        config: noLimit,
        handler: async (req) => {
          const query = req.query as Record<string, unknown>;
          return answer(() => {
            checkToken(sim.corp, query.access_token);
            countCall(sim.corp, url);
            const body = req.body && typeof req.body === 'object' ? (req.body as Record<string, unknown>) : {};
            return handler(sim.corp, { ...query, ...body });
          });
        },
      });
    }

    const control = async (body: unknown, run: (b: z.infer<typeof controlBody>) => Promise<unknown>) => {
      const parsed = controlBody.safeParse(body ?? {});
      if (!parsed.success) return { errcode: 40058, errmsg: parsed.error.issues.map((i) => `${i.path.join('.')} ${i.message}`).join('; ') };
      try {
        return { errcode: 0, errmsg: 'ok', result: await run(parsed.data) };
      } catch (err) {
        if (err instanceof SimError) return { errcode: err.errcode, errmsg: err.errmsg };
        throw err;
      }
    };
    const repeat = async <T>(n: number, pause: number, fn: () => Promise<T>) => {
      const out: T[] = [];
      for (let i = 0; i < n; i++) {
        if (i > 0 && pause > 0) await new Promise((r) => setTimeout(r, pause));
        out.push(await fn());
      }
      return out;
    };
    app.post('/sim/add-contact', { config: noLimit }, async (req) =>
      control(req.body, (b) => repeat(b.count, b.intervalMs, () => addContact(sim, b.code ?? fail(40058, 'code missing'), { customer: { name: b.name, unionid: b.unionid } }))),
    );
    app.post('/sim/join-group', { config: noLimit }, async (req) =>
      control(req.body, (b) => repeat(b.count, 0, () => joinGroup(sim, b.code ?? fail(40058, 'code missing'), { customer: { name: b.name, unionid: b.unionid } }))),
    );
    app.post('/sim/send-message', { config: noLimit }, async (req) =>
      control(req.body, async (b) => {
        const pending = [...sim.corp.msgTemplates.values()].filter((m) => (!b.msgid || m.msgid === b.msgid) && [...m.tasks].some(([u, t]) => t.status === 0 && (!b.userid || u === b.userid)));
        let sent = 0;
        for (const m of pending) for (const [u, t] of m.tasks) if (t.status === 0 && (!b.userid || u === b.userid)) sent += sendMassTask(sim.corp, m.msgid, u);
        return { messages: pending.length, delivered: sent };
      }),
    );
    app.get('/sim/qr/:id.png', { config: noLimit }, async (req, reply) => {
      const { id } = req.params as { id: string };
      if (!sim.corp.contactWays.has(id) && !sim.corp.joinWays.has(id)) return reply.code(404).send({ errcode: 40058, errmsg: 'no such code' });
      return reply.type('image/png').send(await QRCode.toBuffer(`https://work.weixin.qq.com/ca/${id}`, { width: 400, margin: 1 }));
    });
    app.get('/sim/state', { config: noLimit }, async () => ({
      corpId: sim.corp.corpId,
      staff: [...sim.corp.staff.values()],
      customers: sim.corp.customers.size,
      contactWays: sim.corp.contactWays.size,
      groups: [...sim.corp.groups.values()].map((g) => ({ chatId: g.chat_id, name: g.name, members: g.members.length, dismissed: g.dismissed })),
      welcomes: sim.corp.welcomes.slice(-20),
    }));
  };
}

/** A standalone simulator server on a free loopback port. */
export async function listenStandalone(sim: Sim): Promise<{ app: FastifyInstance; url: string }> {
  const app = Fastify({ logger: false });
  await app.register(simulatorPlugin(sim));
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return { app, url: `http://127.0.0.1:${port}` };
}
