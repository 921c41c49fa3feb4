import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiKey, bearer, customer, seedCustomers, seedWorkspace, testApp, type TestApp } from '../support/app.js';
import { runJourneysOnce } from '../../src/journeys/index.js';
import { smsTemplate } from './support.js';

let t: TestApp;
let auth: Record<string, string>;
let viewer: Record<string, string>;
let tmplId: string;
let cid: string;

beforeAll(async () => {
  t = await testApp();
  const ws = await seedWorkspace(t.ctx, 'japi');
  auth = bearer(await apiKey(t.ctx, ws.id, 'operator'));
  viewer = bearer(await apiKey(t.ctx, ws.id, 'viewer'));
  tmplId = (await smsTemplate(t.ctx, ws.id, 'hi')).id;
  [{ id: cid }] = await seedCustomers(t.ctx, ws.id, [customer({ name: '张三', phone: '13800001111' })]);
});
afterAll(() => t?.close());

const graph = () => ({
  trigger: { kind: 'manual' },
  start: 'a',
  steps: [
    { id: 'a', kind: 'send', channel: 'sms', templateId: tmplId, next: 'b' },
    { id: 'b', kind: 'task', title: '回访', dueHours: 24, assignee: 'zhangsan' },
  ],
});

describe('journeys API', () => {
  it('creates, validates, publishes, enters, lists runs, steps and tasks', async () => {
    const bad = await t.app.inject({ method: 'POST', url: '/api/journeys', headers: auth, payload: { name: 'x', graph: { ...graph(), start: 'zz' } } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().errors[0]).toMatchObject({ step: 'zz', code: 'unknown_start' });
    const v = await t.app.inject({ method: 'POST', url: '/api/journeys/validate', headers: viewer, payload: { graph: { ...graph(), steps: [...graph().steps, { id: 'c', kind: 'exit' }] } } });
    expect(v.json()).toMatchObject({ ok: false, errors: [{ step: 'c', code: 'unreachable' }] });
    expect((await t.app.inject({ method: 'POST', url: '/api/journeys', headers: viewer, payload: { name: 'x', graph: graph() } })).statusCode).toBe(403);

    const created = await t.app.inject({ method: 'POST', url: '/api/journeys', headers: auth, payload: { name: '新客', graph: graph() } });
    expect(created.statusCode).toBe(201);
    const id = created.json().id;
    expect((await t.app.inject({ method: 'POST', url: `/api/journeys/${id}/enter`, headers: auth, payload: { customerIds: [cid] } })).statusCode).toBe(409);
    const pub = await t.app.inject({ method: 'POST', url: `/api/journeys/${id}/publish`, headers: auth });
    expect(pub.json()).toMatchObject({ status: 'live', liveVersion: 1 });
    const enter = await t.app.inject({ method: 'POST', url: `/api/journeys/${id}/enter`, headers: auth, payload: { customerIds: [cid] } });
    expect(enter.json()).toEqual({ entered: 1, skipped: 0 });
    await runJourneysOnce(t.ctx);
    const runs = await t.app.inject({ method: 'GET', url: `/api/journeys/${id}/runs?status=completed`, headers: viewer });
    expect(runs.json().items).toHaveLength(1);
    const run = await t.app.inject({ method: 'GET', url: `/api/journeys/${id}/runs/${runs.json().items[0].id}`, headers: viewer });
    expect(run.json().steps.map((s: { stepId: string }) => s.stepId)).toEqual(['a', 'b']);
    expect(run.json().messages).toHaveLength(1);
    const steps = await t.app.inject({ method: 'GET', url: `/api/journeys/${id}/steps`, headers: viewer });
    expect(steps.json().a).toMatchObject({ entered: 1, passed: 1 });
    const tasks = await t.app.inject({ method: 'GET', url: '/api/tasks?status=open', headers: viewer });
    expect(tasks.json().items).toMatchObject([{ title: '回访', assignee: 'zhangsan' }]);
    const done = await t.app.inject({ method: 'POST', url: `/api/tasks/${tasks.json().items[0].id}/done`, headers: auth });
    expect(done.json().status).toBe('done');
    const list = await t.app.inject({ method: 'GET', url: '/api/journeys', headers: viewer });
    expect(list.json().items[0].counts).toEqual({ completed: 1 });
    const put = await t.app.inject({ method: 'PUT', url: `/api/journeys/${id}`, headers: auth, payload: { name: '新客 v2' } });
    expect(put.json()).toMatchObject({ name: '新客 v2', draftChanged: false });
    expect((await t.app.inject({ method: 'POST', url: `/api/journeys/${id}/pause`, headers: auth })).json().status).toBe('paused');
    expect((await t.app.inject({ method: 'POST', url: `/api/journeys/${id}/pause`, headers: auth })).statusCode).toBe(409);
    expect((await t.app.inject({ method: 'POST', url: `/api/journeys/${id}/archive`, headers: auth })).json().status).toBe('archived');
    expect((await t.app.inject({ method: 'GET', url: '/api/journeys/nope', headers: viewer })).statusCode).toBe(404);
  });
});
