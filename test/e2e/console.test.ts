import fs from 'node:fs';
import path from 'node:path';
import { Analytics } from '@segment/analytics-node';
import { type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dashboard } from '../../src/analytics/index.js';
import { buildServer, type Server } from '../../src/api/index.js';
import { systemActor } from '../../src/audit/index.js';
import { createOperator, createWriteKey, setMembership } from '../../src/auth/index.js';
import { loadDemo } from '../../src/demo/index.js';
import { manualClock, type ManualClock } from '../../src/core/index.js';
import { startIngestWorker } from '../../src/ingest/index.js';
import { apiKey, bearer } from '../support/app.js';
import { launchChromium } from './support.js';
import { testStores, type TestCtx } from '../support/stores.js';

// Logs in to the built console in Debian's Chromium, checks the dashboard against the stores,
// searches and opens a customer, and saves screenshots under test-results/.
const shots = path.resolve('test-results');
let ctx: TestCtx;
let app: Server;
let browser: Browser;
let url: string;
let workspace: { id: string; timezone: string };

const digits = (s: string | null) => (s ?? '').replace(/\D/g, '');

beforeAll(async () => {
  ctx = await testStores({ clock: manualClock(new Date()) });
  const demo = await loadDemo(ctx, { customers: 400 });
  workspace = { id: demo.workspaceId, timezone: 'Asia/Shanghai' };
  const op = await createOperator(ctx, { email: 'e2e@siyu.test', name: 'E2E', password: 'e2e-password' });
  await setMembership(ctx, demo.workspaceId, op.id, 'owner', systemActor);
  app = await buildServer(ctx, { console: true, logger: false });
  url = await app.listen({ port: 0, host: '127.0.0.1' });
  browser = await launchChromium();
  fs.mkdirSync(shots, { recursive: true });
});

afterAll(async () => {
  await browser?.close();
  await app?.close();
  await ctx?.close();
});

describe('console', () => {
  it('logs in, shows the stores’ figures, finds and opens a customer', async () => {
    const page = await browser.newPage({ viewport: { width: 1440, height: 900 }, locale: 'zh-CN' });
    await page.goto(`${url}/`);
    await page.waitForURL(/\/login/);
    await page.getByTestId('login-email').fill('e2e@siyu.test');
    await page.getByTestId('login-password').fill('e2e-password');
    await page.getByTestId('login-submit').click();

    await page.getByTestId('chart-daily').waitFor();
    const expected = await dashboard(ctx, workspace);
    expect(expected.customers).toBe(400);
    expect(expected.orders30d).toBeGreaterThan(0);
    expect(digits(await page.getByTestId('kpi-customers').textContent())).toBe(String(expected.customers));
    expect(digits(await page.getByTestId('kpi-events-today').textContent())).toBe(String(expected.eventsToday));
    expect(digits(await page.getByTestId('kpi-orders-30d').textContent())).toBe(String(expected.orders30d));
    expect(digits(await page.getByTestId('kpi-gmv-30d').textContent())).toBe(String(expected.gmv30dFen));
    expect(digits(await page.getByTestId('kpi-aov-30d').textContent())).toBe(String(expected.aov30dFen));
    await page.screenshot({ path: path.join(shots, 'dashboard.png'), fullPage: true });

    // Pick a real customer from the store and find them by name through the search box.
    const row = await ctx.db.selectFrom('customers').select(['id', 'name_enc']).where('workspace_id', '=', workspace.id).where('name_enc', 'is not', null).orderBy('id').executeTakeFirstOrThrow();
    const name = ctx.secrets.decrypt(row.name_enc!);
    await page.getByTestId('nav-customers').click();
    await page.getByTestId('customer-table').waitFor();
    await page.getByTestId('customer-search').fill(name);
    await page.getByTestId('customer-search').press('Enter');
    await page.getByTestId('customer-table').getByText(name, { exact: true }).first().click();
    await page.waitForURL(new RegExp(`/customers/${row.id}`));
    await expect.poll(() => page.getByTestId('customer-name').textContent()).toContain(name);
    await page.getByTestId('customer-orders').waitFor();
    await page.screenshot({ path: path.join(shots, 'customer.png'), fullPage: true });
    await page.close();
  });

  it('shows one customer with every id, the merged timeline and order totals after @segment/analytics-node sends from two devices', async () => {
    const stopWorker = startIngestWorker(ctx, { intervalMs: 20 });
    try {
      const { key } = await createWriteKey(ctx, workspace.id, { name: 'e2e mini program' }, { actor: systemActor });
      const analytics = new Analytics({ writeKey: key, host: url, flushAt: 3, flushInterval: 50 });
      const failures: unknown[] = [];
      analytics.on('error', (err) => failures.push(err));
      const later = async () => {
        await analytics.flush();
        (ctx.clock as ManualClock).advance(60_000);
      };
      // Device 1: the member signs in to the mini program and buys.
      analytics.identify({
        userId: 'e2e-member-1001',
        traits: { name: '端到端林', phone: '139 0013 9001', skinType: 'dry' },
        context: { externalIds: [{ id: 'oE2E_unionid_1001', type: 'wechat_unionid', collection: 'users', encoding: 'none' }] },
      });
      analytics.track({ userId: 'e2e-member-1001', event: 'Order Completed', properties: { order_id: 'E2E-1', total: 199, products: [{ sku: 'LIP-01', name: '丝绒口红', price: 199, quantity: 1 }] } });
      await later();
      // Device 2: anonymous page views from a 小红书 note, an order, a partial refund.
      analytics.page({ anonymousId: 'e2e-h5-device', name: '新品页', properties: { url: 'https://shop.example.cn/new' }, context: { campaign: { source: 'xiaohongshu', medium: 'note', name: '618' } } });
      analytics.page({ anonymousId: 'e2e-h5-device', name: '商品详情', properties: { url: 'https://shop.example.cn/p/LIP-02' } });
      analytics.track({ anonymousId: 'e2e-h5-device', event: 'Order Completed', properties: { order_id: 'E2E-2', revenue: '99.00', products: [{ sku: 'LIP-02', price: 99, quantity: 1 }] } });
      analytics.track({ anonymousId: 'e2e-h5-device', event: 'Order Refunded', properties: { order_id: 'E2E-2', total: 20 } });
      await later();
      // The member signs in on device 2.
      analytics.alias({ userId: 'e2e-member-1001', previousId: 'e2e-h5-device' });
      await analytics.closeAndFlush();
      expect(failures).toEqual([]);

      const admin = await apiKey(ctx, workspace.id, 'admin');
      let customerId = '';
      await expect
        .poll(
          async () => {
            const res = await app.inject({ url: '/api/customers/by-identifier/anonymous_id/e2e-h5-device', headers: bearer(admin) });
            const body = res.statusCode === 200 ? res.json() : null;
            customerId = body?.id ?? '';
            return body ? [body.identifiers.length, body.computed.ordersCount] : null;
          },
          { timeout: 20_000, interval: 100 },
        )
        .toEqual([4, 2]);

      const page = await browser.newPage({ viewport: { width: 1440, height: 900 }, locale: 'zh-CN' });
      await page.goto(`${url}/login`);
      await page.getByTestId('login-email').fill('e2e@siyu.test');
      await page.getByTestId('login-password').fill('e2e-password');
      await page.getByTestId('login-submit').click();
      await page.getByTestId('nav-customers').click();
      await page.getByTestId('customer-search').fill('e2e-member-1001');
      await page.getByTestId('customer-search').press('Enter');
      // Click only once the search has answered: a click on the unfiltered list's row could be undone by it.
      await expect.poll(() => page.getByTestId('customer-table').locator('tbody tr.ant-table-row').count(), { timeout: 15_000 }).toBe(1);
      await page.getByTestId('customer-table').getByText('端到端林', { exact: true }).click();
      await page.waitForURL(new RegExp(`/customers/${customerId}`));

      const ids = page.getByTestId('customer-identifiers');
      for (const text of ['e2e-member-1001', 'e2e-h5-device', 'oE2E_unionid_1001', '+8613900139001']) await expect.poll(() => ids.textContent()).toContain(text);
      const computed = page.getByTestId('customer-computed');
      await expect.poll(() => computed.textContent()).toContain('278.00');
      expect(await computed.textContent()).toContain('xiaohongshu');
      const merges = page.getByTestId('customer-merges');
      await expect.poll(() => merges.locator('tbody tr.ant-table-row').count()).toBe(1);
      expect(await merges.textContent()).toContain('e2e-h5-device');

      // The timeline holds both devices' history: 2 orders, 2 page views, identify and alias, newest first.
      const timeline = page.getByTestId('customer-timeline');
      await expect.poll(() => timeline.locator('tbody tr.ant-table-row').count()).toBe(6);
      const text = (await timeline.textContent()) ?? '';
      for (const s of ['订单 E2E-1', '订单 E2E-2', '新品页', '商品详情', '退款']) expect(text).toContain(s);
      expect(text.indexOf('订单 E2E-2')).toBeLessThan(text.indexOf('订单 E2E-1'));
      await timeline.locator('tbody tr.ant-table-row').filter({ hasText: '新品页' }).locator('.ant-table-row-expand-icon').click();
      await expect.poll(() => timeline.textContent()).toContain('shop.example.cn/new');
      await page.screenshot({ path: path.join(shots, 'customer-360.png'), fullPage: true });

      // Filtering by event name keeps the orders only.
      await page.getByTestId('timeline-filter').locator('input').fill('Order Completed');
      await page.getByTestId('timeline-filter').locator('input').press('Enter');
      await expect.poll(() => timeline.locator('tbody tr.ant-table-row').count()).toBe(2);
      await page.close();
    } finally {
      await stopWorker();
    }
  });

  it('shows a clear error for a wrong password', async () => {
    const page = await browser.newPage({ locale: 'zh-CN' });
    await page.goto(`${url}/login`);
    await page.getByTestId('login-email').fill('e2e@siyu.test');
    await page.getByTestId('login-password').fill('wrong-password');
    await page.getByTestId('login-submit').click();
    await expect.poll(() => page.getByTestId('login-error').textContent()).toContain('邮箱或密码错误');
    await page.close();
  });
});
