import { sql } from 'kysely';
import { nameSearchTokens, normalizePhone, type Secrets } from '../core/index.js';
import { type Activity, type ActivityMemory, activityOf } from './activity.js';
import type { Ctx, Customer, CustomerUpdate } from '../store/index.js';

/**
 * A customer's profile in clear, with the event time of every value, so that updates and merges
 * are last-write-wins by event time whatever order events arrive in.
 */
export interface Profile {
  /** Trait key → value: name, phone, email, gender, birthday, city, other personal and plain traits. */
  values: Record<string, unknown>;
  /** Trait key → event time (epoch ms) of its value. A missing time loses to any event. */
  times: Record<string, number>;
  consent: Record<string, { granted: boolean; at: string }>;
  firstSeenAt: Date;
  lastSeenAt: Date;
  channel: string | null;
  channelAt: Date | null;
  lastChannel: string | null;
  lastChannelAt: Date | null;
}

/** What one event says about a customer. */
export interface ProfilePatch {
  at: Date;
  traits?: Record<string, unknown>;
  consent?: Record<string, boolean>;
  /** Marketing channel of the event (utm_source / live-code state). */
  channel?: string;
}

/** Values the survivor took from a merged customer, with what it had before (for unmerge). */
export type Adopted = Record<string, { at: number; before?: unknown; beforeAt?: number }>;

const COLUMN_TRAITS = ['name', 'phone', 'email', 'gender', 'birthday', 'city'] as const;
/** Personal traits without a column: sealed together in pii_enc. */
const SEALED_TRAITS = new Set(['address', 'firstName', 'lastName', 'first_name', 'last_name']);
/** Trait keys that never become traits: consent has its own column, id is the userId. */
const NOT_TRAITS = new Set(['consent', 'id', 'userId', 'anonymousId']);

export function isPersonalTrait(key: string): boolean {
  return key === 'name' || key === 'phone' || key === 'email' || SEALED_TRAITS.has(key);
}

export function readProfile(secrets: Secrets, row: Customer): Profile {
  const open = (v: string | null) => (v ? secrets.decrypt(v) : undefined);
  const sealed = row.pii_enc ? (JSON.parse(secrets.decrypt(row.pii_enc)) as Record<string, unknown>) : {};
  const columns: Record<string, unknown> = {
    name: open(row.name_enc),
    phone: open(row.phone_enc),
    email: open(row.email_enc),
    gender: row.gender ?? undefined,
    birthday: row.birthday ?? undefined,
    city: row.city ?? undefined,
  };
  const values = { ...row.traits, ...sealed, ...columns };
  for (const key of Object.keys(values)) if (values[key] === undefined) delete values[key];
  return {
    values,
    times: { ...row.trait_times },
    consent: { ...row.consent },
    firstSeenAt: row.first_seen_at,
    lastSeenAt: row.last_seen_at,
    channel: row.channel,
    channelAt: row.channel_at,
    lastChannel: row.last_channel,
    lastChannelAt: row.last_channel_at,
  };
}

/** The columns that store a profile: personal values sealed, the rest as they are. */
export function profileColumns(secrets: Secrets, p: Profile): CustomerUpdate {
  const v = p.values;
  const str = (key: string) => (typeof v[key] === 'string' && v[key] !== '' ? (v[key] as string) : null);
  const name = str('name');
  const phone = str('phone');
  const email = str('email');
  const sealed = Object.fromEntries(Object.entries(v).filter(([k]) => SEALED_TRAITS.has(k)));
  const traits = Object.fromEntries(Object.entries(v).filter(([k]) => !isPersonalTrait(k) && !(COLUMN_TRAITS as readonly string[]).includes(k)));
  return {
    name_enc: name ? secrets.encrypt(name) : null,
    name_tokens: name ? nameSearchTokens(name).map((t) => secrets.blindIndex('name', t)) : [],
    phone_enc: phone ? secrets.encrypt(phone) : null,
    phone_index: phone ? secrets.blindIndex('phone', phone) : null,
    phone_tail_index: phone ? secrets.blindIndex('phone_tail', phone.slice(-4)) : null,
    email_enc: email ? secrets.encrypt(email) : null,
    email_index: email ? secrets.blindIndex('email', email) : null,
    pii_enc: Object.keys(sealed).length ? secrets.encrypt(JSON.stringify(sealed)) : null,
    gender: str('gender'),
    birthday: str('birthday'),
    city: str('city'),
    traits: JSON.stringify(traits),
    trait_times: JSON.stringify(p.times),
    consent: JSON.stringify(p.consent),
    first_seen_at: p.firstSeenAt,
    last_seen_at: p.lastSeenAt,
    channel: p.channel,
    channel_at: p.channelAt,
    last_channel: p.lastChannel,
    last_channel_at: p.lastChannelAt,
  };
}

/** Applies an event to a profile in place; a value older than the current one is ignored. */
export function applyPatch(p: Profile, patch: ProfilePatch): void {
  const at = patch.at.getTime();
  for (const [key, raw] of Object.entries(normalizeTraits(patch.traits ?? {}))) {
    if ((p.times[key] ?? -Infinity) > at) continue;
    if (raw === null) delete p.values[key];
    else p.values[key] = raw;
    p.times[key] = at;
  }
  for (const [channel, granted] of Object.entries(patch.consent ?? {})) {
    const current = p.consent[channel];
    if (!current || Date.parse(current.at) <= at) p.consent[channel] = { granted, at: patch.at.toISOString() };
  }
  seen(p, patch.at);
  if (patch.channel) {
    if (!p.channelAt || p.channelAt > patch.at) [p.channel, p.channelAt] = [patch.channel, patch.at];
    if (!p.lastChannelAt || p.lastChannelAt <= patch.at) [p.lastChannel, p.lastChannelAt] = [patch.channel, patch.at];
  }
}

function seen(p: Profile, at: Date): void {
  if (at < p.firstSeenAt) p.firstSeenAt = at;
  if (at > p.lastSeenAt) p.lastSeenAt = at;
}

/** Segment traits as the profile keeps them: phones in E.164, emails lower case, city from address. */
function normalizeTraits(traits: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(traits)) {
    if (NOT_TRAITS.has(key) || value === undefined) continue;
    if (key === 'phone' && typeof value === 'string') {
      const phone = normalizePhone(value);
      if (phone) out.phone = phone;
    } else if (key === 'email' && typeof value === 'string') out.email = value.trim().toLowerCase();
    else out[key] = value;
  }
  const address = traits.address as { city?: unknown } | null | undefined;
  if (out.city === undefined && address && typeof address === 'object' && typeof address.city === 'string') out.city = address.city;
  return out;
}

/**
 * Folds a merged customer's profile into the survivor's: per trait the newer value wins (the
 * survivor's on a tie), seen range and channels widen, consent per channel by time.
 */
export function mergeProfiles(survivor: Profile, merged: Profile): Adopted {
  const adopted: Adopted = {};
  for (const [key, at] of Object.entries(merged.times)) {
    if ((survivor.times[key] ?? -Infinity) >= at) continue;
    adopted[key] = { at, before: survivor.values[key], beforeAt: survivor.times[key] };
    if (key in merged.values) survivor.values[key] = merged.values[key];
    else delete survivor.values[key];
    survivor.times[key] = at;
  }
  // Values without a time (imported, not from events) fill gaps only.
  for (const [key, value] of Object.entries(merged.values)) {
    if (key in survivor.values || key in merged.times) continue;
    adopted[key] = { at: -1 };
    survivor.values[key] = value;
  }
  for (const [channel, c] of Object.entries(merged.consent)) {
    const current = survivor.consent[channel];
    if (!current || Date.parse(current.at) < Date.parse(c.at)) survivor.consent[channel] = c;
  }
  seen(survivor, merged.firstSeenAt);
  seen(survivor, merged.lastSeenAt);
  if (merged.channel && (!survivor.channel || (merged.channelAt && (!survivor.channelAt || merged.channelAt < survivor.channelAt)))) {
    [survivor.channel, survivor.channelAt] = [merged.channel, merged.channelAt];
  }
  if (merged.lastChannel && merged.lastChannelAt && (!survivor.lastChannelAt || merged.lastChannelAt > survivor.lastChannelAt)) {
    [survivor.lastChannel, survivor.lastChannelAt] = [merged.lastChannel, merged.lastChannelAt];
  }
  return adopted;
}

/** Undoes adopted values the survivor still holds unchanged since the merge. */
export function revertAdopted(p: Profile, adopted: Adopted): void {
  for (const [key, a] of Object.entries(adopted)) {
    const unchanged = a.at === -1 ? !(key in p.times) : p.times[key] === a.at;
    if (!unchanged) continue;
    if (a.before === undefined) delete p.values[key];
    else p.values[key] = a.before;
    if (a.beforeAt === undefined) delete p.times[key];
    else p.times[key] = a.beforeAt;
  }
}

/**
 * Stores what a batch of events says about customers, in a few statements whatever the batch
 * size: events that only show activity widen the seen range and move first / last channel;
 * traits and consent go through the profile (last write wins by event time). With `memory`,
 * activity that changes nothing the process knows is stored (see ActivityMemory) is skipped.
 * Runs in the caller's transaction; returns the activity now stored per customer written, for
 * the memory once the transaction has committed.
 */
export async function updateProfiles(tx: Ctx, workspaceId: string, patches: ReadonlyMap<string, ProfilePatch[]>, memory?: ActivityMemory): Promise<Map<string, Activity>> {
  const full = new Map<string, ProfilePatch[]>();
  const light: [string, Activity][] = [];
  for (const [id, list] of patches) {
    if (list.some((p) => p.traits || p.consent)) full.set(id, list);
    else {
      const seen = activityOf(list);
      if (!memory || memory.changes(id, seen)) light.push([id, seen]);
    }
  }
  const stored = await writeProfiles(tx, workspaceId, full);
  for (const [id, a] of await writeActivity(tx, workspaceId, light)) stored.set(id, a);
  return stored;
}

/**
 * Events that only show activity (most tracked events, with or without UTM tags): widens the
 * seen range and moves first / last channel in SQL, as applyPatch would, without reading and
 * re-sealing the personal data of the profile.
 */
async function writeActivity(tx: Ctx, workspaceId: string, seen: [string, Activity][]): Promise<Map<string, Activity>> {
  if (seen.length === 0) return new Map();
  const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
  const rows = seen.map(([id, s]) => ({ id, seen_first: iso(s.firstSeen), seen_last: iso(s.lastSeen), first: s.channel, first_at: iso(s.channelAt), last: s.lastChannel, last_at: iso(s.lastChannelAt) }));
  const { rows: out } = await sql<ActivityRow>`
    UPDATE customers c SET
      first_seen_at = least(c.first_seen_at, s.seen_first), last_seen_at = greatest(c.last_seen_at, s.seen_last),
      channel = CASE WHEN s.first_at IS NOT NULL AND (c.channel_at IS NULL OR c.channel_at > s.first_at) THEN s.first ELSE c.channel END,
      channel_at = CASE WHEN s.first_at IS NOT NULL AND (c.channel_at IS NULL OR c.channel_at > s.first_at) THEN s.first_at ELSE c.channel_at END,
      last_channel = CASE WHEN s.last_at IS NOT NULL AND (c.last_channel_at IS NULL OR c.last_channel_at <= s.last_at) THEN s.last ELSE c.last_channel END,
      last_channel_at = CASE WHEN s.last_at IS NOT NULL AND (c.last_channel_at IS NULL OR c.last_channel_at <= s.last_at) THEN s.last_at ELSE c.last_channel_at END,
      updated_at = ${tx.clock.now()}
    FROM jsonb_to_recordset(${JSON.stringify(rows)}::jsonb)
      AS s(id uuid, seen_first timestamptz, seen_last timestamptz, first text, first_at timestamptz, last text, last_at timestamptz)
    WHERE c.workspace_id = ${workspaceId} AND c.id = s.id
    RETURNING c.id, c.first_seen_at, c.last_seen_at, c.channel, c.channel_at, c.last_channel, c.last_channel_at`.execute(tx.db);
  return new Map(out.map((r) => [r.id, storedActivity(r)]));
}

interface ActivityRow {
  id: string;
  first_seen_at: Date;
  last_seen_at: Date;
  channel: string | null;
  channel_at: Date | null;
  last_channel: string | null;
  last_channel_at: Date | null;
}

/** A customer row's activity columns as Activity. */
function storedActivity(r: Omit<ActivityRow, 'id'>): Activity {
  return {
    firstSeen: r.first_seen_at.getTime(),
    lastSeen: r.last_seen_at.getTime(),
    channel: r.channel,
    channelAt: r.channel_at?.getTime() ?? null,
    lastChannel: r.last_channel,
    lastChannelAt: r.last_channel_at?.getTime() ?? null,
  };
}

async function writeProfiles(tx: Ctx, workspaceId: string, patches: Map<string, ProfilePatch[]>): Promise<Map<string, Activity>> {
  const stored = new Map<string, Activity>();
  if (patches.size === 0) return stored;
  const rows = await tx.db.selectFrom('customers').selectAll().where('workspace_id', '=', workspaceId).where('id', 'in', [...patches.keys()]).execute();
  const updates = rows.map((row) => {
    const profile = readProfile(tx.secrets, row);
    for (const patch of patches.get(row.id)!) applyPatch(profile, patch);
    stored.set(row.id, storedActivity({ first_seen_at: profile.firstSeenAt, last_seen_at: profile.lastSeenAt, channel: profile.channel, channel_at: profile.channelAt, last_channel: profile.lastChannel, last_channel_at: profile.lastChannelAt }));
    return { id: row.id, ...profileColumns(tx.secrets, profile) };
  });
  await sql`
    UPDATE customers c SET
      name_enc = v.name_enc, name_tokens = v.name_tokens, phone_enc = v.phone_enc, phone_index = v.phone_index,
      phone_tail_index = v.phone_tail_index, email_enc = v.email_enc, email_index = v.email_index, pii_enc = v.pii_enc,
      gender = v.gender, birthday = v.birthday, city = v.city, traits = v.traits::jsonb, trait_times = v.trait_times::jsonb,
      consent = v.consent::jsonb, first_seen_at = v.first_seen_at, last_seen_at = v.last_seen_at, channel = v.channel,
      channel_at = v.channel_at, last_channel = v.last_channel, last_channel_at = v.last_channel_at, updated_at = ${tx.clock.now()}
    FROM jsonb_to_recordset(${JSON.stringify(updates)}::jsonb) AS v(
      id uuid, name_enc text, name_tokens text[], phone_enc text, phone_index text, phone_tail_index text, email_enc text,
      email_index text, pii_enc text, gender text, birthday text, city text, traits text, trait_times text, consent text,
      first_seen_at timestamptz, last_seen_at timestamptz, channel text, channel_at timestamptz, last_channel text, last_channel_at timestamptz)
    WHERE c.workspace_id = ${workspaceId} AND c.id = v.id`.execute(tx.db);
  return stored;
}
