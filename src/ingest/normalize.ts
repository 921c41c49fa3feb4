import { DAY_MS, type FieldError, newId, yuanToFen, type Clock } from '../core/index.js';
import { isPersonalTrait } from '../customers/index.js';
import { type Identifier, isIdentifier, normalizeIdentifier } from '../identity/index.js';
import { LIMITS, message, type Message, orderProperties } from './schema.js';

/** An order fact from `Order Completed` / `Order Refunded`, amounts in fen. */
export interface OrderFact {
  kind: 'completed' | 'refunded';
  orderId: string;
  /** Null on a refund without an amount: the whole (remaining) order is refunded. */
  totalFen: number | null;
  discountFen: number;
  currency: string;
  channel: string;
  staffUserid: string;
  products: { sku: string; name: string; category: string; quantity: number; priceFen: number }[];
}

/** An accepted event as the inbox keeps it (sealed) until a worker stores it. */
export interface InboxEvent {
  type: Message['type'];
  event: string | null;
  messageId: string;
  userId: string | null;
  anonymousId: string | null;
  previousId: string | null;
  /** Event time corrected for the sender's clock skew. */
  timestamp: string;
  sentAt: string | null;
  receivedAt: string;
  /** identify / group traits as sent, for the profile (personal ones included); {} otherwise. */
  traits: Record<string, unknown>;
  /**
   * properties, context and traits as the events store keeps them (personal traits left out), as
   * the JSON members `"properties":{…},"context":{…},"traits":{…}`: rendered once, when the event is
   * accepted, so that a waiting event is a few strings rather than a tree of objects.
   */
  detail: string;
  /** userId, anonymousId, phone / email traits and context.externalIds, normalized. */
  identifiers: Identifier[];
  order: OrderFact | null;
  /** utm_source of the event, the channel it is attributed to. */
  channel: string | null;
  consent: Record<string, boolean> | null;
}

export interface Envelope {
  receivedAt: Date;
  /** The request's id: an event without a messageId gets `<requestId>-<index in the batch>`. */
  requestId?: string;
  /** The caller's address, kept as context.ip when the event has none. */
  ip: string;
  /** Batch-level values that apply to events lacking their own. */
  sentAt?: string;
  context?: Record<string, unknown>;
}

export type Normalized = { ok: true; event: InboxEvent } | { ok: false; code: 'validation_failed' | 'payload_too_large'; detail: string; errors: FieldError[] };

const EARLIEST = Date.UTC(2000, 0, 1);

/**
 * JSON allows strings that PostgreSQL text and jsonb refuse: NUL, and lone surrogates (which
 * JSON.stringify writes as \udXXX escapes, while paired ones stay characters). An escaped
 * backslash before the `u` means the text is literal, not an escape.
 */
const UNSTORABLE = /(?<!\\)(?:\\\\)*\\u(?:0000|[dD][89a-fA-F][0-9a-fA-F]{2})/;

/**
 * Validates one raw event and turns it into what the inbox stores: ids normalized, timestamp
 * corrected by (receivedAt − sentAt), order amounts in fen. Returns field errors instead of
 * throwing, so a batch can keep its valid events.
 */
export function normalizeEvent(raw: unknown, env: Envelope, clock: Clock, typeFromPath?: Message['type'], index = 0): Normalized {
  const text = JSON.stringify(raw ?? null);
  // UTF-8 takes at most 3 bytes per UTF-16 unit: short texts need no count.
  const bytes = text.length * 3 <= LIMITS.eventBytes ? text.length : Buffer.byteLength(text);
  if (bytes > LIMITS.eventBytes) {
    return { ok: false, code: 'payload_too_large', detail: `the event is ${Math.ceil(bytes / 1024)} KB; the limit is 32 KB`, errors: [] };
  }
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) return invalid([{ path: '', message: 'an event must be a JSON object' }]);
  const own = raw as Record<string, unknown>;
  const input =
    typeFromPath || env.context
      ? {
          ...own,
          ...(typeFromPath ? { type: typeFromPath } : {}),
          ...(env.context && isObject(own.context) ? { context: { ...env.context, ...own.context } } : env.context && own.context === undefined ? { context: env.context } : {}),
        }
      : own;
  if (unstorable(text) || (env.context && !storable(env.context))) {
    return invalid([{ path: '', message: 'contains a NUL character (\\u0000) or an unpaired UTF-16 surrogate, which cannot be stored' }]);
  }
  const parsed = message.safeParse(input);
  if (!parsed.success) return invalid(parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })));
  const m = parsed.data;
  const errors: FieldError[] = [];
  const identifiers = collectIdentifiers(m, errors);
  const timestamp = correctedTime(m, env, errors);
  const order = orderFact(m, errors);
  if (errors.length || !timestamp) return invalid(errors);
  const context: Record<string, unknown> = m.context ?? {}; // the schema's output: a copy of the input
  if (!context.ip) context.ip = env.ip;
  const traits = m.type === 'identify' || m.type === 'group' ? (m.traits ?? {}) : {};
  return {
    ok: true,
    event: {
      type: m.type,
      event: m.type === 'track' ? m.event : null,
      messageId: m.messageId ?? (env.requestId ? `${env.requestId}-${index}` : newId(clock)),
      userId: m.userId ?? null,
      anonymousId: m.anonymousId ?? null,
      previousId: m.type === 'alias' ? m.previousId : null,
      timestamp: timestamp.toISOString(),
      sentAt: m.sentAt ?? env.sentAt ?? null,
      receivedAt: isoOf(env.receivedAt),
      traits,
      detail: `"properties":${JSON.stringify(propertiesOf(m))},"context":${JSON.stringify(storedContext(context))},"traits":${JSON.stringify(withoutPersonal(traits))}`,
      identifiers,
      order,
      channel: m.context?.campaign?.source?.replace(/\p{Cc}/gu, '').trim() || null,
      consent: consentOf(m),
    },
  };
}

/** The events store keeps no personal traits in clear: they live encrypted on the profile. */
export function withoutPersonal(traits: Record<string, unknown>): Record<string, unknown> {
  if (!Object.keys(traits).some(isPersonalTrait)) return traits;
  return Object.fromEntries(Object.entries(traits).filter(([k]) => !isPersonalTrait(k)));
}

function storedContext(context: Record<string, unknown>): Record<string, unknown> {
  const t = context.traits;
  return t && typeof t === 'object' && !Array.isArray(t) ? { ...context, traits: withoutPersonal(t as Record<string, unknown>) } : context;
}

/** The `detail` of an event accepted by an earlier version, which kept properties and context as objects. */
export function legacyDetail(e: { properties?: unknown; context?: unknown; traits?: unknown }): string {
  const obj = (v: unknown) => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {});
  return `"properties":${JSON.stringify(obj(e.properties))},"context":${JSON.stringify(storedContext(obj(e.context)))},"traits":${JSON.stringify(withoutPersonal(obj(e.traits)))}`;
}

const isoTexts = new WeakMap<Date, string>();

/** An envelope's time as text, once per request rather than once per event. */
function isoOf(d: Date): string {
  let iso = isoTexts.get(d);
  if (iso === undefined) isoTexts.set(d, (iso = d.toISOString()));
  return iso;
}

const storableContexts = new WeakMap<object, boolean>();

/** Whether a batch-level context holds only storable text (checked once per batch). */
function storable(context: Record<string, unknown>): boolean {
  let ok = storableContexts.get(context);
  if (ok === undefined) storableContexts.set(context, (ok = !unstorable(JSON.stringify(context))));
  return ok;
}

/** The regular expression is slow on long texts; JSON.stringify writes \u only for characters it escapes. */
function unstorable(json: string): boolean {
  return json.includes('\\u') && UNSTORABLE.test(json);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return !!v && typeof v === 'object' && !Array.isArray(v);
}

function invalid(errors: FieldError[]): Normalized {
  return { ok: false, code: 'validation_failed', detail: errors.map((e) => (e.path ? `${e.path}: ${e.message}` : e.message)).join('; '), errors };
}

function collectIdentifiers(m: Message, errors: FieldError[]): Identifier[] {
  const ids: Identifier[] = [];
  const add = (path: string, type: string, value: unknown, collection?: string) => {
    if (value === undefined || value === null) return;
    const id = normalizeIdentifier(type, String(value), collection);
    if (isIdentifier(id)) ids.push(id);
    else errors.push({ path, message: id.error });
  };
  add('userId', 'user_id', m.userId);
  add('anonymousId', 'anonymous_id', m.anonymousId);
  if (m.type === 'alias') add('previousId', 'anonymous_id', m.previousId);
  else if (m.userId == null && m.anonymousId == null) errors.push({ path: 'userId', message: 'userId or anonymousId is required' });
  const traits = m.type === 'identify' ? { ...(m.context?.traits ?? {}), ...(m.traits ?? {}) } : (m.context?.traits ?? {});
  const tpath = m.type === 'identify' && m.traits ? 'traits' : 'context.traits';
  for (const type of ['phone', 'email'] as const) {
    const v = traits[type];
    if (v === undefined || v === null || v === '') continue;
    if (typeof v !== 'string' && typeof v !== 'number') errors.push({ path: `${tpath}.${type}`, message: 'must be a string' });
    else add(`${tpath}.${type}`, type, v);
  }
  m.context?.externalIds?.forEach((x, i) => add(`context.externalIds.${i}.id`, x.type, x.id, x.collection));
  return ids;
}

/** timestamp + (receivedAt − sentAt): the sender's clock error cancels out. */
function correctedTime(m: Message, env: Envelope, errors: FieldError[]): Date | null {
  const parse = (path: string, v: string | undefined) => {
    if (v === undefined) return undefined;
    const t = Date.parse(v);
    if (Number.isNaN(t)) errors.push({ path, message: 'is not an ISO 8601 time' });
    return t;
  };
  const given = parse('timestamp', m.timestamp) ?? parse('originalTimestamp', m.originalTimestamp);
  const sent = parse('sentAt', m.sentAt ?? env.sentAt);
  if (errors.length) return null;
  const received = env.receivedAt.getTime();
  const at = given === undefined ? received : sent === undefined ? given : given + (received - sent);
  if (at > received + DAY_MS) errors.push({ path: 'timestamp', message: 'is more than a day in the future (after clock-skew correction)' });
  else if (at < EARLIEST) errors.push({ path: 'timestamp', message: 'is before the year 2000' });
  return errors.length ? null : new Date(at);
}

function propertiesOf(m: Message): Record<string, unknown> {
  switch (m.type) {
    case 'track':
      return m.properties ?? {};
    case 'page':
      return { ...(m.name ? { name: m.name } : {}), ...(m.category ? { category: m.category } : {}), ...(m.properties ?? {}) };
    case 'screen':
      return { ...(m.name ? { name: m.name } : {}), ...(m.properties ?? {}) };
    case 'alias':
      return { previousId: m.previousId };
    case 'group':
      return { groupId: m.groupId };
    default:
      return {};
  }
}

const ORDER_EVENTS: Record<string, OrderFact['kind']> = { 'Order Completed': 'completed', 'Order Refunded': 'refunded' };

function orderFact(m: Message, errors: FieldError[]): OrderFact | null {
  if (m.type !== 'track' || !ORDER_EVENTS[m.event]) return null;
  const parsed = orderProperties.safeParse(m.properties ?? {});
  if (!parsed.success) {
    for (const i of parsed.error.issues) errors.push({ path: ['properties', ...i.path].join('.'), message: i.message });
    return null;
  }
  const p = parsed.data;
  const products = (p.products ?? []).map((x) => ({
    sku: x.sku ?? x.product_id ?? '',
    name: x.name ?? '',
    category: x.category ?? '',
    quantity: x.quantity ?? 1,
    priceFen: yuanToFen(x.price ?? 0),
  }));
  const amount = p.total ?? p.revenue;
  const kind = ORDER_EVENTS[m.event];
  return {
    kind,
    orderId: p.order_id,
    totalFen: amount !== undefined ? yuanToFen(amount) : kind === 'completed' ? products.reduce((s, x) => s + x.priceFen * x.quantity, 0) : null,
    discountFen: yuanToFen(p.discount ?? 0),
    currency: (p.currency ?? 'CNY').toUpperCase(),
    channel: p.channel ?? m.context?.campaign?.source ?? '',
    staffUserid: p.staff_userid ?? '',
    products,
  };
}

/** Consent per channel from identify traits (`consent: {sms: true}`) or Segment's categoryPreferences. */
function consentOf(m: Message): Record<string, boolean> | null {
  const fromTraits = m.type === 'identify' ? m.traits?.consent : undefined;
  const own = fromTraits && typeof fromTraits === 'object' && !Array.isArray(fromTraits) ? (fromTraits as Record<string, unknown>) : {};
  const merged = { ...(m.context?.consent?.categoryPreferences ?? {}), ...own };
  const valid = Object.entries(merged).filter(([k, v]) => typeof v === 'boolean' && /^[A-Za-z][\w-]{0,39}$/.test(k));
  return valid.length ? Object.fromEntries(valid.map(([k, v]) => [k.toLowerCase(), v as boolean])) : null;
}
