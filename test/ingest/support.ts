import { sql } from 'kysely';
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

/**
 * MessageIds of the workspace taken for processing (processed, or pending in the inbox), once the
 * API's log has shipped everything it acknowledged.
 */
export async function storedCount(ctx: TestCtx, workspaceId: string): Promise<number> {
  await flushIngestLog(ctx);
  const { rows } = await sql<{ n: number }>`
    SELECT count(*)::int AS n FROM (
      SELECT message_id AS m FROM ingest_inbox WHERE workspace_id = ${workspaceId}
      UNION SELECT m FROM ingest_message_ids, json_array_elements_text(message_ids::json) AS m WHERE workspace_id = ${workspaceId}
    ) ids`.execute(ctx.db);
  return Number(rows[0].n);
}

/** MessageIds of the workspace processed (in the de-duplication window's rows), a repeat counted twice. */
export async function processedCount(ctx: TestCtx, workspaceId: string): Promise<number> {
  const { rows } = await sql<{ n: number }>`
    SELECT count(m)::int AS n FROM ingest_message_ids, json_array_elements_text(message_ids::json) AS m WHERE workspace_id = ${workspaceId}`.execute(ctx.db);
  return Number(rows[0].n);
}

export async function eventCount(ctx: TestCtx, workspaceId: string): Promise<number> {
  const [r] = await ctx.events.query<{ n: number }>(`SELECT count() AS n FROM ${ctx.events.table('events')} FINAL WHERE workspace_id = {ws:UUID}`, { ws: workspaceId });
  return Number(r.n);
}
