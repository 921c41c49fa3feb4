import { createWriteKey } from '../../src/auth/index.js';
import { systemActor } from '../../src/audit/index.js';
import { drainInbox, flushIngestLog } from '../../src/ingest/index.js';
import type { TestApp } from '../support/app.js';
import type { TestCtx } from '../support/stores.js';

export async function writeKey(ctx: TestCtx, workspaceId: string): Promise<string> {
  return (await createWriteKey(ctx, workspaceId, { name: 'test source' }, { actor: systemActor })).key;
}

export const basic = (key: string) => ({ authorization: `Basic ${Buffer.from(`${key}:`).toString('base64')}` });

/** POSTs to the collection API with the write key as Basic user name. */
export function send(t: TestApp, key: string, path: string, payload: unknown, headers: Record<string, string> = {}) {
  return t.app.inject({
    method: 'POST',
    url: path,
    headers: { 'content-type': 'application/json', ...basic(key), ...headers },
    payload: typeof payload === 'string' || Buffer.isBuffer(payload) ? payload : JSON.stringify(payload),
  });
}

/** Moves everything in the inbox to the events store, as the worker does. */
export const drain = (t: TestApp) => drainInbox(t.ctx);

/** Rows in the inbox, once the API's log has shipped everything it acknowledged. */
export async function inboxCount(ctx: TestCtx, workspaceId: string): Promise<number> {
  await flushIngestLog(ctx);
  const r = await ctx.db.selectFrom('ingest_inbox').select((eb) => eb.fn.countAll<number>().as('n')).where('workspace_id', '=', workspaceId).executeTakeFirstOrThrow();
  return Number(r.n);
}

export async function eventCount(ctx: TestCtx, workspaceId: string): Promise<number> {
  const [r] = await ctx.events.query<{ n: number }>(`SELECT count() AS n FROM ${ctx.events.table('events')} FINAL WHERE workspace_id = {ws:UUID}`, { ws: workspaceId });
  return Number(r.n);
}
