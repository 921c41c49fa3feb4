import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId } from '../../src/core/index.js';
import { verifyBody } from '../../src/channels/index.js';
import { BUILTIN_TEMPLATE_ID, dispatchOnce } from '../../src/messages/index.js';
import { enterJourney, runJourneysOnce } from '../../src/journeys/index.js';
import { type Brand, messagingBrand } from '../messages/setup.js';
import { liveJourney, manual } from './support.js';

const SECRET = 'journey-webhook-secret-1';
let b: Brand;
let hook: http.Server;
let hookUrl = '';
const received: { headers: http.IncomingHttpHeaders; body: string; status: number }[] = [];
let failNext = 0;

beforeAll(async () => {
  b = await messagingBrand('jbuiltin');
  hook = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      const status = failNext-- > 0 ? 503 : 200;
      received.push({ headers: req.headers, body, status });
      res.writeHead(status).end();
    });
  });
  await new Promise<void>((r) => hook.listen(0, '127.0.0.1', r));
  const a = hook.address();
  hookUrl = `http://127.0.0.1:${typeof a === 'object' && a ? a.port : 0}`;
  const put = await b.app.inject({ method: 'PUT', url: '/api/channels', headers: b.admin, payload: { webhook: { url: `${hookUrl}/default`, secret: SECRET } } });
  expect(put.statusCode).toBe(200);
});
afterAll(async () => {
  hook?.close();
  await b?.close();
});

describe('built-in journey messages (no template)', () => {
  it('a webhook step posts a signed JSON payload of run, step, customer and event, retried with backoff', async () => {
    const [c] = b.people;
    const j = await liveJourney(b.ctx, b.ws.id, manual({ start: 'w', steps: [{ id: 'w', kind: 'webhook', url: `${hookUrl}/journey` }] }), 'hook');
    await enterJourney(b.ctx, b.ws.id, j.id, [c.id], { context: { event: { name: 'Product Viewed', properties: { product: '面霜' }, messageId: 'pv1' } } });
    await runJourneysOnce(b.ctx);
    const [m] = await b.ctx.db.selectFrom('messages').selectAll().where('workspace_id', '=', b.ws.id).where('source_id', '=', j.id).execute();
    expect(m.template_id).toBe(BUILTIN_TEMPLATE_ID);
    failNext = 1;
    const first = await dispatchOnce(b.ctx, { workspaceId: b.ws.id });
    expect(first.retried).toBe(1);
    b.clock.advance(30_000);
    const second = await dispatchOnce(b.ctx, { workspaceId: b.ws.id });
    expect(second.sent).toBe(1);
    const row = await b.ctx.db.selectFrom('messages').selectAll().where('workspace_id', '=', b.ws.id).where('id', '=', m.id).executeTakeFirstOrThrow();
    expect(row.status).toBe('delivered');
    const hits = received.filter((r) => r.headers['idempotency-key']?.toString().endsWith(m.idempotency_key));
    expect(hits.map((h) => h.status)).toEqual([503, 200]);
    const ok = hits[1];
    expect(verifyBody(SECRET, ok.headers['x-siyu-timestamp'] as string, ok.body, ok.headers['x-siyu-signature'] as string, b.clock.now().getTime())).toBe(true);
    const payload = JSON.parse(ok.body);
    expect(payload).toMatchObject({
      event: 'journey.step',
      message_id: m.id,
      customer_id: c.id,
      source: { kind: 'journey', id: j.id },
      data: { journey_id: j.id, run_id: m.run_id, step_id: 'w', customer: { id: c.id }, event: { name: 'Product Viewed', product: '面霜' } },
    });
    expect(ok.body).not.toContain('王小美');
    expect(ok.body).not.toContain('13800138001');
  });

  it('a group invite without a template sends the default zh-CN text with the group QR, by SMS when the customer has no WeCom', async () => {
    const [, c] = b.people;
    const now = b.clock.now();
    const codeId = newId();
    await b.ctx.db
      .insertInto('wecom_codes')
      .values({ workspace_id: b.ws.id, id: codeId, kind: 'group', name: '会员福利群', channel: 'wecom', state: `g${codeId.slice(0, 8)}`, short: `s${codeId.slice(0, 8)}`, config_id: 'cfg1', qr_url: 'https://wework.example.com/qr/g1.png', config: JSON.stringify({}), created_at: now, updated_at: now } as never)
      .execute();
    const j = await liveJourney(b.ctx, b.ws.id, manual({ start: 'g', steps: [{ id: 'g', kind: 'group_invite', groupCodeId: codeId }] }), 'invite');
    await enterJourney(b.ctx, b.ws.id, j.id, [c.id]);
    await runJourneysOnce(b.ctx);
    const r = await dispatchOnce(b.ctx, { workspaceId: b.ws.id });
    expect(r.sent).toBe(1);
    const [m] = await b.ctx.db.selectFrom('messages').selectAll().where('workspace_id', '=', b.ws.id).where('source_id', '=', j.id).execute();
    expect(m.status).toBe('sent');
    expect(m.channel).toBe('sms');
    const sms = b.sms.messages.find((x) => x.ref === m.id)!;
    expect(sms.phone).toBe('+8613800138002');
    expect(sms.text).toContain('会员群「会员福利群」');
    expect(sms.text).toContain('https://wework.example.com/qr/g1.png');
    expect(sms.text).toMatch(/^【Brand jbuiltin】李雷您好！/);
  });
});
