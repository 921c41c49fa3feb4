import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId } from '../../src/core/index.js';
import { enqueueMessage } from '../../src/messages/index.js';
import { type TestCtx, testStores } from '../support/stores.js';
import { seedWorkspace } from '../support/app.js';

let ctx: TestCtx;
let ws: string;
beforeAll(async () => {
  ctx = await testStores();
  ws = (await seedWorkspace(ctx, 'outbox')).id;
});
afterAll(() => ctx?.close());

describe('enqueueMessage', () => {
  it('is idempotent per workspace and key, also inside a transaction', async () => {
    const base = { workspaceId: ws, customerId: newId(), channel: 'sms' as const, templateId: newId(), source: { kind: 'journey' as const, id: newId(), runId: newId(), stepId: 's1' }, vars: { event: { name: 'Order Completed', properties: { total: 1 } } }, golden: false, marketing: true, now: ctx.clock.now() };
    const first = await ctx.db.transaction().execute((trx) => enqueueMessage(trx, { ...base, idempotencyKey: 'j:1:s1' }));
    const again = await enqueueMessage(ctx.db, { ...base, idempotencyKey: 'j:1:s1' });
    expect(first.created).toBe(true);
    expect(again).toEqual({ id: first.id, created: false });
    const rows = await ctx.db.selectFrom('messages').selectAll().where('workspace_id', '=', ws).execute();
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ status: 'queued', step_id: 's1', golden: false, marketing: true, attempts: 0 });
    expect(rows[0].not_before.toISOString()).toBe(ctx.clock.now().toISOString());
    expect(rows[0].vars).toEqual(base.vars);
  });
});
