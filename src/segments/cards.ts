import type { Ctx } from '../store/index.js';
import type { Principal } from '../auth/index.js';
import { piiRevealer } from '../customers/index.js';

/** What a list of customers shows for each: name and phone masked by role, city and channel. */
export interface CustomerCard {
  id: string;
  name: string | null;
  phone: string | null;
  city: string | null;
  channel: string | null;
}

export async function customerCards(ctx: Ctx, p: Principal, ids: readonly string[]): Promise<Map<string, CustomerCard>> {
  if (ids.length === 0) return new Map();
  const rows = await ctx.db
    .selectFrom('customers')
    .select(['id', 'name_enc', 'phone_enc', 'city', 'channel'])
    .where('workspace_id', '=', p.workspace.id)
    .where('id', 'in', [...ids])
    .execute();
  const reveal = piiRevealer(ctx, p);
  return new Map(rows.map((r) => [r.id, { id: r.id, name: reveal.name(r.name_enc), phone: reveal.phone(r.phone_enc), city: r.city, channel: r.channel }]));
}
