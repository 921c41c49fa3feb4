import http from 'node:http';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MiniprogramSimulator, verifyBody } from '../../src/channels/index.js';
import { dispatchOnce } from '../../src/messages/index.js';
import { type Brand, messageRow, messagingBrand, timeline } from '../messages/setup.js';

let b: Brand;
const mails: { to: string; data: string }[] = [];
let smtp: SMTPServer;
let smtpPort = 0;
const hooks: { body: string; ok: boolean; key: string | undefined }[] = [];
let hookServer: http.Server;
let hookUrl = '';
let mp: MiniprogramSimulator;
const SECRET = 'webhook-secret-0123456789';

beforeAll(async () => {
  b = await messagingBrand('chan');
  smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    onData(stream, session, cb) {
      let data = '';
      stream.on('data', (c: Buffer) => (data += c.toString()));
      stream.on('end', () => {
        mails.push({ to: session.envelope.rcptTo.map((r) => r.address).join(','), data });
        cb();
      });
    },
  });
  await new Promise<void>((r) => smtp.listen(0, '127.0.0.1', () => r()));
  smtpPort = (smtp.server.address() as { port: number }).port;
  hookServer = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      const ok = verifyBody(SECRET, req.headers['x-siyu-timestamp'] as string, body, req.headers['x-siyu-signature'] as string, b.clock.now().getTime());
      hooks.push({ body, ok, key: req.headers['idempotency-key'] as string | undefined });
      res.writeHead(ok ? 200 : 401).end();
    });
  });
  await new Promise<void>((r) => hookServer.listen(0, '127.0.0.1', () => r()));
  hookUrl = `http://127.0.0.1:${(hookServer.address() as { port: number }).port}/hook`;
  mp = new MiniprogramSimulator({ clock: b.clock, appid: 'wxmini01', secret: 'mpsecret' });
  const mpUrl = await mp.listen();
  const put = await b.app.inject({
    method: 'PUT',
    url: '/api/channels',
    headers: b.admin,
    payload: {
      email: { host: '127.0.0.1', port: smtpPort, secure: false, ignoreTls: true, from: '花漾 <crm@example.com>' },
      webhook: { url: hookUrl, secret: SECRET },
      miniprogram: { appid: 'wxmini01', appSecret: 'mpsecret', apiBaseUrl: mpUrl },
    },
  });
  expect(put.statusCode).toBe(200);
  expect(put.json().webhook).toMatchObject({ url: hookUrl, secretSet: true });
  expect(JSON.stringify(put.json())).not.toContain(SECRET);
});
afterAll(async () => {
  await new Promise<void>((r) => smtp?.close(() => r()));
  await new Promise<void>((r) => hookServer?.close(() => r()));
  await mp?.close();
  await b?.close();
});

async function template(channel: string, content: Record<string, unknown>): Promise<string> {
  const res = await b.app.inject({ method: 'POST', url: '/api/messages/templates', headers: b.operator, payload: { name: `${channel} t`, channel, content } });
  expect(res.statusCode, res.body).toBe(201);
  return res.json().id;
}

describe('channels', () => {
  it('email over SMTP, with an unsubscribe link that 退订s', async () => {
    const c = b.people[0];
    await b.ctx.db.updateTable('customers').set({ email_enc: b.ctx.secrets.encrypt('xiaomei@example.com') }).where('id', '=', c.id).execute();
    const tid = await template('email', { subject: '{{customer.name}}，新品上市', html: '<p>{{customer.name}} &amp; {{event.product}}</p>' });
    const { id } = await b.send(c.id, { channel: 'email', templateId: tid });
    await dispatchOnce(b.ctx);
    expect(await messageRow(b, id)).toMatchObject({ status: 'sent' });
    expect(mails).toHaveLength(1);
    expect(mails[0].to).toBe('xiaomei@example.com');
    expect(mails[0].data).toContain('List-Unsubscribe');
    const unsub = mails[0].data.replace(/=\r\n/g, '').match(/\/m\/([\w-]+)/)![0];
    const res = await b.app.inject({ method: 'GET', url: unsub });
    expect(res.body).toContain('退订');
    expect((await timeline(b, c.id)).some((e) => e.event === 'Unsubscribed')).toBe(true);
  });

  it('signed webhooks: the receiver verifies the HMAC and gets an Idempotency-Key', async () => {
    const tid = await template('webhook', { event: 'coupon_granted', data: { name: '{{customer.name}}', code: '{{grant.coupon.code}}' } });
    const { id } = await b.send(b.people[1].id, { channel: 'webhook', templateId: tid, marketing: false });
    await dispatchOnce(b.ctx);
    expect(await messageRow(b, id)).toMatchObject({ status: 'delivered' });
    expect(hooks).toHaveLength(1);
    expect(hooks[0].ok).toBe(true);
    expect(hooks[0].key).toMatch(/:t:\d+$/);
    expect(JSON.parse(hooks[0].body)).toMatchObject({ event: 'coupon_granted', message_id: id, data: { name: '李雷', code: 'C1' } });
  });

  it('mini-program subscription messages: unsubscribed users are unreachable, subscribed ones get it', async () => {
    const c = b.people[2];
    await b.ctx.db.insertInto('identities').values({ workspace_id: b.ws.id, type: 'wechat_openid', collection: 'wxmini01', value: 'oOPENID3', customer_id: c.id }).execute();
    const tid = await template('miniprogram', { templateId: 'TPL1', page: 'pages/coupon/index', data: { thing1: '{{customer.name}}', amount2: '{{grant.coupon.amount}}元' } });
    const first = await b.send(c.id, { channel: 'miniprogram', templateId: tid, marketing: false });
    await dispatchOnce(b.ctx);
    expect(await messageRow(b, first.id)).toMatchObject({ status: 'suppressed', reason_code: 'unreachable' });
    mp.subscribe('oOPENID3', 'TPL1');
    const second = await b.send(c.id, { channel: 'miniprogram', templateId: tid, marketing: false });
    await dispatchOnce(b.ctx);
    expect(await messageRow(b, second.id)).toMatchObject({ status: 'delivered' });
    expect(mp.sent[0]).toMatchObject({ touser: 'oOPENID3', template_id: 'TPL1', data: { thing1: { value: '韩梅梅' }, amount2: { value: '20元' } } });
  });
});
