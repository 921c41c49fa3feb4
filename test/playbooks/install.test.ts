import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { buildServer, type Server } from '../../src/api/index.js';
import { newId } from '../../src/core/index.js';
import { loadDemo } from '../../src/demo/index.js';
import { validateJourney } from '../../src/journeys/index.js';
import { PLAYBOOKS } from '../../src/playbooks/index.js';
import { refreshLayer } from '../../src/segments/index.js';
import { apiKey, bearer } from '../support/app.js';
import { type TestCtx, testStores } from '../support/stores.js';

let ctx: TestCtx;
let app: Server;
let ws: { id: string; timezone: string };
let headers: Record<string, string>;
let groupCodeId: string;

/** The demo brand with its group live code (what `siyu serve` fills on the simulated WeCom). */
beforeAll(async () => {
  ctx = await testStores();
  const demo = await loadDemo(ctx, { customers: 400 });
  const row = await ctx.db.selectFrom('workspaces').select(['id', 'timezone']).where('id', '=', demo.workspaceId).executeTakeFirstOrThrow();
  ws = row;
  groupCodeId = newId();
  const now = ctx.clock.now();
  await ctx.db
    .insertInto('wecom_codes')
    .values({ workspace_id: ws.id, id: groupCodeId, kind: 'group', name: '福利群活码', channel: 'mp', state: 'g1', short: 'g1', config_id: 'cfg-g1', qr_url: 'https://example.com/qr/g1', config: '{}', runtime: '{}', created_at: now, updated_at: now, deleted_at: null })
    .execute();
  app = await buildServer(ctx, { logger: false });
  await app.ready();
  headers = bearer(await apiKey(ctx, ws.id, 'admin'));
});

afterAll(async () => {
  await app?.close();
  await ctx?.close();
});

describe('the demo brand has what each template relies on', () => {
  it('events: 面霜 views, orders, LTV tier changes; traits: birthday, points, points_expire_at', async () => {
    const events = ctx.events.table('events');
    const [views] = await ctx.events.query<{ n: string }>(
      `SELECT count() AS n FROM ${events} WHERE workspace_id = {ws:UUID} AND event = 'Product Viewed' AND JSONExtractString(properties, 'category') = '面霜'`,
      { ws: ws.id },
    );
    expect(Number(views.n)).toBeGreaterThan(0);
    const [orders] = await ctx.events.query<{ n: string }>(`SELECT count() AS n FROM ${events} WHERE workspace_id = {ws:UUID} AND event = 'Order Completed'`, { ws: ws.id });
    expect(Number(orders.n)).toBeGreaterThan(0);
    await refreshLayer(ctx, ws, 'ltv');
    const [tiers] = await ctx.events.query<{ n: string }>(
      `SELECT count() AS n FROM ${events} WHERE workspace_id = {ws:UUID} AND event = 'LTV Tier Changed' AND JSONExtractString(properties, 'to') = 'high_value'`,
      { ws: ws.id },
    );
    expect(Number(tiers.n)).toBeGreaterThan(0);
    for (const trait of PLAYBOOKS.flatMap((p) => p.relies.traits ?? [])) {
      const r = await ctx.db
        .selectFrom('customers')
        .select((eb) => eb.fn.countAll<string>().as('n'))
        .where('workspace_id', '=', ws.id)
        .where(sql<boolean>`traits ? ${trait}`)
        .executeTakeFirstOrThrow();
      expect(Number(r.n), trait).toBeGreaterThan(0);
    }
  });
});

describe('installing templates', () => {
  it('lists the eight templates with trigger, steps and what they create', async () => {
    const res = await app.inject({ url: '/api/journeys/templates', headers });
    expect(res.statusCode).toBe(200);
    const items = res.json().items as { key: string; steps: number; requires: string[]; installed: string | null; creates: { messageTemplates: unknown[] } }[];
    expect(items.map((i) => i.key)).toEqual(PLAYBOOKS.map((p) => p.key));
    for (const i of items) {
      expect(i.steps).toBeGreaterThan(0);
      expect(i.installed).toBeNull();
      expect(i.creates.messageTemplates.length).toBeGreaterThan(0);
    }
  });

  it('installs every template on the demo brand: valid journeys, what they need created once, a second install is a 409', async () => {
    const installed: { key: string; id: string }[] = [];
    for (const p of PLAYBOOKS) {
      const res = await app.inject({ method: 'POST', url: `/api/journeys/templates/${p.key}/install`, headers });
      expect(res.statusCode, `${p.key}: ${res.body}`).toBe(201);
      const body = res.json();
      expect(body).toMatchObject({ name: p.name, status: 'draft', templateKey: p.key });
      expect(await validateJourney(ctx, ws.id, body.draft)).toEqual([]);
      installed.push({ key: p.key, id: body.id });
    }
    // Shared objects exist once: the 行为标签 group holds 首单客户, 犹豫用户 and VIP客户.
    const groups = await ctx.db.selectFrom('tag_groups').select('name').where('workspace_id', '=', ws.id).execute();
    expect(groups.map((g) => g.name).sort()).toEqual(['旅程标签', '行为标签']);
    const templates = await ctx.db.selectFrom('message_templates').select('name').where('workspace_id', '=', ws.id).execute();
    expect(templates).toHaveLength(PLAYBOOKS.reduce((n, p) => n + p.messages.length, 0));

    const again = await app.inject({ method: 'POST', url: '/api/journeys/templates/new_customer_7d/install', headers });
    expect(again.statusCode).toBe(409);
    expect(again.json().detail).toContain(installed[0].id);

    const list = (await app.inject({ url: '/api/journeys/templates', headers })).json().items as { key: string; installed: string | null }[];
    expect(list.map((i) => [i.key, i.installed])).toEqual(installed.map((i) => [i.key, i.id]));

    const audit = await ctx.db.selectFrom('audit_log').select(['action', 'entity_id']).where('workspace_id', '=', ws.id).where('action', '=', 'playbook.install').execute();
    expect(audit).toHaveLength(PLAYBOOKS.length);
  });

  it('after archiving, installs again (reusing templates, tags and segments) under a new name, live with ?publish=true', async () => {
    const list = (await app.inject({ url: '/api/journeys/templates', headers })).json().items as { key: string; installed: string }[];
    const winback = list.find((i) => i.key === 'winback_30d_tiered')!;
    await ctx.db.updateTable('journeys').set({ status: 'archived' }).where('workspace_id', '=', ws.id).where('id', '=', winback.installed).execute();
    const res = await app.inject({ method: 'POST', url: '/api/journeys/templates/winback_30d_tiered/install?publish=true', headers });
    expect(res.statusCode, res.body).toBe(201);
    const body = res.json();
    expect(body).toMatchObject({ name: '30天流失分层召回（2）', status: 'live', liveVersion: 1 });
    expect(body.items.every((i: { created: boolean }) => !i.created)).toBe(true);
  });

  it('refuses unknown keys (404), a group invite without a group code (409), and operators without write access (403)', async () => {
    expect((await app.inject({ method: 'POST', url: '/api/journeys/templates/nope/install', headers })).statusCode).toBe(404);
    await ctx.db.updateTable('wecom_codes').set({ deleted_at: ctx.clock.now() }).where('workspace_id', '=', ws.id).where('id', '=', groupCodeId).execute();
    await ctx.db.updateTable('journeys').set({ status: 'archived' }).where('workspace_id', '=', ws.id).where('template_key', '=', 'first_order_group_invite').execute();
    const res = await app.inject({ method: 'POST', url: '/api/journeys/templates/first_order_group_invite/install', headers });
    expect(res.statusCode).toBe(409);
    expect(res.json().detail).toContain('群活码');
    const viewer = bearer(await apiKey(ctx, ws.id, 'viewer'));
    expect((await app.inject({ url: '/api/journeys/templates', headers: viewer })).statusCode).toBe(200);
    expect((await app.inject({ method: 'POST', url: '/api/journeys/templates/birthday_perks/install', headers: viewer })).statusCode).toBe(403);
  });
});
