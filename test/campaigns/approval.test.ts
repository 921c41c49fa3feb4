import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId } from '../../src/core/index.js';
import { bearer } from '../support/app.js';
import { approvedCampaign, type CampaignWorld, campaignBody, campaignWorld } from './support.js';

let w: CampaignWorld;
beforeAll(async () => {
  w = await campaignWorld('camp-approval', 3);
}, 120_000);
afterAll(() => w?.t.close());

const post = (key: string, url: string, payload?: object) => w.t.app.inject({ method: 'POST', url, headers: bearer(key), ...(payload === undefined ? {} : { payload }) });

describe('campaign input', () => {
  it('names the bad field: unknown segment, template of another channel, weights, past schedule', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ segmentId: newId() }, 'body.segmentId'],
      [{ variants: [{ key: 'A', templateId: w.templates.email, weight: 1 }] }, 'body.variants.0.templateId'],
      [{ variants: [{ key: 'A', templateId: newId(), weight: 1 }] }, 'body.variants.0.templateId'],
      [{ schedule: { mode: 'at', at: '2026-06-15T11:00' } }, 'body.schedule.at'], // 03:00Z, the clock is at 04:00Z
      [{ variants: [{ key: 'A', templateId: w.templates.smsA, weight: 1 }, { key: 'A', templateId: w.templates.smsB, weight: 1 }] }, 'body.variants.1.key'],
    ];
    for (const [over, path] of cases) {
      const r = await post(w.keys.operator, '/api/campaigns', campaignBody(w, over));
      expect(r.statusCode, JSON.stringify(over)).toBe(400);
      expect(r.json().errors.map((e: { path: string }) => e.path)).toContain(path);
    }
    for (const weight of [0, -1]) {
      const r = await post(w.keys.operator, '/api/campaigns', campaignBody(w, { variants: [{ key: 'A', templateId: w.templates.smsA, weight }] }));
      expect(r.statusCode).toBe(400);
      expect(JSON.stringify(r.json().errors)).toContain('variants');
      expect(JSON.stringify(r.json().errors)).toContain('weight');
    }
    expect((await w.t.ctx.db.selectFrom('campaigns').select('id').execute()).length).toBe(0);
  });

  it('reads a time without an offset in the workspace zone', async () => {
    const r = await post(w.keys.operator, '/api/campaigns', campaignBody(w, { schedule: { mode: 'at', at: '2026-06-15T20:00' } }));
    expect(r.statusCode).toBe(201);
    expect(r.json().schedule).toEqual({ mode: 'at', at: '2026-06-15T12:00:00.000Z' });
    expect(r.json().status).toBe('draft');
  });
});

describe('approval', () => {
  it('operators draft and submit; admins approve, but not their own campaign', async () => {
    const analyst = await post(w.keys.analyst, '/api/campaigns', campaignBody(w));
    expect(analyst.statusCode).toBe(403);

    const c = (await post(w.keys.operator, '/api/campaigns', campaignBody(w))).json();
    expect((await post(w.keys.admin, `/api/campaigns/${c.id}/approve`)).statusCode).toBe(409); // a draft
    expect((await post(w.keys.operator, `/api/campaigns/${c.id}/submit`)).json().status).toBe('pending_approval');
    expect((await post(w.keys.operator, `/api/campaigns/${c.id}/approve`)).statusCode).toBe(403); // operators cannot approve
    const put = await w.t.app.inject({ method: 'PUT', url: `/api/campaigns/${c.id}`, headers: bearer(w.keys.operator), payload: campaignBody(w) });
    expect(put.statusCode).toBe(409); // pending: no edits
    const ok = await post(w.keys.admin, `/api/campaigns/${c.id}/approve`);
    expect(ok.statusCode).toBe(200);
    expect(ok.json()).toMatchObject({ status: 'approved', approvedBy: expect.any(String) });
    expect((await post(w.keys.admin2, `/api/campaigns/${c.id}/approve`)).statusCode).toBe(409); // already approved

    // An admin's own campaign needs another admin or the owner.
    const own = (await post(w.keys.admin, '/api/campaigns', campaignBody(w))).json();
    await post(w.keys.admin, `/api/campaigns/${own.id}/submit`);
    const self = await post(w.keys.admin, `/api/campaigns/${own.id}/approve`);
    expect(self.statusCode).toBe(403);
    expect(self.json().detail).toMatch(/someone other than its author/);
    expect((await post(w.keys.admin2, `/api/campaigns/${own.id}/approve`)).statusCode).toBe(200);

    // The owner may approve their own.
    const owners = (await post(w.keys.owner, '/api/campaigns', campaignBody(w))).json();
    await post(w.keys.owner, `/api/campaigns/${owners.id}/submit`);
    expect((await post(w.keys.owner, `/api/campaigns/${owners.id}/approve`)).statusCode).toBe(200);
  });

  it('a rejection carries its reason; editing makes a draft again, which can be resubmitted', async () => {
    const c = (await post(w.keys.operator, '/api/campaigns', campaignBody(w))).json();
    await post(w.keys.operator, `/api/campaigns/${c.id}/submit`);
    expect((await post(w.keys.admin, `/api/campaigns/${c.id}/reject`, {})).statusCode).toBe(400); // reason required
    const rej = await post(w.keys.admin, `/api/campaigns/${c.id}/reject`, { reason: '文案需要加退订说明' });
    expect(rej.json()).toMatchObject({ status: 'rejected', rejectReason: '文案需要加退订说明' });
    const put = await w.t.app.inject({ method: 'PUT', url: `/api/campaigns/${c.id}`, headers: bearer(w.keys.operator), payload: campaignBody(w, { name: '618 大促 v2' }) });
    expect(put.json()).toMatchObject({ status: 'draft', name: '618 大促 v2', rejectReason: null });
    expect((await post(w.keys.operator, `/api/campaigns/${c.id}/submit`)).json().status).toBe('pending_approval');

    const actions = await w.t.ctx.db.selectFrom('audit_log').select('action').where('entity_id', '=', c.id).orderBy('id').execute();
    expect(actions.map((a) => a.action).sort()).toEqual(['campaign.create', 'campaign.reject', 'campaign.submit', 'campaign.submit', 'campaign.update']);
  });

  it('send and cancel only in their states; deletes only drafts', async () => {
    const id = await approvedCampaign(w);
    expect((await post(w.keys.operator, `/api/campaigns/${id}/submit`)).statusCode).toBe(409);
    const del = await w.t.app.inject({ method: 'DELETE', url: `/api/campaigns/${id}`, headers: bearer(w.keys.operator) });
    expect(del.statusCode).toBe(409);
    const sent = await post(w.keys.operator, `/api/campaigns/${id}/send`);
    expect(sent.statusCode, sent.body).toBe(200);
    expect(sent.json().status).toBe('scheduled');
    expect((await post(w.keys.operator, `/api/campaigns/${id}/send`)).statusCode).toBe(409);
    expect((await post(w.keys.operator, `/api/campaigns/${id}/cancel`)).json().status).toBe('cancelled');
    expect((await post(w.keys.operator, `/api/campaigns/${id}/cancel`)).statusCode).toBe(409);

    const draft = (await post(w.keys.operator, '/api/campaigns', campaignBody(w))).json();
    expect((await w.t.app.inject({ method: 'DELETE', url: `/api/campaigns/${draft.id}`, headers: bearer(w.keys.operator) })).statusCode).toBe(204);
    expect((await w.t.app.inject({ url: `/api/campaigns/${draft.id}`, headers: bearer(w.keys.operator) })).statusCode).toBe(404);
  });

  it('checks the segment and templates again at approval', async () => {
    const { template } = await import('./support.js');
    const doomed = await template(w.t.ctx, w.ws.id, '临时文案', 'sms');
    const c = (await post(w.keys.operator, '/api/campaigns', campaignBody(w, { variants: [{ key: 'A', templateId: doomed, weight: 1 }] }))).json();
    await post(w.keys.operator, `/api/campaigns/${c.id}/submit`);
    await w.t.ctx.db.updateTable('message_templates').set({ deleted_at: w.t.ctx.clock.now() }).where('id', '=', doomed).execute();
    const r = await post(w.keys.admin, `/api/campaigns/${c.id}/approve`);
    expect(r.statusCode).toBe(400);
    expect(r.json().errors[0].path).toBe('body.variants.0.templateId');
    expect((await w.t.app.inject({ url: `/api/campaigns/${c.id}`, headers: bearer(w.keys.admin) })).json().status).toBe('pending_approval');
  });

  it('refuses to release a campaign whose scheduled time passed while it waited, unless sent now', async () => {
    const id = await approvedCampaign(w, { schedule: { mode: 'at', at: '2026-06-15T04:30:00Z' } });
    (w.t.ctx.clock as import('../../src/core/index.js').ManualClock).set('2026-06-15T05:00:00Z');
    const late = await post(w.keys.operator, `/api/campaigns/${id}/send`, {});
    expect(late.statusCode).toBe(400);
    expect(late.json().errors[0].path).toBe('body.schedule.at');
    const now = await post(w.keys.operator, `/api/campaigns/${id}/send`, { now: true });
    expect(now.json()).toMatchObject({ status: 'scheduled', dueAt: '2026-06-15T05:00:00.000Z' });
  });

  it('keeps workspaces apart and lists by status', async () => {
    const id = await approvedCampaign(w);
    const { apiKey, seedWorkspace } = await import('../support/app.js');
    const other = await seedWorkspace(w.t.ctx, 'camp-approval-2');
    const otherAdmin = await apiKey(w.t.ctx, other.id, 'admin');
    expect((await w.t.app.inject({ url: `/api/campaigns/${id}`, headers: bearer(otherAdmin) })).statusCode).toBe(404);
    expect((await w.t.app.inject({ url: `/api/campaigns/${id}/report`, headers: bearer(otherAdmin) })).statusCode).toBe(404);
    expect((await post(otherAdmin, `/api/campaigns/${id}/cancel`)).statusCode).toBe(404);
    expect((await w.t.app.inject({ url: '/api/campaigns', headers: bearer(otherAdmin) })).json().items).toEqual([]);
    const approved = (await w.t.app.inject({ url: '/api/campaigns?status=approved', headers: bearer(w.keys.analyst) })).json();
    expect(approved.items.map((c: { id: string }) => c.id)).toContain(id);
    expect(approved.items.every((c: { status: string }) => c.status === 'approved')).toBe(true);
  });
});
