import { AppError, isUuid } from '../core/index.js';
import type { Ctx } from '../store/index.js';
import type { Principal } from '../auth/index.js';
import { customerMembers, getCustomer, piiRevealer, rootCustomer } from '../customers/index.js';
import { isIdentifier, normalizeIdentifier, sealIdentifierValue } from './identifiers.js';

export interface CustomerByIdentifier {
  id: string;
  identifiers: { type: string; value: string; collection?: string }[];
  traits: Record<string, unknown>;
  computed: {
    firstSeenAt: Date;
    lastSeenAt: Date;
    firstChannel: string | null;
    lastChannel: string | null;
    ordersCount: number;
    totalSpentFen: number;
    aovFen: number;
    lastOrderAt: Date | null;
  };
  consent: Record<string, { granted: boolean; at: string }>;
}

/**
 * The customer holding an identifier, as integrations ask for it. Without a collection any
 * collection matches, as long as only one customer holds the value.
 */
export async function customerByIdentifier(ctx: Ctx, p: Principal, type: string, value: string, collection?: string): Promise<CustomerByIdentifier> {
  const ws = p.workspace.id;
  const id = normalizeIdentifier(type, value, collection ?? '');
  if (!isIdentifier(id)) throw new AppError('validation_failed', `the ${type} ${id.error}`, [{ path: 'params.value', message: id.error }]);
  const stored = sealIdentifierValue(ctx.secrets, id);
  let q = ctx.db.selectFrom('identities').select(['customer_id', 'collection']).where('workspace_id', '=', ws).where('type', '=', type).where('value', '=', stored.value);
  if (collection !== undefined) q = q.where('collection', '=', id.collection);
  const rows = await q.execute();
  if (rows.length === 0) throw new AppError('not_found', `no customer has this ${type}`);
  if (new Set(rows.map((r) => r.customer_id)).size > 1) {
    throw new AppError('conflict', `customers in several collections (${rows.map((r) => r.collection || '""').join(', ')}) have this ${type}: pass ?collection=`);
  }
  const c = await getCustomer(ctx, p, rows[0].customer_id);
  const profile = { name: c.name, phone: c.phone, email: c.email, gender: c.gender, birthday: c.birthday, city: c.city };
  return {
    id: c.id,
    identifiers: c.identifiers,
    traits: { ...c.traits, ...Object.fromEntries(Object.entries(profile).filter(([, v]) => v !== null)) },
    computed: {
      firstSeenAt: c.firstSeenAt,
      lastSeenAt: c.lastSeenAt,
      firstChannel: c.channel,
      lastChannel: c.lastChannel,
      ...c.stats,
    },
    consent: c.consent,
  };
}

export interface MergeView {
  id: string;
  at: Date;
  survivorId: string;
  mergedId: string;
  cause: { type: string; collection: string; value: string; messageId: string | null };
  actor: { type: string; id: string | null; name: string | null };
  unmergedAt: Date | null;
  unmergedBy: string | null;
}

/** Every merge in the customer's tree (into it, or into customers merged into it), newest first. */
export async function customerMerges(ctx: Ctx, p: Principal, customerId: string): Promise<MergeView[]> {
  const ws = p.workspace.id;
  const root = isUuid(customerId) ? await rootCustomer(ctx.db, ws, customerId) : null;
  if (!root) throw new AppError('not_found', `customer ${customerId} does not exist in this workspace`);
  const members = [...(await customerMembers(ctx.db, ws, [root])).keys()];
  const rows = await ctx.db
    .selectFrom('identity_merges')
    .selectAll()
    .where('workspace_id', '=', ws)
    .where((eb) => eb.or([eb('survivor_id', 'in', members), eb('merged_id', 'in', members)]))
    .orderBy('id', 'desc')
    .execute();
  const reveal = piiRevealer(ctx, p);
  return rows.map((r) => ({
    id: r.id,
    at: r.at,
    survivorId: r.survivor_id,
    mergedId: r.merged_id,
    cause: { type: r.cause_type, collection: r.cause_collection, value: reveal.identifier(r.cause_type, r.cause_value, r.cause_value_enc), messageId: r.cause_message_id },
    actor: { type: r.actor_type, id: r.actor_id, name: r.actor_name },
    unmergedAt: r.unmerged_at,
    unmergedBy: r.unmerged_by,
  }));
}
