import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DAY_MS, type ManualClock } from '../../src/core/index.js';
import { maintainWorkspace, refreshSegment } from '../../src/segments/index.js';
import { apiKey, bearer, customer, seedCustomers, seedWorkspace, type TestApp, testApp } from '../support/app.js';
import { merge, order, track } from './support.js';

// The clock stands at 2026-06-15 12:00 in Asia/Shanghai (04:00 UTC).
let t: TestApp;
let ws: { id: string; timezone: string };
let admin: string;
const ids: Record<string, string> = {};
const day = (n: number) => new Date(Date.parse('2026-06-15T04:00:00Z') - n * DAY_MS);

async function segmentEvents(segmentId: string) {
  const rows = await t.ctx.events.query<{ event: string; who: string }>(
    `SELECT event, toString(customer_id) AS who FROM ${t.ctx.events.table('events')} FINAL
     WHERE workspace_id = {ws:UUID} AND event IN ('Segment Entered', 'Segment Exited') AND JSONExtractString(properties, 'segment_id') = {s:String}`,
    { ws: ws.id, s: segmentId },
  );
  const name = new Map(Object.entries(ids).map(([k, v]) => [v, k]));
  return rows.map((r) => `${r.event === 'Segment Entered' ? '+' : '-'}${name.get(r.who)}`).sort();
}

beforeAll(async () => {
  t = await testApp();
  ws = { ...(await seedWorkspace(t.ctx, 'members')), timezone: 'Asia/Shanghai' };
  admin = await apiKey(t.ctx, ws.id, 'admin');
  const people = {
    fresh: { first: 5, last: 1, city: '上海' },
    loyal: { first: 400, last: 2, city: '上海' },
    sleepy: { first: 400, last: 90, city: '北京' },
    gone: { first: 700, last: 200, city: '北京' },
    grower: { first: 60, last: 3, city: '杭州' },
    alias: { first: 100, last: 10, city: '上海' },
    survivor: { first: 100, last: 10, city: '北京' },
  };
  for (const [name, p] of Object.entries(people)) {
    const [c] = await seedCustomers(t.ctx, ws.id, [customer({ name, city: p.city, phone: `1380000${String(Object.keys(ids).length).padStart(4, '0')}`, firstSeenAt: day(p.first), lastSeenAt: day(p.last) })]);
    ids[name] = c.id;
  }
  for (let k = 0; k < 3; k++) await order(t.ctx, ws.id, { id: `loyal-${k}`, customerId: ids.loyal, at: day(10 + 30 * k).toISOString(), totalFen: 50_000 });
  await order(t.ctx, ws.id, { id: 'sleepy-1', customerId: ids.sleepy, at: day(120).toISOString(), totalFen: 10_000 });
  await order(t.ctx, ws.id, { id: 'grower-1', customerId: ids.grower, at: day(20).toISOString(), totalFen: 10_000 });
  await track(t.ctx, ws.id, { id: 'a1', customerId: ids.alias, event: 'Product Viewed', at: day(3).toISOString() });
  await track(t.ctx, ws.id, { id: 's1', customerId: ids.survivor, event: 'Product Viewed', at: day(4).toISOString() });
}, 120_000);
afterAll(() => t?.close());

describe('materialized membership', () => {
  it('emits enter and exit events once per change, and merges move membership to the survivor', async () => {
    const create = async (name: string, rule: unknown) => (await t.app.inject({ method: 'POST', url: '/api/segments', headers: bearer(admin), payload: { name, rule } })).json();
    const shanghai = await create('上海', { type: 'trait', field: 'city', op: 'eq', value: '上海' });
    const twoViews = await create('看了两次', { type: 'event', event: 'Product Viewed', count: { op: 'gte', value: 2 } });
    expect(await segmentEvents(shanghai.id)).toEqual(['+alias', '+fresh', '+loyal']);
    expect(await segmentEvents(twoViews.id)).toEqual([]);
    expect((await refreshSegment(t.ctx, ws, shanghai.id)).changed).toBe(0);

    await merge(t.ctx, ws.id, ids.alias, ids.survivor);
    await refreshSegment(t.ctx, ws, shanghai.id);
    await refreshSegment(t.ctx, ws, twoViews.id);
    // The merged customer leaves; the survivor (北京) is not from 上海, but has both views now.
    expect(await segmentEvents(shanghai.id)).toEqual(['+alias', '+fresh', '+loyal', '-alias']);
    expect(await segmentEvents(twoViews.id)).toEqual(['+survivor']);

    const members = (await t.app.inject({ url: `/api/segments/${shanghai.id}/members`, headers: bearer(admin) })).json();
    expect(members.items.map((m: { id: string }) => m.id).sort()).toEqual([ids.fresh, ids.loyal].sort());
    expect(members.items[0].phone).toMatch(/^\+86138/); // an admin reads personal data
  });

  it('applies a run a crash left half done before computing the next', async () => {
    const seg = (await t.app.inject({ method: 'POST', url: '/api/segments', headers: bearer(admin), payload: { name: '杭州', rule: { type: 'trait', field: 'city', op: 'eq', value: '杭州' } } })).json();
    // A run that recorded grower leaving but died before applying it: the state still shows
    // grower in. The next refresh applies it first (an exit event), then finds grower belongs.
    const audience = `segment:${seg.id}`;
    const runId = '0190a0b0-0000-7000-8000-0000000000aa';
    const { seq } = await t.ctx.db.insertInto('audience_runs').values({ workspace_id: ws.id, id: runId, audience, mode: 'full', status: 'diffed', started_at: t.ctx.clock.now() }).returning('seq').executeTakeFirstOrThrow();
    await t.ctx.events.insert('audience_changes', [{ workspace_id: ws.id, audience, run_id: runId, version: Number(seq), customer_id: ids.grower, before: '1', after: '', at: '2026-06-15 04:00:00.000', source: 'rule', actor: 'rule' }]);
    const run = await refreshSegment(t.ctx, ws, seg.id);
    expect(run).toMatchObject({ entered: 1, exited: 0 });
    expect(await segmentEvents(seg.id)).toEqual(['+grower', '+grower', '-grower']);
    const status = await t.ctx.db.selectFrom('audience_runs').select('status').where('id', '=', runId).executeTakeFirstOrThrow();
    expect(status.status).toBe('applied');
  });

  it('exports members as CSV, masked for a viewer', async () => {
    const list = (await t.app.inject({ url: '/api/segments', headers: bearer(admin) })).json();
    const seg = list.items.find((s: { name: string }) => s.name === '上海');
    const viewer = await apiKey(t.ctx, ws.id, 'viewer');
    const csv = await t.app.inject({ url: `/api/segments/${seg.id}/export`, headers: bearer(viewer) });
    const rows = csv.body.replace(/^\uFEFF/, '').trimEnd().split('\r\n');
    expect(rows).toHaveLength(3);
    expect(rows.slice(1).every((r) => /,138\*\*\*\*\d{4},/.test(r))).toBe(true);
    expect(csv.headers['content-disposition']).toContain(encodeURIComponent('上海'));
  });
});

describe('lifecycle stages and LTV tiers', () => {
  it('puts every customer in one level by the default rules, as events', async () => {
    await maintainWorkspace(t.ctx, ws);
    const summary = (await t.app.inject({ url: '/api/lifecycle/summary', headers: bearer(admin) })).json();
    const count = (s: { levels: { key: string; customers: number }[] }, key: string) => s.levels.find((l) => l.key === key)!.customers;
    expect(summary.levels.map((l: { key: string }) => l.key)).toEqual(['new', 'growing', 'mature', 'dormant', 'churned']);
    expect(summary.customers).toBe(6); // the merged customer has no stage
    expect([count(summary, 'new'), count(summary, 'growing'), count(summary, 'mature'), count(summary, 'dormant'), count(summary, 'churned')]).toEqual([1, 2, 1, 1, 1]);
    const ltv = (await t.app.inject({ url: '/api/ltv/summary', headers: bearer(admin) })).json();
    expect(ltv.levels.map((l: { key: string; groupType: string }) => [l.key, l.groupType, count(ltv, l.key)])).toEqual([
      ['potential', '福利群', 3],
      ['active', '会员群', 1],
      ['high_value', 'VIP群', 1],
      ['sleeping', '召回群', 1],
    ]);
    const members = (await t.app.inject({ url: '/api/lifecycle/members?level=mature', headers: bearer(admin) })).json();
    expect(members.items.map((m: { id: string }) => m.id)).toEqual([ids.loyal]);
  });

  it('moves customers when the rules change, and when time passes', async () => {
    const settings = (await t.app.inject({ url: '/api/lifecycle/settings', headers: bearer(admin) })).json();
    settings.levels.find((l: { key: string }) => l.key === 'mature').rule = { type: 'computed', field: 'order_count', op: 'gte', value: 1 };
    const put = await t.app.inject({ method: 'PUT', url: '/api/lifecycle/settings', headers: bearer(admin), payload: settings });
    expect(put.statusCode, put.body).toBe(200);
    const stages = await t.ctx.events.query<{ who: string; properties: string }>(
      `SELECT toString(customer_id) AS who, properties FROM ${t.ctx.events.table('events')} WHERE workspace_id = {ws:UUID} AND event = 'Lifecycle Stage Changed' AND customer_id = {c:UUID} ORDER BY timestamp`,
      { ws: ws.id, c: ids.grower },
    );
    // Both changes happened at the same instant (the clock stands still): order by cause.
    expect(stages.map((s) => JSON.parse(s.properties)).sort((a, b) => a.from.length - b.from.length)).toEqual([
      { from: '', to: 'growing' },
      { from: 'growing', to: 'mature' },
    ]);

    (t.ctx.clock as ManualClock).advance(40 * DAY_MS);
    await maintainWorkspace(t.ctx, ws);
    const fresh = await t.ctx.events.query<{ properties: string }>(
      `SELECT properties FROM ${t.ctx.events.table('events')} WHERE workspace_id = {ws:UUID} AND event = 'Lifecycle Stage Changed' AND customer_id = {c:UUID} ORDER BY timestamp`,
      { ws: ws.id, c: ids.fresh },
    );
    expect(fresh.map((s) => JSON.parse(s.properties).to)).toEqual(['new', 'growing']);
  });

  it('refuses rules that read their own layer, or a level without a rule before the last', async () => {
    const settings = (await t.app.inject({ url: '/api/ltv/settings', headers: bearer(admin) })).json();
    settings.levels[0].rule = { type: 'ltv', tiers: ['active'] };
    const cyclic = await t.app.inject({ method: 'PUT', url: '/api/ltv/settings', headers: bearer(admin), payload: settings });
    expect(cyclic.statusCode).toBe(400);
    expect(cyclic.json().errors[0]).toMatchObject({ path: 'body.levels.0.rule', message: expect.stringMatching(/cycle/) });
    settings.levels[0].rule = null;
    const early = await t.app.inject({ method: 'PUT', url: '/api/ltv/settings', headers: bearer(admin), payload: settings });
    expect(early.statusCode).toBe(400);
    expect(early.json().errors[0].path).toBe('body.levels.0.rule');
  });
});
