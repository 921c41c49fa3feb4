import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { systemActor } from '../../src/audit/index.js';
import type { ManualClock } from '../../src/core/index.js';
import { normalizeEvent, processEvents } from '../../src/ingest/index.js';
import { unmerge } from '../../src/identity/index.js';
import type { Ctx, StateDB } from '../../src/store/index.js';
import { seedWorkspace } from '../support/app.js';
import { storeKind, TEST_DATABASE_URL, type TestCtx, testStores } from '../support/stores.js';

// The ingest path remembers, per process, which customer an identifier belongs to, the messageIds
// it processed and the activity it stored. Another process (or a restart) changes the graph
// behind its back: what it remembers must never send an event to the wrong customer, let a
// repeat through, or lose a seen time that matters.
let ctx: TestCtx;
let ws: string;
let other: Ctx; // another process: its own connection pool on PostgreSQL, its own memory on PGlite
let otherPool: Kysely<StateDB> | null = null;

beforeAll(async () => {
  ctx = await testStores();
  ws = (await seedWorkspace(ctx, 'memory')).id;
  if (storeKind === 'postgres') {
    const { rows } = await sql<{ db: string }>`select current_database() as db`.execute(ctx.db);
    const url = new URL(TEST_DATABASE_URL);
    url.pathname = `/${rows[0].db}`;
    otherPool = new Kysely<StateDB>({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: url.toString(), max: 3 }) }) });
    other = { ...ctx, db: otherPool };
  } else {
    // PGlite belongs to one process: a second handle on it has a memory of its own, as after a restart.
    other = { ...ctx, db: ctx.db.withPlugin({ transformQuery: (a) => a.node, transformResult: async (a) => a.result }) };
  }
});
afterAll(async () => {
  await otherPool?.destroy();
  await ctx?.close();
});

let n = 0;
/** Processes raw Segment events in one batch, as the collection API does from its log. */
async function ingest(via: Ctx, ...raws: Record<string, unknown>[]): Promise<string[]> {
  const env = { receivedAt: via.clock.now(), ip: '127.0.0.1' };
  const events = raws.map((raw) => {
    const r = normalizeEvent({ messageId: `mem-${++n}`, ...raw }, env, via.clock);
    if (!r.ok) throw new Error(r.detail);
    return r.event;
  });
  await processEvents(via, [{ workspaceId: ws, events }]);
  return events.map((e) => e.messageId);
}

/** The customer each event was stored under (as ingested, before any merge remap), counted without FINAL. */
async function storedUnder(messageId: string): Promise<string[]> {
  const rows = await ctx.events.query<{ customer_id: string }>(`SELECT customer_id FROM ${ctx.events.table('events')} WHERE workspace_id = {ws:UUID} AND message_id = {m:String}`, { ws, m: messageId });
  return rows.map((r) => r.customer_id);
}

async function ownerOf(type: string, value: string): Promise<string> {
  const row = await ctx.db.selectFrom('identities').select('customer_id').where('workspace_id', '=', ws).where('type', '=', type).where('value', '=', value).executeTakeFirstOrThrow();
  return row.customer_id;
}

describe('identifier links remembered by the ingest path', () => {
  it('sends events of a customer merged away by another process to the survivor, and back after an unmerge', async () => {
    const [first] = await ingest(ctx, { type: 'page', anonymousId: 'dev-m1', name: 'Home' });
    await ingest(ctx, { type: 'identify', userId: 'member-m1' });
    const device = await ownerOf('anonymous_id', 'dev-m1');
    const member = await ownerOf('user_id', 'member-m1');
    expect(device).not.toBe(member);
    expect(await storedUnder(first)).toEqual([device]);
    // Remembered now: this one needs no lookup.
    const [second] = await ingest(ctx, { type: 'track', anonymousId: 'dev-m1', event: 'Product Viewed' });
    expect(await storedUnder(second)).toEqual([device]);

    // Another process links the device to the member: the device's customer is merged away.
    await ingest(other, { type: 'alias', userId: 'member-m1', previousId: 'dev-m1' });
    expect(await ownerOf('anonymous_id', 'dev-m1')).toBe(member);
    const [afterMerge] = await ingest(ctx, { type: 'track', anonymousId: 'dev-m1', event: 'Product Viewed' });
    expect(await storedUnder(afterMerge)).toEqual([member]);

    // An operator splits the merge again: the device is the first customer's once more.
    const merge = await ctx.db.selectFrom('identity_merges').select('id').where('workspace_id', '=', ws).where('merged_id', '=', device).executeTakeFirstOrThrow();
    await unmerge(other, ws, merge.id, { actor: systemActor });
    const [afterUnmerge] = await ingest(ctx, { type: 'track', anonymousId: 'dev-m1', event: 'Product Viewed' });
    expect(await storedUnder(afterUnmerge)).toEqual([device]);
    const [member2] = await ingest(ctx, { type: 'track', userId: 'member-m1', event: 'Product Viewed' });
    expect(await storedUnder(member2)).toEqual([member]);
  });

  it('does not remember a link the resolution refused (an identifier over its limit stays with its owner)', async () => {
    await ingest(ctx, { type: 'identify', userId: 'member-p1', traits: { phone: '13900000001' } });
    await ingest(ctx, { type: 'identify', userId: 'member-p2' });
    const p1 = await ownerOf('user_id', 'member-p1');
    // One member id per customer: the phone cannot bring member-p2 into member-p1's customer.
    const [refused] = await ingest(ctx, { type: 'identify', userId: 'member-p2', traits: { phone: '13900000001' } });
    const p2 = await ownerOf('user_id', 'member-p2');
    expect(p2).not.toBe(p1);
    expect(await storedUnder(refused)).toEqual([p2]);
    // The same refused link again is looked up again, and counted again for review.
    await ingest(ctx, { type: 'identify', userId: 'member-p2', traits: { phone: '13900000001' } });
    const conflict = await ctx.db.selectFrom('identity_conflicts').select('occurrences').where('workspace_id', '=', ws).where('type', '=', 'phone').executeTakeFirstOrThrow();
    expect(conflict.occurrences).toBe(2);
    // The phone alone still belongs to member-p1's customer, remembered or not.
    const [byPhone] = await ingest(ctx, { type: 'track', anonymousId: 'dev-p9', event: 'Viewed', context: { traits: { phone: '13900000001' } } });
    const [again] = await ingest(ctx, { type: 'track', userId: 'member-p1', event: 'Viewed', context: { traits: { phone: '13900000001' } } });
    expect(await storedUnder(again)).toEqual([p1]);
    expect(await storedUnder(byPhone)).toEqual([p1]);
  });
});

describe('messageIds remembered for de-duplication', () => {
  it('skips a messageId another process (or this one before a restart) processed', async () => {
    await ingest(ctx, { type: 'track', anonymousId: 'dup-d1', event: 'Once', messageId: 'dup-across' });
    await ingest(other, { type: 'track', anonymousId: 'dup-d1', event: 'Once', messageId: 'dup-across' });
    await ingest(ctx, { type: 'track', anonymousId: 'dup-d1', event: 'Once', messageId: 'dup-across' });
    expect(await storedUnder('dup-across')).toHaveLength(1);
    const rows = await ctx.db.selectFrom('ingest_message_ids').select('message_ids').where('workspace_id', '=', ws).execute();
    expect(rows.flatMap((r) => JSON.parse(r.message_ids) as string[]).filter((m) => m === 'dup-across')).toHaveLength(1);
  });
});

describe('activity remembered per customer', () => {
  it('keeps the seen range to the minute without rewriting the profile for every event', async () => {
    const clock = ctx.clock as ManualClock;
    const at = (iso: string) => ({ timestamp: iso });
    await ingest(ctx, { type: 'page', anonymousId: 'act-1', name: 'Home', ...at('2026-06-15T03:00:00Z') });
    const id = await ownerOf('anonymous_id', 'act-1');
    const seen = async () => {
      const c = await ctx.db.selectFrom('customers').select(['first_seen_at', 'last_seen_at', 'updated_at', 'last_channel', 'last_channel_at']).where('id', '=', id).executeTakeFirstOrThrow();
      return { first: c.first_seen_at.toISOString(), last: c.last_seen_at.toISOString(), updated: c.updated_at.toISOString(), channel: c.last_channel };
    };
    clock.advance(1000);
    // Learned from a first write; 30 s later nothing worth a write.
    await ingest(ctx, { type: 'page', anonymousId: 'act-1', name: 'Home', ...at('2026-06-15T03:00:10Z') });
    const learned = await seen();
    clock.advance(1000);
    await ingest(ctx, { type: 'page', anonymousId: 'act-1', name: 'Home', ...at('2026-06-15T03:00:40Z') });
    expect(await seen()).toEqual(learned);
    // More than a minute later, earlier than ever, or from a new channel: stored.
    await ingest(ctx, { type: 'page', anonymousId: 'act-1', name: 'Home', ...at('2026-06-15T03:02:00Z') });
    expect((await seen()).last).toBe('2026-06-15T03:02:00.000Z');
    await ingest(ctx, { type: 'page', anonymousId: 'act-1', name: 'Home', ...at('2026-06-15T02:59:59Z') });
    expect((await seen()).first).toBe('2026-06-15T02:59:59.000Z');
    await ingest(ctx, { type: 'page', anonymousId: 'act-1', name: 'Home', ...at('2026-06-15T03:02:10Z'), context: { campaign: { source: 'douyin' } } });
    expect((await seen()).channel).toBe('douyin');
  });
});

describe('the de-duplication window after a restart', () => {
  it('reloads the newest messageIds, as many as it keeps, and no older ones', async () => {
    const small = await testStores({ config: { ingestWindowIds: 2 } }); // 2 a half: 4 at most
    try {
      const w = (await seedWorkspace(small, 'window')).id;
      const one = async (via: Ctx, messageId: string) => {
        const r = normalizeEvent({ type: 'track', anonymousId: 'win-1', event: 'Viewed', messageId }, { receivedAt: via.clock.now(), ip: '127.0.0.1' }, via.clock);
        if (!r.ok) throw new Error(r.detail);
        await processEvents(via, [{ workspaceId: w, events: [r.event] }]);
      };
      for (const m of ['w1', 'w2', 'w3', 'w4', 'w5']) await one(small, m);
      // A restart: a handle with a memory of its own.
      const restarted = { ...small, db: small.db.withPlugin({ transformQuery: (a) => a.node, transformResult: async (a) => a.result }) };
      for (const m of ['w5', 'w2', 'w1']) await one(restarted, m);
      const count = async (m: string) => Number((await small.events.query<{ n: number }>(`SELECT count() AS n FROM ${small.events.table('events')} WHERE workspace_id = {ws:UUID} AND message_id = {m:String}`, { ws: w, m }))[0].n);
      expect([await count('w5'), await count('w2'), await count('w1')]).toEqual([1, 1, 2]);
    } finally {
      await small.close();
    }
  });

  it('holds its capacity for all workspaces together: a busy workspace pushes out a quiet one', async () => {
    const small = await testStores({ config: { ingestWindowIds: 2 } });
    try {
      const quiet = (await seedWorkspace(small, 'quiet')).id;
      const busy = (await seedWorkspace(small, 'busy')).id;
      const one = async (w: string, messageId: string) => {
        const r = normalizeEvent({ type: 'track', anonymousId: 'cap-1', event: 'Viewed', messageId }, { receivedAt: small.clock.now(), ip: '127.0.0.1' }, small.clock);
        if (!r.ok) throw new Error(r.detail);
        await processEvents(small, [{ workspaceId: w, events: [r.event] }]);
      };
      await one(quiet, 'q1');
      await one(busy, 'b1');
      await one(quiet, 'q1'); // still in the window: skipped
      for (const m of ['b2', 'b3', 'b4', 'b5']) await one(busy, m);
      await one(quiet, 'q1'); // two halves of 2 ids later, gone from memory: processed again
      const count = async (w: string, m: string) => Number((await small.events.query<{ n: number }>(`SELECT count() AS n FROM ${small.events.table('events')} WHERE workspace_id = {ws:UUID} AND message_id = {m:String}`, { ws: w, m }))[0].n);
      expect(await count(quiet, 'q1')).toBe(2);
    } finally {
      await small.close();
    }
  });
});
