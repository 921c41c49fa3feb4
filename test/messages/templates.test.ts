import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkTemplateVariables, nextGoldenWindow, templateVariables } from '../../src/messages/index.js';
import { type Brand, messagingBrand } from './setup.js';

let b: Brand;
beforeAll(async () => {
  b = await messagingBrand('tpl');
});
afterAll(() => b?.close());

describe('templates', () => {
  it('lists the variables a template uses and checks them against what a journey offers', () => {
    const t = { content: { text: '{{customer.name}} {{#grant.coupon}}{{grant.coupon.code}}{{/grant.coupon}} {{event.product}}' } };
    expect(templateVariables(t)).toEqual(['customer.name', 'event.product', 'grant.coupon', 'grant.coupon.code']);
    expect(checkTemplateVariables(t, new Set(['customer.name', 'grant.coupon.code']))).toEqual({ ok: false, missing: ['event.product'] });
    expect(checkTemplateVariables(t, new Set(['customer.name', 'grant.coupon.code', 'event.*'])).ok).toBe(true);
  });

  it('rejects an unknown variable at save time, naming it; operators may save, viewers may not', async () => {
    const bad = await b.app.inject({ method: 'POST', url: '/api/messages/templates', headers: b.operator, payload: { name: 'x', channel: 'sms', content: { text: '{{customer.shoe_size}} {{link.nope}}' } } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().detail).toContain('{{customer.shoe_size}}');
    expect(bad.json().detail).toContain('{{link.nope}}');
    const tooMany = await b.app.inject({
      method: 'POST',
      url: '/api/messages/templates',
      headers: b.operator,
      payload: { name: 'wx', channel: 'wecom_1v1', content: { text: 'hi', attachments: [{ type: 'image', picUrl: 'a' }, { type: 'image', picUrl: 'b' }, { type: 'image', picUrl: 'c' }] } },
    });
    expect(tooMany.statusCode).toBe(400);
    expect(tooMany.json().detail).toMatch(/at most 3 messages per push/);
  });

  it('previews a template against a real customer', async () => {
    const res = await b.app.inject({
      method: 'POST',
      url: `/api/messages/templates/${b.templateId}/preview`,
      headers: b.operator,
      payload: { customerId: b.people[0].id, event: { name: 'Product Viewed', properties: { product: '精华' } }, grant: { coupon: { amountFen: 2000 } } },
    });
    expect(res.statusCode).toBe(200);
    expect(res.json().rendered.text).toBe('王小美您好，精华的20元券已到账 https://shop.example.com/p/1');
  });

  it('serves policies with defaults; only admins change them; nextGoldenWindow follows them', async () => {
    const get = await b.app.inject({ method: 'GET', url: '/api/messages/policies', headers: b.admin });
    expect(get.json()).toMatchObject({ caps: { overall: { perDay: 1, perWeek: 3 } }, quietHours: { start: '22:00', end: '08:00' }, wecomMonthlyCap: 'month_days' });
    const denied = await b.app.inject({ method: 'PUT', url: '/api/messages/policies', headers: b.operator, payload: get.json() });
    expect(denied.statusCode).toBe(403);
    const at = new Date('2026-06-15T01:30:00Z'); // 09:30 Shanghai
    expect((await nextGoldenWindow(b.ctx, b.ws.id, at)).toISOString()).toBe('2026-06-15T04:00:00.000Z');
    const put = await b.app.inject({ method: 'PUT', url: '/api/messages/policies', headers: b.admin, payload: { ...(get.json() as Record<string, unknown>), goldenWindows: [{ start: '20:00', end: '21:00' }] } });
    expect(put.statusCode).toBe(200);
    expect((await nextGoldenWindow(b.ctx, b.ws.id, at)).toISOString()).toBe('2026-06-15T12:00:00.000Z');
  });
});
