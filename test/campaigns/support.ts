import { newId } from '../../src/core/index.js';
import type { Ctx } from '../../src/store/index.js';
import { apiKey, bearer, customer, seedCustomers, seedWorkspace, type TestApp, testApp } from '../support/app.js';
import { insertOrder } from '../support/events.js';

export interface CampaignWorld {
  t: TestApp;
  ws: { id: string; timezone: string };
  keys: { owner: string; admin: string; admin2: string; operator: string; analyst: string };
  customers: string[];
  others: string[];
  segmentId: string;
  templates: { smsA: string; smsB: string; email: string };
}

/** A message template row, as the messages module stores it. */
export async function template(ctx: Ctx, workspaceId: string, name: string, channel: string): Promise<string> {
  const id = newId();
  const now = ctx.clock.now();
  await ctx.db
    .insertInto('message_templates')
    .values({ workspace_id: workspaceId, id, name, channel, content: JSON.stringify({ text: `${name} {{customer.name}}` }), variables: JSON.stringify(['customer.name']), created_at: now, created_by: null, updated_at: now, deleted_at: null })
    .execute();
  return id;
}

/** A workspace with `n` customers in 上海 (the segment) and 3 in 北京, sms and email templates, and keys per role. */
export async function campaignWorld(slug: string, n = 12): Promise<CampaignWorld> {
  const t = await testApp();
  const ws = { ...(await seedWorkspace(t.ctx, slug)), timezone: 'Asia/Shanghai' };
  const keys = {
    owner: await apiKey(t.ctx, ws.id, 'owner'),
    admin: await apiKey(t.ctx, ws.id, 'admin'),
    admin2: await apiKey(t.ctx, ws.id, 'admin'),
    operator: await apiKey(t.ctx, ws.id, 'operator'),
    analyst: await apiKey(t.ctx, ws.id, 'analyst'),
  };
  const inSeg = await seedCustomers(t.ctx, ws.id, Array.from({ length: n }, (_, i) => customer({ name: `客户${i}`, city: '上海', phone: `1390000${String(i).padStart(4, '0')}` })));
  const out = await seedCustomers(t.ctx, ws.id, Array.from({ length: 3 }, (_, i) => customer({ name: `北京${i}`, city: '北京', phone: `1370000${String(i).padStart(4, '0')}` })));
  const seg = await t.app.inject({ method: 'POST', url: '/api/segments', headers: bearer(keys.admin), payload: { name: '上海客户', rule: { type: 'trait', field: 'city', op: 'eq', value: '上海' } } });
  if (seg.statusCode !== 201) throw new Error(seg.body);
  const templates = { smsA: await template(t.ctx, ws.id, 'A 文案', 'sms'), smsB: await template(t.ctx, ws.id, 'B 文案', 'sms'), email: await template(t.ctx, ws.id, '邮件', 'email') };
  return { t, ws, keys, customers: inSeg.map((c) => c.id), others: out.map((c) => c.id), segmentId: seg.json().id, templates };
}

export function campaignBody(w: CampaignWorld, over: Record<string, unknown> = {}) {
  return {
    name: '618 大促',
    segmentId: w.segmentId,
    channel: 'sms',
    variants: [
      { key: 'A', templateId: w.templates.smsA, weight: 1 },
      { key: 'B', templateId: w.templates.smsB, weight: 1 },
    ],
    holdoutPercent: 20,
    ...over,
  };
}

/** Drafts (operator), submits (operator) and approves (admin) a campaign; returns its id. */
export async function approvedCampaign(w: CampaignWorld, over: Record<string, unknown> = {}): Promise<string> {
  const { app } = w.t;
  const c = await app.inject({ method: 'POST', url: '/api/campaigns', headers: bearer(w.keys.operator), payload: campaignBody(w, over) });
  if (c.statusCode !== 201) throw new Error(c.body);
  const id = c.json().id;
  for (const [key, action] of [
    [w.keys.operator, 'submit'],
    [w.keys.admin, 'approve'],
  ] as const) {
    const r = await app.inject({ method: 'POST', url: `/api/campaigns/${id}/${action}`, headers: bearer(key) });
    if (r.statusCode !== 200) throw new Error(r.body);
  }
  return id;
}

/** An order row as ingest stores it (newest version wins; refundedFen for partial refunds). */
export async function order(ctx: Ctx, workspaceId: string, o: { id: string; customerId: string; at: Date; totalFen: number; refundedFen?: number; status?: 'completed' | 'refunded' }) {
  await insertOrder(ctx, workspaceId, { orderId: o.id, customerId: o.customerId, at: o.at.toISOString(), totalFen: o.totalFen, refundedFen: o.refundedFen, status: o.status });
}

/** What OneID does on a merge, as far as the stores are concerned. */
export async function merge(ctx: Ctx, workspaceId: string, mergedId: string, survivorId: string) {
  await ctx.db.updateTable('customers').set({ merged_into: survivorId, updated_at: ctx.clock.now() }).where('workspace_id', '=', workspaceId).where('id', '=', mergedId).execute();
  await ctx.events.insert('customer_aliases', [{ workspace_id: workspaceId, alias_id: mergedId, customer_id: survivorId, version: 1 }]);
}
