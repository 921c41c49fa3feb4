import { sql } from 'kysely';
import { type Ctx, chTime } from '../store/index.js';

/**
 * Copies customers changed since the last copy from the state store to the events store's
 * customer_profiles (no personal data: only plain traits, consent, channel, seen times), and
 * records the type of every trait key for rule validation.
 *
 * The next pass starts a minute before this one did: a transaction that commits late with an
 * older updated_at is still picked up, and rows copied twice are harmless (the newest version
 * wins).
 */
const LAG_MS = 60_000;
const PAGE = 5000;

export async function syncProfiles(ctx: Pick<Ctx, 'db' | 'events' | 'clock'>, workspaceId: string): Promise<string[]> {
  const mark = await readWatermark(ctx, workspaceId, 'profiles');
  const started = ctx.clock.now();
  const changed: string[] = [];
  let after: { at: Date; id: string } | null = null;
  for (;;) {
    let q = ctx.db
      .selectFrom('customers')
      .select(['id', 'merged_into', 'gender', 'birthday', 'city', 'channel', 'staff_userid', 'traits', 'consent', 'first_seen_at', 'last_seen_at', 'updated_at'])
      .where('workspace_id', '=', workspaceId)
      .where('updated_at', '>=', mark)
      .orderBy('updated_at')
      .orderBy('id')
      .limit(PAGE);
    if (after) {
      const a = after;
      q = q.where((eb) => eb(eb.refTuple('updated_at', 'id'), '>', eb.tuple(a.at, a.id)));
    }
    const rows = await q.execute();
    if (rows.length === 0) break;
    const types = new Map<string, string>();
    await ctx.events.insert(
      'customer_profiles',
      rows.map((r) => {
        const traits: Record<string, string> = {};
        for (const [k, v] of Object.entries(r.traits ?? {})) {
          if (v === null || v === undefined) continue;
          const type = typeof v === 'number' ? 'number' : typeof v === 'boolean' ? 'boolean' : 'string';
          types.set(k, types.has(k) && types.get(k) !== type ? 'string' : type);
          traits[k] = typeof v === 'object' ? JSON.stringify(v) : String(v);
        }
        return {
          workspace_id: workspaceId,
          customer_id: r.id,
          live: r.merged_into ? 0 : 1,
          gender: r.gender ?? '',
          birthday: r.birthday ?? '',
          city: r.city ?? '',
          channel: r.channel ?? '',
          staff_userid: r.staff_userid ?? '',
          traits,
          consent: Object.fromEntries(Object.entries(r.consent ?? {}).map(([k, c]) => [k, c.granted ? 1 : 0])),
          first_seen_at: chTime(r.first_seen_at),
          last_seen_at: chTime(r.last_seen_at),
          version: r.updated_at.getTime(),
        };
      }),
    );
    await recordTraitTypes(ctx, workspaceId, types);
    for (const r of rows) changed.push(r.id);
    const last = rows[rows.length - 1];
    after = { at: last.updated_at, id: last.id };
    if (rows.length < PAGE) break;
  }
  const next = new Date(started.getTime() - LAG_MS);
  if (next > mark) await writeWatermark(ctx, workspaceId, 'profiles', next);
  return changed;
}

async function recordTraitTypes(ctx: Pick<Ctx, 'db'>, workspaceId: string, types: Map<string, string>): Promise<void> {
  if (types.size === 0) return;
  await ctx.db
    .insertInto('trait_keys')
    .values([...types].map(([key, type]) => ({ workspace_id: workspaceId, key, type })))
    // A key seen with two types is compared as text.
    .onConflict((oc) => oc.columns(['workspace_id', 'key']).doUpdateSet({ type: sql`CASE WHEN trait_keys.type = excluded.type THEN excluded.type ELSE 'string' END` }))
    .execute();
}

export async function readWatermark(ctx: Pick<Ctx, 'db'>, workspaceId: string, name: string): Promise<Date> {
  const row = await ctx.db.selectFrom('audience_watermarks').select('at').where('workspace_id', '=', workspaceId).where('name', '=', name).executeTakeFirst();
  return row?.at ?? new Date(0);
}

export async function writeWatermark(ctx: Pick<Ctx, 'db'>, workspaceId: string, name: string, at: Date): Promise<void> {
  await ctx.db
    .insertInto('audience_watermarks')
    .values({ workspace_id: workspaceId, name, at })
    .onConflict((oc) => oc.columns(['workspace_id', 'name']).doUpdateSet({ at }))
    .execute();
}
