// Assembles customers, orders and events. Customer i is a pure function of (options, i): three
// RNG streams (profile, orders, events) are seeded from (seed, i), so batches can be generated in
// any order or size and the orders do not change when only eventDensity does.
import { v4, v7 } from 'uuid';
import { DAY, HOUR, MINUTE, Timeline, atRealisticHour } from './calendar.js';
import { CHANNEL_MIX, ONLINE_STAFF, STORE_STAFF, demoAppIds } from './catalog.js';
import { type Actor, EventLog, acquisitionSession, browseSession, device, identifyEvent, orderEvents, sessionStarts } from './events.js';
import {
  CITIES,
  SKIN_TYPES,
  birthdayFor,
  chineseName,
  externalUserid,
  memberIdFor,
  openid,
  phoneFor,
  unionid,
} from './people.js';
import { type PurchaseHistory, type PurchaseModel, buildOrders, memberLevel, memberPoints, purchaseHistory, purchaseModel } from './purchases.js';
import { Rng, Stream, type Weighted, hash32, weighted } from './random.js';
import type {
  ChannelKey,
  DemoBatch,
  DemoEstimate,
  DemoIdentifier,
  DemoOptions,
  ProductCategory,
} from './types.js';

// Also reachable from here for modules that import the generator directly.
export { demoCatalog } from './catalog.js';

/** Phones and member ids are keyed bijections of the index over 10^8 values. */
export const MAX_CUSTOMERS = 100_000_000;

interface Config {
  seed: number;
  seedKey: number;
  customers: number;
  from: number;
  now: number;
  batchSize: number;
  meanOrders: number;
  eventDensity: number;
  timeline: Timeline;
  model: PurchaseModel;
  appIds: { mp: string; miniProgram: string };
}

function resolve(opts: DemoOptions): Config {
  const seed = opts.seed ?? 42;
  const years = opts.years ?? 2;
  const batchSize = opts.batchSize ?? 1000;
  const meanOrders = opts.meanOrders ?? 2.5;
  const eventDensity = opts.eventDensity ?? 1;
  const from = opts.from ?? 0;
  const now = opts.now instanceof Date ? opts.now.getTime() : NaN;
  if (!Number.isSafeInteger(seed) || seed < 0) throw new RangeError('seed must be a non-negative integer');
  if (!Number.isInteger(opts.customers) || opts.customers < 0 || opts.customers > MAX_CUSTOMERS) {
    throw new RangeError(`customers must be an integer in [0, ${MAX_CUSTOMERS}]`);
  }
  if (!Number.isInteger(from) || from < 0 || from > opts.customers) throw new RangeError('from must be an integer in [0, customers]');
  if (!Number.isFinite(now)) throw new RangeError('now must be a valid Date');
  if (!(years > 0 && years <= 20)) throw new RangeError('years must be in (0, 20]');
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError('batchSize must be a positive integer');
  if (!(meanOrders >= 0 && meanOrders <= 100)) throw new RangeError('meanOrders must be in [0, 100]');
  if (!(eventDensity >= 0 && eventDensity <= 1)) throw new RangeError('eventDensity must be in [0, 1]');
  const timeline = new Timeline(now, years);
  return {
    seed,
    seedKey: hash32(seed, 0x5eed),
    customers: opts.customers,
    from,
    now,
    batchSize,
    meanOrders,
    eventDensity,
    timeline,
    model: purchaseModel(timeline, meanOrders),
    appIds: demoAppIds(seed),
  };
}

// Share of each channel's customers who end up as WeCom contacts: store staff add nearly
// everybody (导购加粉), parcel cards exist to drive the add, content platforms convert less.
const ON_WECOM: Record<ChannelKey, number> = {
  store: 0.9,
  parcel_card: 0.75,
  mp: 0.55,
  xiaohongshu: 0.45,
  douyin: 0.4,
  sms: 0.35,
};

// What a skin type shops for first: dry skin → 面霜, oily → 粉底液 (控油), sensitive → 精华 (修护).
const INTEREST_BY_SKIN: Record<string, Weighted<ProductCategory>> = {
  干皮: weighted([['面霜', 45], ['精华', 25], ['口红', 20], ['粉底液', 10]]),
  油皮: weighted([['粉底液', 40], ['精华', 25], ['口红', 25], ['面霜', 10]]),
  敏感: weighted([['精华', 45], ['面霜', 30], ['口红', 15], ['粉底液', 10]]),
  混合: weighted([['口红', 35], ['精华', 25], ['粉底液', 20], ['面霜', 20]]),
};

/** Mean browse sessions per effective day of a non-buying, still-active customer. */
const BROWSE_PER_DAY = 1 / 45;
/** Extra browse sessions per expected purchase: people look more than they buy. */
const BROWSE_PER_PURCHASE = 0.8;

const uuidBytes = new Uint8Array(16);

function generateCustomer(cfg: Config, index: number, batch: DemoBatch): void {
  const { seed, now, timeline } = cfg;
  // Profile stream: every draw happens unconditionally so later draws never shift.
  const pr = new Rng(seed, index, Stream.profile);
  const channel = pr.choose(CHANNEL_MIX);
  const firstSeen = timeline.sampleAcquisition(pr);
  const id = v7({ msecs: firstSeen, random: pr.bytes16(uuidBytes) });
  const gender = pr.chance(0.9) ? 'female' : 'male';
  const name = chineseName(pr, gender);
  const phone = phoneFor(pr, seed, index);
  const birthday = birthdayFor(pr, now);
  const onWeCom = pr.chance(ON_WECOM[channel]);
  const staff = channel === 'store' ? pr.pick(STORE_STAFF) : pr.pick(ONLINE_STAFF);
  const localToStore = pr.chance(0.85);
  const city = channel === 'store' && localToStore ? staff.city : pr.choose(CITIES);
  const skinType = pr.choose(SKIN_TYPES);
  const skinKnown = pr.chance(0.6);
  const interest = pr.choose(INTEREST_BY_SKIN[skinType]);
  const twoDevices = pr.chance(0.35);
  const followsMp = pr.chance(0.35) || channel === 'mp';
  const visitedMini = pr.chance(0.4);
  const hasUnionid = pr.chance(0.92);
  const phoneViaWeCom = pr.chance(0.5);
  const phoneAtStore = pr.chance(0.8);
  const joinsWhenBuying = pr.chance(0.85);
  const joinsWithoutBuying = pr.chance(0.25);
  const joinDelay = 10 * MINUTE + Math.floor(pr.exp(3 * DAY));
  const anonymousIds = [v4({ random: pr.bytes16(uuidBytes) }), v4({ random: pr.bytes16(uuidBytes) })];
  const ids = { mp: openid(pr), mini: openid(pr), union: unionid(pr), external: externalUserid(pr) };
  const staffUserid = onWeCom ? staff.userid : null;

  // Orders stream: the BG/NBD process.
  const or = new Rng(seed, index, Stream.orders);
  const history = purchaseHistory(or, cfg.model, timeline, firstSeen);
  const shopper = { seed, index, customerId: id, channel, staffUserid, interest };
  const { orders, spentFen } = buildOrders(or, shopper, history.times, timeline);
  const buyer = orders.length > 0;

  // Most buyers register in the mini program right before their first payment (the rest check
  // out as guests with a phone); some others join for the new-customer coupon without buying.
  let registeredAt = Infinity;
  if (buyer && joinsWhenBuying) registeredAt = orders[0].orderedAt.getTime() - 3 * MINUTE;
  else if (!buyer && joinsWithoutBuying && firstSeen + joinDelay <= now) registeredAt = firstSeen + joinDelay;
  const member = registeredAt <= now;
  const memberId = member ? memberIdFor(seed, index) : null;
  const usesMini = member || visitedMini;
  const phoneKnown = member || buyer || channel === 'sms' || (onWeCom && phoneViaWeCom) || (channel === 'store' && phoneAtStore);

  const devices = [device(pr, anonymousIds[0], usesMini ? 'miniprogram' : 'h5')];
  if (twoDevices) devices.push(device(pr, anonymousIds[1], 'h5'));

  const identifiers: DemoIdentifier[] = [];
  if (memberId) identifiers.push({ type: 'user_id', value: memberId });
  for (const d of devices) identifiers.push({ type: 'anonymous_id', value: d.anonymousId });
  if (phoneKnown) identifiers.push({ type: 'phone', value: phone });
  if (followsMp) identifiers.push({ type: 'wechat_openid', value: ids.mp, collection: cfg.appIds.mp });
  if (usesMini) identifiers.push({ type: 'wechat_openid', value: ids.mini, collection: cfg.appIds.miniProgram });
  if ((followsMp || usesMini) && hasUnionid) identifiers.push({ type: 'wechat_unionid', value: ids.union });
  if (staffUserid) identifiers.push({ type: 'wecom_external_userid', value: ids.external });

  const traits: Record<string, unknown> = { gender, city };
  if (member || phoneKnown || onWeCom) traits.name = name;
  if (phoneKnown) traits.phone = phone;
  if (member) {
    traits.birthday = birthday;
    traits.member_level = memberLevel(spentFen);
    const points = memberPoints(orders, now);
    if (points) {
      traits.points = points.points;
      traits.points_expire_at = points.expireAt;
    }
  }
  if (skinKnown) traits.skin_type = skinType;

  batch.customers.push({
    id,
    name,
    phone,
    gender,
    birthday,
    city,
    channel,
    staffUserid,
    firstSeenAt: new Date(firstSeen),
    identifiers,
    traits,
  });
  for (const order of orders) batch.orders.push(order);

  const actor: Actor = { seedKey: cfg.seedKey, index, customerId: id, memberId, registeredAt, devices, channel, interest, now };
  emitEvents(cfg, actor, firstSeen, history, orders, batch, {
    name,
    gender,
    city,
    birthday,
    member_level: '银卡',
    ...(phoneKnown ? { phone } : {}),
  });
}

/** Events stream: first touch, registration, orders with their funnels, and browsing. */
function emitEvents(
  cfg: Config,
  actor: Actor,
  firstSeen: number,
  history: PurchaseHistory,
  orders: DemoBatch['orders'],
  batch: DemoBatch,
  registrationTraits: Record<string, unknown>,
): void {
  const { now, timeline, eventDensity } = cfg;
  const er = new Rng(cfg.seed, actor.index, Stream.events);
  const log = new EventLog(actor);
  acquisitionSession(log, er, actor, firstSeen);
  if (actor.memberId) identifyEvent(log, actor, { member_id: actor.memberId, ...registrationTraits });
  for (const order of orders) orderEvents(log, er, actor, order, er.chance(eventDensity));

  // Browsing lasts while the customer is engaged: until now for live buyers and lurkers, a few
  // weeks past the last order for those who dropped out, a few months for leads who never buy.
  const lastOrder = history.times.length ? history.times[history.times.length - 1] : firstSeen;
  const lurker = er.chance(0.3);
  const activeEnd = Math.min(
    now,
    history.times.length
      ? history.droppedOut
        ? lastOrder + er.exp(45 * DAY)
        : now
      : lurker
        ? now
        : firstSeen + er.exp(120 * DAY),
  );
  const from = firstSeen + HOUR;
  // The first days after first touch are the busiest (导入期).
  const burst = Math.floor(er.exp(1.2));
  for (let k = 0; k < burst; k++) {
    const t = from + Math.floor(er.exp(3 * DAY));
    if (er.chance(eventDensity) && t <= activeEnd) browseSession(log, er, actor, atRealisticHour(er, t, from, now));
  }
  const rate = (er.gamma(0.6, 1 / 0.6) * BROWSE_PER_DAY + BROWSE_PER_PURCHASE * history.rate) * eventDensity;
  for (const t of sessionStarts(er, timeline, from, activeEnd, rate)) browseSession(log, er, actor, t);
  log.finish(batch.events);
}

function* batches(cfg: Config): Generator<DemoBatch> {
  for (let first = cfg.from; first < cfg.customers; first += cfg.batchSize) {
    const batch: DemoBatch = { customers: [], events: [], orders: [] };
    const end = Math.min(cfg.customers, first + cfg.batchSize);
    for (let i = first; i < end; i++) generateCustomer(cfg, i, batch);
    yield batch;
  }
}

/** Streams the demo brand's history in batches of batchSize customers (with their orders and events). */
export function generateDemo(opts: DemoOptions): Generator<DemoBatch> {
  return batches(resolve(opts)); // validate eagerly, not on the first next()
}

/** Expected totals from a spread sample of up to 2,000 customers (for progress bars). */
export function estimateDemo(opts: DemoOptions): DemoEstimate {
  const cfg = resolve(opts);
  const customers = cfg.customers - cfg.from;
  const sample = Math.min(customers, 2000);
  if (sample === 0) return { customers: 0, orders: 0, events: 0 };
  let orders = 0;
  let events = 0;
  for (let k = 0; k < sample; k++) {
    const batch: DemoBatch = { customers: [], events: [], orders: [] };
    generateCustomer(cfg, cfg.from + Math.floor(((k + 0.5) * customers) / sample), batch);
    orders += batch.orders.length;
    events += batch.events.length;
  }
  const scale = customers / sample;
  return { customers, orders: Math.round(orders * scale), events: Math.round(events * scale) };
}
