import { nameSearchTokens, normalizePhone, type Secrets } from '../core/index.js';
import type { Ctx } from '../store/index.js';

/** A customer as it arrives from an import or the demo generator, with clear-text PII. */
export interface CustomerRecord {
  id: string;
  name?: string | null;
  phone?: string | null;
  email?: string | null;
  gender?: string | null;
  birthday?: string | null;
  city?: string | null;
  channel?: string | null;
  staffUserid?: string | null;
  traits?: Record<string, unknown>;
  firstSeenAt: Date;
  lastSeenAt?: Date;
  identifiers: { type: string; value: string; collection?: string }[];
}

/** Identifier types whose values are personal data: stored as blind index + ciphertext. */
export const PII_IDENTIFIER_TYPES = new Set(['phone', 'email']);

/** Clear-text PII never enters traits: it lives in the encrypted columns. */
const PII_TRAITS = ['name', 'phone', 'email', 'address'];

export function sealCustomer(secrets: Secrets, workspaceId: string, r: CustomerRecord, now: Date) {
  const phone = r.phone ? normalizePhone(r.phone) : null;
  const email = r.email?.trim().toLowerCase() || null;
  const traits = Object.fromEntries(Object.entries(r.traits ?? {}).filter(([k]) => !PII_TRAITS.includes(k)));
  return {
    workspace_id: workspaceId,
    id: r.id,
    name_enc: r.name ? secrets.encrypt(r.name) : null,
    phone_enc: phone ? secrets.encrypt(phone) : null,
    email_enc: email ? secrets.encrypt(email) : null,
    phone_index: phone ? secrets.blindIndex('phone', phone) : null,
    phone_tail_index: phone ? secrets.blindIndex('phone_tail', phone.slice(-4)) : null,
    email_index: email ? secrets.blindIndex('email', email) : null,
    name_tokens: r.name ? nameSearchTokens(r.name).map((t) => secrets.blindIndex('name', t)) : [],
    gender: r.gender ?? null,
    birthday: r.birthday ?? null,
    city: r.city ?? null,
    channel: r.channel ?? null,
    staff_userid: r.staffUserid ?? null,
    traits: JSON.stringify(traits),
    first_seen_at: r.firstSeenAt,
    last_seen_at: r.lastSeenAt ?? r.firstSeenAt,
    updated_at: now,
  };
}

export function sealIdentifier(secrets: Secrets, workspaceId: string, customerId: string, id: CustomerRecord['identifiers'][number]) {
  const pii = PII_IDENTIFIER_TYPES.has(id.type);
  const value = id.type === 'phone' ? (normalizePhone(id.value) ?? id.value) : id.value;
  return {
    workspace_id: workspaceId,
    type: id.type,
    collection: id.collection ?? '',
    value: pii ? secrets.blindIndex(id.type, value) : value,
    value_enc: pii ? secrets.encrypt(value) : null,
    customer_id: customerId,
  };
}

/**
 * Bulk-writes customers and their identifiers. Idempotent: a customer or identifier that exists
 * already is left as it is, so re-running an import or the demo adds nothing.
 */
export async function writeCustomers(ctx: Ctx, workspaceId: string, records: CustomerRecord[]): Promise<number> {
  if (records.length === 0) return 0;
  const now = ctx.clock.now();
  const customers = records.map((r) => sealCustomer(ctx.secrets, workspaceId, r, now));
  const identities = records.flatMap((r) => r.identifiers.map((i) => sealIdentifier(ctx.secrets, workspaceId, r.id, i)));
  return ctx.db.transaction().execute(async (trx) => {
    let inserted = 0;
    // Postgres caps a statement at 65,535 parameters: chunk so any batch size works.
    for (const chunk of chunks(customers, 2000)) {
      const res = await trx.insertInto('customers').values(chunk).onConflict((oc) => oc.columns(['workspace_id', 'id']).doNothing()).executeTakeFirst();
      inserted += Number(res.numInsertedOrUpdatedRows ?? 0);
    }
    for (const chunk of chunks(identities, 5000)) {
      await trx.insertInto('identities').values(chunk).onConflict((oc) => oc.columns(['workspace_id', 'type', 'collection', 'value']).doNothing()).execute();
    }
    return inserted;
  });
}

function* chunks<T>(items: T[], size: number): Generator<T[]> {
  for (let i = 0; i < items.length; i += size) yield items.slice(i, i + size);
}
