import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDemo } from '../../src/demo/index.js';
import { testStores, type TestCtx } from '../support/stores.js';

let ctx: TestCtx;
beforeAll(async () => {
  ctx = await testStores();
});
afterAll(() => ctx?.close());

const count = async (table: 'events' | 'orders', ws: string) =>
  Number((await ctx.events.query<{ n: number }>(`SELECT count() AS n FROM ${ctx.events.table(table)} WHERE workspace_id = {ws:UUID}`, { ws }))[0].n);

describe('demo brand loader', () => {
  it('fills both stores once; a second run adds nothing', async () => {
    const progress: number[] = [];
    const first = await loadDemo(ctx, { customers: 300, onProgress: (done) => progress.push(done) });
    expect(first.generated).toBe(true);
    expect(progress.at(-1)).toBe(300);
    const customers = await ctx.db.selectFrom('customers').select((eb) => eb.fn.countAll<number>().as('n')).where('workspace_id', '=', first.workspaceId).executeTakeFirstOrThrow();
    expect(Number(customers.n)).toBe(300);
    expect(await count('orders', first.workspaceId)).toBe(first.orders);
    expect(await count('events', first.workspaceId)).toBe(first.events);
    const ws = await ctx.db.selectFrom('workspaces').selectAll().where('id', '=', first.workspaceId).executeTakeFirstOrThrow();
    expect(ws.slug).toBe('demo');
    expect(await ctx.db.selectFrom('products').select('sku').where('workspace_id', '=', ws.id).execute()).not.toHaveLength(0);

    const second = await loadDemo(ctx, { customers: 300 });
    expect(second.generated).toBe(false);
    expect(await count('orders', first.workspaceId)).toBe(first.orders);
    expect(await count('events', first.workspaceId)).toBe(first.events);
  });

  it('an interrupted load is redone from scratch to the same brand', async () => {
    const { workspaceId, orders, events } = await loadDemo(ctx, { customers: 200, slug: 'demo-b' });
    const ws = await ctx.db.selectFrom('workspaces').select('settings').where('id', '=', workspaceId).executeTakeFirstOrThrow();
    const demo = ws.settings.demo as Record<string, unknown>;
    // Pretend the process died before the load finished.
    await ctx.db.updateTable('workspaces').set({ settings: JSON.stringify({ ...ws.settings, demo: { ...demo, completedAt: null } }) }).where('id', '=', workspaceId).execute();
    const redo = await loadDemo(ctx, { customers: 200, slug: 'demo-b' });
    expect(redo).toMatchObject({ generated: true, orders, events });
    expect(await count('orders', workspaceId)).toBe(orders);
    expect(await count('events', workspaceId)).toBe(events);
  });
});
