import fs from 'node:fs';
import path from 'node:path';
import { type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildServer, type Server } from '../../src/api/index.js';
import { systemActor } from '../../src/audit/index.js';
import { createOperator, principalFor, setMembership } from '../../src/auth/index.js';
import { loadDemo } from '../../src/demo/index.js';
import { manualClock } from '../../src/core/index.js';
import { previewRule, rfmSummary, type Rule } from '../../src/segments/index.js';
import { launchChromium, signIn } from './support.js';
import { testStores, type TestCtx } from '../support/stores.js';

// The "done when", as a new user would do it in the console: look at the RFM page, build
// "重要挽留 customers who viewed 面霜 in the last 30 days but did not buy" in the visual builder,
// watch the live count match the API, save it and see its members. Screenshots go to test-results/.
const shots = path.resolve('test-results');
let ctx: TestCtx;
let app: Server;
let browser: Browser;
let url: string;
let workspace: { id: string; slug: string; name: string; timezone: string };

beforeAll(async () => {
  ctx = await testStores({ clock: manualClock(new Date()) });
  const demo = await loadDemo(ctx, { customers: 600 });
  workspace = { id: demo.workspaceId, slug: 'demo', name: 'demo', timezone: 'Asia/Shanghai' };
  const op = await createOperator(ctx, { email: 'seg@siyu.test', name: 'Seg', password: 'seg-password' });
  await setMembership(ctx, demo.workspaceId, op.id, 'owner', systemActor);
  app = await buildServer(ctx, { console: true, logger: false });
  url = await app.listen({ port: 0, host: '127.0.0.1' });
  browser = await launchChromium();
  fs.mkdirSync(shots, { recursive: true });
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await app?.close();
  await ctx?.close();
});

const login = (): Promise<Page> => signIn(browser, url, 'seg@siyu.test', 'seg-password');

async function addCondition(page: Page, label: string) {
  await page.getByTestId('rule-add').last().click();
  await page.locator('.ant-dropdown:not(.ant-dropdown-hidden)').getByRole('menuitem', { name: label }).click();
}

describe('RFM and segments in the console', () => {
  it('shows the 8 RFM segments with the API’s figures and drills into one', async () => {
    const page = await login();
    await page.goto(`${url}/rfm`);
    await page.getByTestId('rfm-heatmap').waitFor();
    const summary = await rfmSummary(ctx, workspace);
    const winback = summary.segments.find((s) => s.key === 'important_winback')!;
    const row = page.getByTestId('rfm-segments').locator('tr', { hasText: '重要挽留客户' });
    await expect.poll(() => row.innerText()).toContain(String(winback.customers));
    await page.getByTestId('rfm-segment-important_winback').click();
    // Data rows only, polled: the table shows a placeholder row while its page loads.
    await expect.poll(() => page.getByTestId('customer-table').locator('tbody tr.ant-table-row').count()).toBe(Math.min(20, winback.customers));
    await page.screenshot({ path: path.join(shots, 'rfm.png'), fullPage: true });
    await page.close();
  });

  it('builds the 重要挽留 / viewed 面霜 / did not buy rule with a live count, and saves it', async () => {
    const page = await login();
    await page.goto(`${url}/segments/new`);
    await page.getByTestId('rule-builder').waitFor();
    await page.getByTestId('segment-name').fill('重要挽留-看了面霜未购买');

    await addCondition(page, 'RFM 分层'); // defaults to 重要挽留客户
    await addCondition(page, '行为事件'); // Product Viewed in the last 30 days
    const event = page.getByTestId('rule-row').nth(1);
    await event.getByRole('button', { name: '属性筛选' }).click();
    await event.locator('input[placeholder="属性，如 category"]').fill('category');
    await event.locator('input[placeholder="属性，如 category"]').locator('xpath=../..').locator('input').last().fill('面霜');
    await addCondition(page, '订单'); // count ≥ 1 in the last 30 days
    const orders = page.getByTestId('rule-row').nth(2);
    await orders.locator('.ant-select', { hasText: '品类（可选）' }).click();
    await page.keyboard.type('面霜');
    await page.keyboard.press('Enter');
    await orders.getByTestId('rule-exclude').click();

    const rule: Rule = {
      type: 'and',
      rules: [
        { type: 'rfm', segments: ['important_winback'] },
        { type: 'event', event: 'Product Viewed', time: { lastDays: 30 }, where: [{ property: 'category', op: 'eq', value: '面霜' }] },
        { type: 'not', rule: { type: 'orders', metric: 'count', op: 'gte', value: 1, time: { lastDays: 30 }, product: { categories: ['面霜'] } } },
      ],
    };
    const owner = principalFor(workspace, 'owner', systemActor);
    const expected = (await previewRule(ctx, owner, rule)).count;
    await expect.poll(() => page.getByTestId('preview-count').innerText(), { timeout: 20_000 }).toBe(String(expected));
    await page.screenshot({ path: path.join(shots, 'segment-builder.png'), fullPage: true });

    await page.getByTestId('segment-save').click();
    await page.waitForURL(/\/segments\/[0-9a-f-]{36}$/);
    await page.getByRole('tab', { name: '成员' }).click();
    if (expected > 0) await page.getByTestId('customer-table').locator('tbody tr').first().waitFor();
    await page.goto(`${url}/segments`);
    await expect.poll(() => page.getByTestId('segment-members').first().innerText()).toBe(String(expected));
    await page.close();
  });

  it('shows lifecycle stages and creates a tag group with a manual tag', async () => {
    const page = await login();
    await page.goto(`${url}/rfm?tab=lifecycle`);
    await page.getByTestId('lifecycle-levels').locator('tbody tr').nth(4).waitFor();
    expect(await page.getByTestId('lifecycle-levels').innerText()).toContain('导入期');
    await page.screenshot({ path: path.join(shots, 'lifecycle.png'), fullPage: true });

    await page.goto(`${url}/tags`);
    await page.getByTestId('tag-group-new').click();
    await page.getByLabel('标签组名称').fill('肤质');
    await page.getByRole('button', { name: /确\s*定|OK/ }).click();
    await page.getByTestId('tag-new').click();
    await page.getByTestId('tag-name').fill('油皮');
    await page.getByTestId('tag-save').click();
    await page.getByTestId('tag-open').filter({ hasText: '油皮' }).waitFor();
    await page.screenshot({ path: path.join(shots, 'tags.png'), fullPage: true });
    await page.close();
  });
});
