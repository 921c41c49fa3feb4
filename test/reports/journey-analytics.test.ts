import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { newId } from '../../src/core/index.js';
import { enqueueMessage } from '../../src/messages/index.js';
import { apiKey, bearer, customer, seedCustomers, seedWorkspace, type TestApp, testApp } from '../support/app.js';
import { template } from '../campaigns/support.js';

let t: TestApp;
let ws: string;
let key: string;
const journeyId = newId();
const people: Record<string, string> = {};
const runs: Record<string, string> = {};
const at = (h: number) => new Date(Date.parse('2026-06-10T00:00:00Z') + h * 3_600_000);

/**
 * Rows as the journeys engine writes them. Runs (version, customer, status):
 * r1 v1 x treated converted 30000 (s1 passed, s2 converted); r2 v1 y treated waiting at s2;
 * r3 v1 z holdout converted 10000; r4 v1 u holdout; r5 v1 v treated exited at s1;
 * r6 v2 x treated converted 5000 (s1 passed, s2 converted).
 */
async function run(name: string, r: { version: number; customer: string; status: string; step: string | null; holdout?: boolean; converted?: number; visits: [string, string | null][] }) {
  const id = newId();
  runs[name] = id;
  const db = t.ctx.db;
  await sql`INSERT INTO journey_runs (workspace_id, id, journey_id, version, customer_id, status, step_id, seq, entered_at, holdout, converted_at, conversion_value_fen, finished_at)
    VALUES (${ws}, ${id}, ${journeyId}, ${r.version}, ${people[r.customer]}, ${r.status}, ${r.step}, ${r.visits.length}, ${at(0)}, ${r.holdout ?? false},
      ${r.converted !== undefined ? at(30) : null}, ${r.converted ?? null}, ${['active', 'waiting'].includes(r.status) ? null : at(30)})`.execute(db);
  let seq = 0;
  for (const [step, outcome] of r.visits) {
    seq++;
    await sql`INSERT INTO journey_steps (workspace_id, run_id, journey_id, step_id, seq, entered_at, left_at, outcome)
      VALUES (${ws}, ${id}, ${journeyId}, ${step}, ${seq}, ${at(seq)}, ${outcome ? at(seq + 1) : null}, ${outcome})`.execute(db);
  }
}

beforeAll(async () => {
  t = await testApp();
  ws = (await seedWorkspace(t.ctx, 'journey-reports')).id;
  key = await apiKey(t.ctx, ws, 'analyst');
  for (const name of ['x', 'y', 'z', 'u', 'v']) people[name] = (await seedCustomers(t.ctx, ws, [customer({ name })]))[0].id;
  await sql`INSERT INTO journeys (workspace_id, id, name, status, draft, live_version, created_at, updated_at)
    VALUES (${ws}, ${journeyId}, '新客7天培育', 'live', '{}', 2, ${at(0)}, ${at(0)})`.execute(t.ctx.db);
  await run('r1', { version: 1, customer: 'x', status: 'converted', step: null, converted: 30_000, visits: [['s1', 'passed'], ['s2', 'converted']] });
  await run('r2', { version: 1, customer: 'y', status: 'waiting', step: 's2', visits: [['s1', 'passed'], ['s2', null]] });
  await run('r3', { version: 1, customer: 'z', status: 'holdout', step: null, holdout: true, converted: 10_000, visits: [['h', 'holdout']] });
  await run('r4', { version: 1, customer: 'u', status: 'holdout', step: null, holdout: true, visits: [['h', 'holdout']] });
  await run('r5', { version: 1, customer: 'v', status: 'exited', step: null, visits: [['s1', 'exited']] });
  await run('r6', { version: 2, customer: 'x', status: 'converted', step: null, converted: 5_000, visits: [['s1', 'passed'], ['s2', 'converted']] });
  const tpl = await template(t.ctx, ws, '欢迎', 'sms');
  await enqueueMessage(t.ctx.db, { workspaceId: ws, customerId: people.x, channel: 'sms', templateId: tpl, idempotencyKey: `j:${runs.r1}:s2`, source: { kind: 'journey', id: journeyId, runId: runs.r1, stepId: 's2' }, vars: {}, golden: false, marketing: true, now: at(2) });
}, 120_000);
afterAll(() => t?.close());

describe('journey analytics', () => {
  it('counts per step, run totals, treated vs holdout with lift, by version', async () => {
    const r = await t.app.inject({ url: `/api/journeys/${journeyId}/analytics`, headers: bearer(key) });
    expect(r.statusCode, r.body).toBe(200);
    const a = r.json();
    expect(a.steps.s1).toEqual({ entered: 4, waiting: 0, passed: 3, exited: 1, converted: 0, failed: 0 });
    expect(a.steps.s2).toEqual({ entered: 3, waiting: 1, passed: 0, exited: 0, converted: 2, failed: 0 });
    expect(a.steps.h).toEqual({ entered: 2, waiting: 0, passed: 0, exited: 2, converted: 0, failed: 0 });
    expect(a.totals).toEqual({ runs: 6, byStatus: { converted: 2, waiting: 1, holdout: 2, exited: 1 } });
    expect(a.comparison.treated).toEqual({ runs: 4, converted: 2, conversionRate: 0.5, revenueFen: 35_000, revenuePerRunFen: 8_750 });
    expect(a.comparison.holdout).toEqual({ runs: 2, converted: 1, conversionRate: 0.5, revenueFen: 10_000, revenuePerRunFen: 5_000 });
    expect(a.comparison.lift.conversion).toMatchObject({ difference: 0, relativeLift: 0, significant: false });
    expect(a.comparison.lift.revenuePerRunFen.difference).toBe(3_750);
    expect(a.versions.map((v: { version: number }) => v.version)).toEqual([1, 2]);
    expect(a.versions[0].treated).toMatchObject({ runs: 3, converted: 1, revenueFen: 30_000 });
    expect(a.versions[1].treated).toMatchObject({ runs: 1, converted: 1, revenueFen: 5_000 });
    expect(a.versions[1].holdout.runs).toBe(0);
    expect(a.versions[1].lift.conversion.differenceCi).toBeNull();

    const v1 = (await t.app.inject({ url: `/api/journeys/${journeyId}/analytics?version=1`, headers: bearer(key) })).json();
    expect(v1.steps.s1.entered).toBe(3);
    expect(v1.totals.runs).toBe(5);
  });

  it("a customer's path: runs with step visits and messages", async () => {
    const r = await t.app.inject({ url: `/api/journeys/${journeyId}/customers/${people.x}/path`, headers: bearer(key) });
    expect(r.statusCode, r.body).toBe(200);
    const p = r.json();
    expect(p.runs.map((x: { id: string }) => x.id).sort()).toEqual([runs.r1, runs.r6].sort());
    const r1 = p.runs.find((x: { id: string }) => x.id === runs.r1);
    expect(r1).toMatchObject({ version: 1, status: 'converted', conversionValueFen: 30_000, holdout: false });
    expect(r1.steps).toEqual([
      { stepId: 's1', seq: 1, enteredAt: at(1).toISOString(), leftAt: at(2).toISOString(), outcome: 'passed' },
      { stepId: 's2', seq: 2, enteredAt: at(2).toISOString(), leftAt: at(3).toISOString(), outcome: 'converted' },
    ]);
    expect(r1.messages).toHaveLength(1);
    expect(r1.messages[0]).toMatchObject({ stepId: 's2', channel: 'sms', status: 'queued' });
    const holdout = (await t.app.inject({ url: `/api/journeys/${journeyId}/customers/${people.u}/path`, headers: bearer(key) })).json();
    expect(holdout.runs).toMatchObject([{ id: runs.r4, status: 'holdout', holdout: true, messages: [] }]);
  });

  it('404 for a journey of another workspace', async () => {
    const other = (await seedWorkspace(t.ctx, 'journey-reports-2')).id;
    const otherKey = await apiKey(t.ctx, other, 'admin');
    expect((await t.app.inject({ url: `/api/journeys/${journeyId}/analytics`, headers: bearer(otherKey) })).statusCode).toBe(404);
    expect((await t.app.inject({ url: `/api/journeys/${journeyId}/customers/${people.x}/path`, headers: bearer(otherKey) })).statusCode).toBe(404);
  });
});
