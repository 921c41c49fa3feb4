import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dashboard } from '../../src/analytics/index.js';
import { buildServer, type Server } from '../../src/api/index.js';
import { systemActor } from '../../src/audit/index.js';
import { createOperator, setMembership } from '../../src/auth/index.js';
import { loadDemo } from '../../src/demo/index.js';
import { manualClock } from '../../src/core/index.js';
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
  if (!fs.existsSync('console/dist/index.html')) {
    const build = spawnSync('npx', ['vite', 'build', '--config', 'console/vite.config.ts'], { stdio: 'inherit' });
    if (build.status !== 0) throw new Error('console build failed');
  }
  ctx = await testStores({ clock: manualClock(new Date()) });
  const demo = await loadDemo(ctx, { customers: 400 });
  workspace = { id: demo.workspaceId, timezone: 'Asia/Shanghai' };
  const op = await createOperator(ctx, { email: 'e2e@siyu.test', name: 'E2E', password: 'e2e-password' });
  await setMembership(ctx, demo.workspaceId, op.id, 'owner', systemActor);
  app = await buildServer(ctx, { console: true, logger: false });
  url = await app.listen({ port: 0, host: '127.0.0.1' });
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
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
