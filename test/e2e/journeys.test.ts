import fs from 'node:fs';
import path from 'node:path';
import { type Browser, type Locator, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildServer, type Server } from '../../src/api/index.js';
import { systemActor } from '../../src/audit/index.js';
import { createOperator, setMembership } from '../../src/auth/index.js';
import { loadDemo } from '../../src/demo/index.js';
import { campaignsTick } from '../../src/campaigns/index.js';
import { manualClock } from '../../src/core/index.js';
import { enterJourney, runJourneysOnce } from '../../src/journeys/index.js';
import { createTemplate } from '../../src/messages/index.js';
import { createSegment } from '../../src/segments/index.js';
import { launchChromium, signIn } from './support.js';
import { testStores, type TestCtx } from '../support/stores.js';

// Issue #7 as an operator does it in the console: install 30天流失分层召回 from the template
// gallery, see its steps in the builder, break the branch (its "no" arm disconnected) and see the
// error on that node, mend it and publish; then draft a campaign, submit it, approve it (as an
// owner), release it and open its report. Screenshots go to test-results/.
const shots = path.resolve('test-results');
let ctx: TestCtx;
let app: Server;
let browser: Browser;
let url: string;
let workspaceId: string;

beforeAll(async () => {
  ctx = await testStores({ clock: manualClock(new Date()) });
  const demo = await loadDemo(ctx, { customers: 300 });
  workspaceId = demo.workspaceId;
  const op = await createOperator(ctx, { email: 'jrn@siyu.test', name: 'Jrn', password: 'jrn-password' });
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

const login = (): Promise<Page> => signIn(browser, url, 'jrn@siyu.test', 'jrn-password', 1600);

/** Opens an antd Select and clicks the option whose text contains `text`. */
async function pick(page: Page, select: Locator, text: string | RegExp) {
  await select.click();
  await page.locator('.ant-select-dropdown:not(.ant-select-dropdown-hidden) .ant-select-item-option').filter({ hasText: text }).first().click();
}

describe('journeys and campaigns in the console', () => {
  it('installs a template, sees its steps, shows a broken branch on its node, publishes', async () => {
    const page = await login();
    await page.getByTestId('nav-journeys').click();
    await page.getByTestId('journey-gallery').click();
    const card = page.getByTestId('template-winback_30d_tiered');
    await card.waitFor();
    expect(await card.innerText()).toContain('30天流失分层召回');
    await page.screenshot({ path: path.join(shots, 'journey-gallery.png'), fullPage: true });
    await card.getByTestId('template-install').click();

    await page.waitForURL(/\/journeys\/[0-9a-f-]{36}$/);
    const journeyId = page.url().split('/').pop()!;
    await page.getByTestId('node-trigger').waitFor();
    const tier = page.getByTestId('node-tier');
    await tier.waitFor();
    const graph = (await ctx.db.selectFrom('journeys').select('draft').where('workspace_id', '=', workspaceId).where('id', '=', journeyId).executeTakeFirstOrThrow()).draft as { steps: { id: string }[] };
    for (const s of graph.steps) await expect.poll(() => page.getByTestId(`node-${s.id}`).count()).toBe(1);
    expect(await page.locator('[data-invalid]').count()).toBe(0);

    // Disconnect the branch's "no" arm in the inspector: the node shows the error, publishing is refused.
    await tier.click();
    const no = page.getByTestId('inspector').getByTestId('link-no');
    await no.hover();
    await no.locator('.ant-select-clear').click();
    await page.getByTestId('node-error-tier').waitFor();
    expect(await page.getByTestId('node-error-tier').innerText()).toContain('分支缺少连线');
    await page.getByTestId('builder-invalid').waitFor();
    await page.screenshot({ path: path.join(shots, 'journey-builder-error.png'), fullPage: true });

    // The server's validation names the same step.
    const check = await page.evaluate(async (id) => {
      const j = (await (await fetch(`/api/journeys/${id}`)).json()) as { draft: { steps: { id: string; kind: string; no?: string }[] } };
      const steps = j.draft.steps.map((s) => (s.id === 'tier' ? { ...s, no: 'nowhere' } : s));
      return (await fetch('/api/journeys/validate', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ graph: { ...j.draft, steps } }) })).json();
    }, journeyId);
    expect((check as { ok: boolean; errors: { step: string }[] }).ok).toBe(false);
    expect((check as { errors: { step: string }[] }).errors.map((e) => e.step)).toContain('tier');

    // Mend it and publish.
    await pick(page, no, 'trial_reach');
    await expect.poll(() => page.getByTestId('node-error-tier').count()).toBe(0);
    await page.getByTestId('journey-publish').click();
    await page.getByTestId('journey-publish-ok').click();
    await expect.poll(() => page.getByTestId('status-tag').first().innerText(), { timeout: 20_000 }).toBe('运行中');
    const row = await ctx.db.selectFrom('journeys').select(['status', 'live_version']).where('id', '=', journeyId).executeTakeFirstOrThrow();
    expect(row).toMatchObject({ status: 'live', live_version: 1 });
    await page.getByTestId('node-counts-tier').waitFor();

    // Five customers go through it: the live view counts them on the start step.
    const customers = await ctx.db.selectFrom('customers').select('id').where('workspace_id', '=', workspaceId).orderBy('id').limit(5).execute();
    await enterJourney(ctx, workspaceId, journeyId, customers.map((c) => c.id));
    await runJourneysOnce(ctx, { triggers: false });
    await page.reload();
    const start = ((await ctx.db.selectFrom('journeys').select('draft').where('id', '=', journeyId).executeTakeFirstOrThrow()).draft as { start: string }).start;
    const counts = (await page.evaluate(async (id) => (await fetch(`/api/journeys/${id}/steps`)).json(), journeyId)) as Record<string, { entered: number }>;
    expect(counts[start]!.entered).toBe(5);
    await expect.poll(() => page.getByTestId(`node-counts-${start}`).innerText()).toContain('↘ 5');
    await page.screenshot({ path: path.join(shots, 'journey-builder-live.png'), fullPage: true });

    // The run inspector lists the runs and shows one's path; the analytics tab opens.
    await page.getByRole('tab', { name: '运行记录' }).click();
    await expect.poll(() => page.getByTestId('runs-table').locator('tbody tr.ant-table-row').count()).toBe(5);
    await page.getByTestId('run-open').first().click();
    await page.getByTestId('run-path').getByTestId('run-step').first().waitFor();
    expect(await page.getByTestId('run-path').innerText()).toContain(start);
    await page.screenshot({ path: path.join(shots, 'journey-run.png'), fullPage: true });
    await page.keyboard.press('Escape');
    await page.getByRole('tab', { name: '效果分析' }).click();
    await page.getByTestId('analytics-steps').waitFor();
    await page.screenshot({ path: path.join(shots, 'journey-analytics.png'), fullPage: true });
    await page.getByTestId('nav-journeys').click();
    await expect.poll(() => page.getByTestId('journey-table').innerText()).toContain('30天流失分层召回');
    await page.close();
  }, 180_000);

  it('drafts a campaign, submits it, approves it, releases it and opens its report', async () => {
    // An audience and a message of its own, so this does not depend on the template installed above.
    const ws = { id: workspaceId, slug: 'demo', name: 'demo', timezone: 'Asia/Shanghai' };
    await createSegment(ctx, ws, { name: '下过单的会员', rule: { type: 'orders', metric: 'count', op: 'gte', value: 1 } }, { actor: systemActor });
    await createTemplate(ctx, workspaceId, { name: '618 回购提醒', channel: 'wecom_1v1', content: { text: '{{customer.name}}，618 会员专享已开启～' } }, { actor: systemActor });
    const page = await login();
    await page.goto(`${url}/campaigns`);
    await page.getByTestId('campaign-new').click();
    await page.getByTestId('campaign-name').fill('618 会员回购');
    await pick(page, page.getByTestId('campaign-segment'), '下过单的会员');
    await page.getByTestId('campaign-audience-size').waitFor();
    await page.getByTestId('campaign-next').click();
    await pick(page, page.getByTestId('campaign-template-0'), '618 回购提醒');
    await page.getByTestId('campaign-next').click();
    await page.getByTestId('campaign-next').click();
    await page.getByTestId('campaign-review').waitFor();
    await page.screenshot({ path: path.join(shots, 'campaign-wizard.png'), fullPage: true });
    await page.getByTestId('campaign-submit').click();

    await page.waitForURL(/\/campaigns\/[0-9a-f-]{36}$/);
    const campaignId = page.url().split('/').pop()!;
    await expect.poll(() => page.getByTestId('status-tag').first().innerText()).toBe('待审批');
    await page.getByTestId('campaign-approve').click();
    await expect.poll(() => page.getByTestId('status-tag').first().innerText()).toBe('已审批');
    await page.getByTestId('campaign-send').click();
    await page.locator('.ant-modal-confirm').getByRole('button', { name: /确\s*定|OK/ }).click();
    await page.getByTestId('campaign-report').waitFor();
    const c = await ctx.db.selectFrom('campaigns').select('status').where('id', '=', campaignId).executeTakeFirstOrThrow();
    expect(['scheduled', 'sending', 'sent']).toContain(c.status);

    // One pass of the campaigns worker picks the audience and queues the messages.
    await campaignsTick(ctx);
    const recipients = await ctx.db.selectFrom('campaign_recipients').select((eb) => eb.fn.countAll<string>().as('n')).where('campaign_id', '=', campaignId).executeTakeFirstOrThrow();
    expect(Number(recipients.n)).toBeGreaterThan(0);
    await page.getByTestId('campaign-report').click();
    await page.waitForURL(new RegExp(`/campaigns/${campaignId}/report$`));
    await page.getByTestId('report-groups').waitFor();
    await expect.poll(() => page.getByTestId('report-recipients').innerText()).toBe(Number(recipients.n).toLocaleString('zh-CN'));
    await page.screenshot({ path: path.join(shots, 'campaign-report.png'), fullPage: true });
    await page.close();
  }, 180_000);
  it('previews a message template for a customer, saves policies and an SMS provider', async () => {
    await createTemplate(ctx, workspaceId, { name: '生日祝福', channel: 'sms', content: { text: '{{customer.name}}，生日快乐！{{brand.name}}送你一份礼物' } }, { actor: systemActor });
    const page = await login();
    await page.goto(`${url}/messages/templates`);
    await page.getByTestId('template-table').getByText('生日祝福').click();
    await pick(page, page.getByTestId('preview-customer'), /./);
    await page.getByTestId('preview-run').click();
    const rendered = page.getByTestId('preview-rendered');
    await rendered.waitFor();
    expect(await rendered.innerText()).toContain('生日快乐');
    expect(await rendered.innerText()).not.toContain('{{');
    await page.screenshot({ path: path.join(shots, 'message-template.png'), fullPage: true });

    await page.goto(`${url}/messages/policies`);
    await page.getByTestId('policies-save').click();
    await expect.poll(async () => (await ctx.db.selectFrom('message_policies').select('workspace_id').where('workspace_id', '=', workspaceId).execute()).length).toBe(1);

    await page.goto(`${url}/messages/channels`);
    const sms = page.getByTestId('channel-sms');
    await sms.locator('input').first().fill('http://127.0.0.1:9/sms');
    await page.getByTestId('channel-save-sms').click();
    await expect.poll(async () => (await ctx.db.selectFrom('channel_settings').select('channel').where('workspace_id', '=', workspaceId).where('channel', '=', 'sms').execute()).length).toBe(1);
    await page.close();
  }, 180_000);
});
