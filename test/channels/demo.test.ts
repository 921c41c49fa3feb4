import { afterAll, describe, expect, it } from 'vitest';
import { buildServer } from '../../src/api/index.js';
import { mountChannelsDemo } from '../../src/channels/index.js';
import { manualClock, newId } from '../../src/core/index.js';
import { demoCatalog } from '../../src/demo/index.js';
import { dispatchOnce, enqueueMessage } from '../../src/messages/index.js';
import { apiKey, bearer, customer, seedCustomers, seedWorkspace } from '../support/app.js';
import { type TestCtx, testStores } from '../support/stores.js';

let ctx: TestCtx;
afterAll(() => ctx?.close());

async function serveDemo() {
  const app = await buildServer(ctx, { logger: false });
  const demo = await mountChannelsDemo(ctx, app);
  await app.listen({ port: 0, host: '127.0.0.1' });
  const a = app.server.address();
  const url = `http://127.0.0.1:${typeof a === 'object' && a ? a.port : 0}`;
  await demo.connect(url);
  ctx.config.publicUrl = url;
  return { app, demo, url };
}

describe('the demo brand’s SMS and mini-program simulators', () => {
  it('are served under /_sms-sim and /_mp-sim and configured as the demo brand’s channels, so SMS goes out of the box', async () => {
    ctx = await testStores({ clock: manualClock('2026-06-15T04:00:00Z') });
    const ws = await seedWorkspace(ctx, 'demo');
    const headers = bearer(await apiKey(ctx, ws.id, 'admin'));
    const [c] = await seedCustomers(ctx, ws.id, [customer({ name: '赵小米', phone: '13900001111' })]);

    // without --demo nothing is mounted
    const plain = await buildServer(ctx, { logger: false });
    expect((await plain.inject({ url: '/_sms-sim/messages' })).statusCode).toBe(404);
    await plain.close();

    const first = await serveDemo();
    const channels = (await first.app.inject({ url: '/api/channels', headers })).json();
    expect(channels.sms).toMatchObject({ url: `${first.url}/_sms-sim/send`, secretSet: true });
    expect(channels.miniprogram).toMatchObject({ appid: demoCatalog(42).brand.appIds.miniProgram, apiBaseUrl: `${first.url}/_mp-sim`, appSecretSet: true });

    const tpl = await first.app.inject({ method: 'POST', url: '/api/messages/templates', headers, payload: { name: '上新', channel: 'sms', content: { text: '{{customer.name}}，夏日新品上市' } } });
    expect(tpl.statusCode, tpl.body).toBe(201);
    const { id } = await enqueueMessage(ctx.db, {
      workspaceId: ws.id,
      customerId: c.id,
      channel: 'sms',
      templateId: tpl.json().id,
      idempotencyKey: 'demo:1',
      source: { kind: 'manual', id: newId() },
      vars: {},
      golden: false,
      marketing: true,
      now: ctx.clock.now(),
    });
    expect((await dispatchOnce(ctx)).sent).toBe(1);
    const listed = (await (await fetch(`${first.url}/_sms-sim/messages`)).json()) as { items: { id: string; phone: string; text: string; ref: string }[] };
    expect(listed.items).toEqual([expect.objectContaining({ phone: '+8613900001111', text: '【Brand demo】赵小米，夏日新品上市 退订回T', ref: id })]);

    // the gateway's report and the customer's reply come back signed to /hooks/sms
    const report = await fetch(`${first.url}/_sms-sim/report`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ id: listed.items[0].id, status: 'delivered' }) });
    expect(await report.json()).toEqual({ forwarded: 1 });
    const reply = await fetch(`${first.url}/_sms-sim/reply`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ phone: '13900001111', text: 'T' }) });
    expect(await reply.json()).toEqual({ forwarded: 1 });
    const m = await ctx.db.selectFrom('messages').select('status').where('id', '=', id).executeTakeFirstOrThrow();
    expect(m.status).toBe('delivered');
    expect(await ctx.db.selectFrom('unsubscribes').select('channel').where('customer_id', '=', c.id).execute()).toEqual([{ channel: 'sms' }]);

    // a mini-program user taps 允许 through the simulator
    const sub = await fetch(`${first.url}/_mp-sim/sim/subscribe`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ openid: 'o1', templateId: 'T1' }) });
    expect(sub.status).toBe(200);
    await first.app.close();

    // after a restart on another port the channels follow the simulators and keep their secret
    const secret = (await ctx.db.selectFrom('channel_settings').select('settings').where('workspace_id', '=', ws.id).where('channel', '=', 'sms').executeTakeFirstOrThrow()).settings.secret_enc;
    const second = await serveDemo();
    const again = (await second.app.inject({ url: '/api/channels', headers })).json();
    expect(again.sms.url).toBe(`${second.url}/_sms-sim/send`);
    const stored = (await ctx.db.selectFrom('channel_settings').select('settings').where('workspace_id', '=', ws.id).where('channel', '=', 'sms').executeTakeFirstOrThrow()).settings;
    expect(ctx.secrets.decrypt(stored.secret_enc as string)).toBe(ctx.secrets.decrypt(secret as string));
    await second.app.close();

    // a provider the operator configured is left alone
    const { app: put } = await serveDemo();
    const own = await put.inject({ method: 'PUT', url: '/api/channels', headers, payload: { sms: { url: 'https://sms.example.com/send', secret: 'provider-secret-1' } } });
    expect(own.statusCode).toBe(200);
    await put.close();
    const third = await serveDemo();
    expect((await third.app.inject({ url: '/api/channels', headers })).json().sms.url).toBe('https://sms.example.com/send');
    await third.app.close();
  });
});
