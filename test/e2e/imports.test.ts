import fs from 'node:fs';
import path from 'node:path';
import { type Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { buildServer, type Server } from '../../src/api/index.js';
import { systemActor } from '../../src/audit/index.js';
import { createOperator, ensureWorkspace, setMembership } from '../../src/auth/index.js';
import { manualClock } from '../../src/core/index.js';
import { startImportWorker } from '../../src/imports/index.js';
import { launchChromium } from './support.js';
import { testStores, type TestCtx } from '../support/stores.js';
import { ordersCsv } from '../imports/support.js';

// The console's import page as an operator uses it: drop an order export, check the suggested
// mapping on the preview, start, watch it finish, read the error report. Screenshot in test-results/.
const shots = path.resolve('test-results');
let ctx: TestCtx;
let app: Server;
let browser: Browser;
let url: string;
let stopWorker: () => Promise<void>;

beforeAll(async () => {
  ctx = await testStores({ clock: manualClock(new Date()) });
  const { workspace } = await ensureWorkspace(ctx, { slug: 'shop', name: '花漾' }, systemActor);
  const op = await createOperator(ctx, { email: 'ops@siyu.test', name: 'Ops', password: 'ops-password' });
  await setMembership(ctx, workspace.id, op.id, 'operator', systemActor);
  app = await buildServer(ctx, { console: true, logger: false });
  url = await app.listen({ port: 0, host: '127.0.0.1' });
  stopWorker = startImportWorker(ctx, { intervalMs: 50 });
  browser = await launchChromium();
  fs.mkdirSync(shots, { recursive: true });
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await stopWorker?.();
  await app?.close();
  await ctx?.close();
});

it('imports an order file from the console: suggested mapping, progress, summary and error report', async () => {
  const page = await browser.newPage({ viewport: { width: 1440, height: 1000 }, locale: 'zh-CN' });
  await page.goto(`${url}/login`);
  await page.getByTestId('login-email').fill('ops@siyu.test');
  await page.getByTestId('login-password').fill('ops-password');
  await page.getByTestId('login-submit').click();
  await page.waitForURL((u) => !u.pathname.startsWith('/login'));
  await page.getByTestId('nav-imports').click();
  await page.waitForURL((u) => u.pathname === '/imports');

  const file = ordersCsv(300, 100);
  await page.locator('input[type=file]').setInputFiles({ name: '订单导出.csv', mimeType: 'text/csv', buffer: Buffer.from(file.csv) });
  await page.getByTestId('map-订单号').waitFor();
  expect(await page.getByTestId('map-订单号').innerText()).toContain('订单号');
  expect(await page.getByTestId('map-实付金额(元)').innerText()).toContain('订单金额（元）');
  expect(await page.getByTestId('map-手机号').innerText()).toContain('手机号');
  await page.screenshot({ path: path.join(shots, 'imports-mapping.png'), fullPage: true });

  await page.getByTestId('import-start').click();
  const result = page.getByTestId('import-result');
  await expect.poll(() => result.innerText(), { timeout: 60_000 }).toContain('已完成');
  const text = await result.innerText();
  expect(text).toContain('297'); // imported
  expect(text).toMatch(/失败\s*3/);
  const errors = page.getByTestId('import-errors');
  expect(await errors.locator('tbody tr').count()).toBe(3);
  expect(await errors.innerText()).toContain(String([...file.bad.keys()][0]));
  expect(await page.getByTestId('import-errors-csv').getAttribute('href')).toMatch(/^\/api\/imports\/[0-9a-f-]+\/errors\?format=csv$/);
  await expect.poll(() => page.getByTestId('import-history').locator('tbody tr').count()).toBe(1);
  await page.screenshot({ path: path.join(shots, 'imports-result.png'), fullPage: true });
  await page.close();
});
