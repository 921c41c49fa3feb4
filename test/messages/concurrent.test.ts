import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { dispatchOnce, outboxCounts } from '../../src/messages/index.js';
import { customer, seedCustomers } from '../support/app.js';
import { type Brand, messagingBrand } from './setup.js';

let b: Brand;
beforeAll(async () => {
  b = await messagingBrand('conc');
});
afterAll(() => b?.close());

/** Runs dispatchOnce until a pass claims nothing (as one worker process does). */
async function worker(limit: number): Promise<number> {
  let sent = 0;
  for (;;) {
    const r = await dispatchOnce(b.ctx, { limit, workspaceId: b.ws.id });
    sent += r.sent;
    if (r.claimed === 0) return sent;
  }
}

describe('two dispatchers at once', () => {
  it('share the outbox: each message goes to the provider exactly once and no frequency cap is exceeded', async () => {
    const people = await seedCustomers(
      b.ctx,
      b.ws.id,
      Array.from({ length: 20 }, (_, i) => customer({ name: `并发${i}`, phone: `139${String(i).padStart(8, '0')}` })),
    );
    // per customer: 3 marketing sends (the cap is 1 a day: 1 goes, 2 are suppressed) and 1 transactional
    const ids: string[] = [];
    for (let round = 0; round < 3; round++) for (const p of people) ids.push((await b.send(p.id)).id);
    for (const p of people) ids.push((await b.send(p.id, { marketing: false })).id);

    const posts: string[] = [];
    const real = globalThis.fetch;
    const spy = vi.spyOn(globalThis, 'fetch').mockImplementation(async (input, init) => {
      const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
      if (url.endsWith('/send')) posts.push(String(JSON.parse(String(init?.body)).ref));
      return real(input, init);
    });
    let sent: number[];
    try {
      sent = await Promise.all([worker(7), worker(7)]);
    } finally {
      spy.mockRestore();
    }

    expect(sent[0] + sent[1]).toBe(40);
    // both took part
    expect(sent[0]).toBeGreaterThan(0);
    expect(sent[1]).toBeGreaterThan(0);
    // every send reached the gateway once: no message was claimed by both workers
    expect(posts).toHaveLength(40);
    expect(new Set(posts).size).toBe(40);
    expect(b.sms.messages.filter((m) => ids.includes(m.ref ?? ''))).toHaveLength(40);
    expect(await outboxCounts(b.ctx, b.ws.id)).toEqual({ sent: 40, suppressed: 40 });

    const rows = await b.ctx.db.selectFrom('messages').select(['customer_id', 'marketing', 'status', 'attempts', 'reason_code']).where('workspace_id', '=', b.ws.id).execute();
    for (const p of people) {
      const mine = rows.filter((r) => r.customer_id === p.id);
      expect(mine.filter((r) => r.marketing && r.status === 'sent')).toHaveLength(1);
      expect(mine.filter((r) => r.marketing && r.status === 'suppressed').map((r) => r.reason_code)).toEqual(['cap_overall', 'cap_overall']);
      expect(mine.filter((r) => !r.marketing && r.status === 'sent')).toHaveLength(1);
    }
    expect(rows.filter((r) => r.status === 'sent').every((r) => r.attempts === 1)).toBe(true);
  });
});
