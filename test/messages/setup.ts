import { buildServer } from '../../src/api/index.js';
import { manualClock, newId } from '../../src/core/index.js';
import { SmsSimulator } from '../../src/channels/index.js';
import { enqueueMessage } from '../../src/messages/index.js';
import { apiKey, bearer, customer, seedCustomers, seedWorkspace } from '../support/app.js';
import { testStores } from '../support/stores.js';

export const SMS_SECRET = 'sms-test-secret-123';

/** Siyu listening on loopback, a workspace with SMS on the local simulator, an SMS template, and a helper to queue sends. */
export async function messagingBrand(slug = 'msg') {
  const clock = manualClock('2026-06-15T04:00:00Z'); // 12:00 in Shanghai: a golden window, not quiet
  const ctx = await testStores({ clock });
  const app = await buildServer(ctx, { logger: false });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const a = app.server.address();
  const siyuUrl = `http://127.0.0.1:${typeof a === 'object' && a ? a.port : 0}`;
  ctx.config.publicUrl = siyuUrl;
  const ws = await seedWorkspace(ctx, slug);
  const admin = bearer(await apiKey(ctx, ws.id, 'admin'));
  const operator = bearer(await apiKey(ctx, ws.id, 'operator'));
  const sms = new SmsSimulator({ clock, secret: SMS_SECRET });
  const smsUrl = await sms.listen();
  sms.callback = { url: `${siyuUrl}/hooks/sms/${ws.id}`, secret: SMS_SECRET };
  const put = await app.inject({ method: 'PUT', url: '/api/channels', headers: admin, payload: { sms: { url: `${smsUrl}/send`, secret: SMS_SECRET } } });
  if (put.statusCode !== 200) throw new Error(put.body);
  const tpl = await app.inject({
    method: 'POST',
    url: '/api/messages/templates',
    headers: operator,
    payload: { name: '唤醒短信', channel: 'sms', content: { text: '{{customer.name}}您好，{{event.product}}的{{grant.coupon.amount}}元券已到账 {{link.shop}}', links: { shop: 'https://shop.example.com/p/1' } } },
  });
  if (tpl.statusCode !== 201) throw new Error(tpl.body);
  const templateId = tpl.json().id as string;
  const people = await seedCustomers(ctx, ws.id, [
    customer({ name: '王小美', phone: '13800138001' }),
    customer({ name: '李雷', phone: '13800138002' }),
    customer({ name: '韩梅梅', phone: '13800138003' }),
  ]);
  let n = 0;
  const send = (customerId: string, o: { golden?: boolean; marketing?: boolean; channel?: 'sms' | 'email' | 'webhook' | 'miniprogram' | 'wecom_1v1'; templateId?: string; key?: string } = {}) =>
    enqueueMessage(ctx.db, {
      workspaceId: ws.id,
      customerId,
      channel: o.channel ?? 'sms',
      templateId: o.templateId ?? templateId,
      idempotencyKey: o.key ?? `t:${++n}`,
      source: { kind: 'journey', id: newId(), runId: newId(), stepId: 's1' },
      vars: { event: { name: 'Product Viewed', properties: { product: '面霜' } }, grant: { coupon: { amountFen: 2000, code: 'C1' } } },
      golden: o.golden ?? false,
      marketing: o.marketing ?? true,
      now: clock.now(),
    });
  return {
    clock,
    ctx,
    app,
    ws,
    admin,
    operator,
    sms,
    siyuUrl,
    templateId,
    people,
    send,
    async close() {
      await sms.close();
      await app.close();
      await ctx.close();
    },
  };
}

export type Brand = Awaited<ReturnType<typeof messagingBrand>>;

export async function messageRow(b: Brand, id: string) {
  return b.ctx.db.selectFrom('messages').selectAll().where('workspace_id', '=', b.ws.id).where('id', '=', id).executeTakeFirstOrThrow();
}

export async function timeline(b: Brand, customerId: string): Promise<{ event: string; properties: Record<string, unknown> }[]> {
  const rows = await b.ctx.events.query<{ event: string; properties: string }>(
    `SELECT event, properties FROM ${b.ctx.events.table('events')} FINAL WHERE workspace_id = {ws:UUID} AND customer_id = {c:UUID} ORDER BY timestamp, event`,
    { ws: b.ws.id, c: customerId },
  );
  return rows.map((r) => ({ event: r.event, properties: JSON.parse(r.properties) }));
}
