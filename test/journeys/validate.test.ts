import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testStores, type TestCtx } from '../support/stores.js';
import { seedWorkspace } from '../support/app.js';
import { createJourney, validateJourney } from '../../src/journeys/index.js';
import { by, smsTemplate } from './support.js';

let ctx: TestCtx;
let ws: string;
let plain: string;
let withEvent: string;
let withCoupon: string;
let withPoints: string;
const NOPE = '0195f0a0-0000-7000-8000-000000000001';

beforeAll(async () => {
  ctx = await testStores();
  ws = (await seedWorkspace(ctx, 'jval')).id;
  plain = (await smsTemplate(ctx, ws, 'plain')).id;
  withEvent = (await smsTemplate(ctx, ws, 'ev', '你看的 {{event.product_name}} 还在')).id;
  withCoupon = (await smsTemplate(ctx, ws, 'cp', '券码 {{grant.coupon.code}}')).id;
  withPoints = (await smsTemplate(ctx, ws, 'pt', '积分 {{grant.points}}')).id;
});
afterAll(() => ctx?.close());

const g = (steps: unknown[], extra: Record<string, unknown> = {}) => ({ trigger: { kind: 'manual' }, start: 'a', steps, ...extra });
const send = (id: string, templateId: string, next?: string) => ({ id, kind: 'send', channel: 'sms', templateId, ...(next ? { next } : {}) });
const codes = async (graph: unknown) => (await validateJourney(ctx, ws, graph)).map((e) => [e.step, e.code]);

describe('journey validation names the offending step', () => {
  it('accepts a valid graph', async () => {
    expect(await codes(g([send('a', plain, 'w'), { id: 'w', kind: 'wait', duration: { days: 1 }, next: 'b' }, send('b', plain)]))).toEqual([]);
  });
  it('shape errors name the step by id', async () => {
    expect(await codes(g([{ id: 'a', kind: 'wait', duration: { days: 0 } }]))).toEqual([['a', 'invalid_shape']]);
    expect(await codes(g([{ id: 'a', kind: 'teleport' }]))).toEqual([['a', 'invalid_shape']]);
  });
  it('unknown start, duplicate ids, dangling successors, unreachable steps', async () => {
    expect(await codes({ ...g([send('a', plain)]), start: 'zz' })).toEqual([['zz', 'unknown_start']]);
    expect(await codes(g([send('a', plain), send('a', plain)]))).toEqual([['a', 'duplicate_step']]);
    expect(await codes(g([send('a', plain, 'ghost')]))).toEqual([['a', 'dangling_next']]);
    expect(await codes(g([send('a', plain), send('lonely', plain)]))).toEqual([['lonely', 'unreachable']]);
  });
  it('a loop without a wait is refused, a loop with one is fine', async () => {
    expect(await codes(g([send('a', plain, 'b'), { id: 'b', kind: 'tag', op: 'add', tagId: NOPE, next: 'a' }]))).toContainEqual(['a', 'cycle_without_wait']);
    expect(await codes(g([send('a', plain, 'w'), { id: 'w', kind: 'wait', duration: { days: 7 }, next: 'a' }]))).toEqual([]);
  });
  it('branch arms missing, split arms duplicated', async () => {
    expect(await codes(g([{ id: 'a', kind: 'branch', condition: { type: 'reachable', channel: 'sms' }, yes: 'b' }, send('b', plain)]))).toEqual([['a', 'invalid_shape']]);
    expect(
      await codes(g([{ id: 'a', kind: 'split', arms: [{ key: 'x', weight: 1, next: 'b' }, { key: 'x', weight: 1, next: 'b' }] }, send('b', plain)])),
    ).toEqual([['a', 'missing_arm']]);
  });
  it('templates: missing, variables the journey cannot supply', async () => {
    expect(await codes(g([send('a', NOPE)]))).toEqual([['a', 'unknown_template']]);
    expect(await codes(g([{ id: 'a', kind: 'send', channel: 'email', templateId: plain }]))).toEqual([['a', 'template_channel']]);
    expect(await codes(g([send('a', withEvent)]))).toEqual([['a', 'missing_variable']]);
    expect(await codes(g([send('a', withEvent)], { trigger: { kind: 'event', event: 'Product Viewed' } }))).toEqual([]);
    expect(await codes(g([send('a', withCoupon)]))).toEqual([['a', 'missing_variable']]);
    const grant = { id: 'a', kind: 'grant', reward: { type: 'coupon', couponKey: 'c', amountFen: 2000, validDays: 7 }, next: 'b' };
    expect(await codes(g([grant, send('b', withCoupon)]))).toEqual([]);
    expect(await codes(g([grant, send('b', withPoints)]))).toEqual([['b', 'missing_variable']]);
    const [err] = await validateJourney(ctx, ws, g([send('a', withEvent)]));
    expect(err.message).toContain('{{event.product_name}}');
  });
  it('unknown tags, segments and group codes', async () => {
    expect(await codes(g([{ id: 'a', kind: 'tag', op: 'add', tagId: NOPE }]))).toEqual([['a', 'unknown_tag']]);
    expect(await codes(g([{ id: 'a', kind: 'branch', condition: { type: 'segment', segmentId: NOPE }, yes: 'b', no: 'b' }, send('b', plain)]))).toEqual([['a', 'unknown_segment']]);
    expect(await codes(g([{ id: 'a', kind: 'group_invite', groupCodeId: NOPE }]))).toEqual([['a', 'unknown_group_code']]);
    expect(await codes(g([send('a', plain)], { trigger: { kind: 'segment', segmentId: NOPE, on: 'entered' } }))).toEqual([['', 'unknown_segment']]);
  });
  it('saving an invalid graph is a 400 listing every error', async () => {
    const err = await createJourney(ctx, ws, { name: 'bad', graph: g([send('a', NOPE, 'ghost')]) }, by).catch((e: unknown) => e);
    expect(err).toMatchObject({ status: 400 });
    expect((err as { errors: { step: string }[] }).errors.map((e) => e.step)).toEqual(['a', 'a']);
  });
});
