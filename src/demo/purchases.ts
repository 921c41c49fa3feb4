// Repeat purchases from a BG/NBD-style process and the orders they become.
//
// Each customer buys as a Poisson process with rate λ ~ Gamma(r, scale) (softly capped: nobody
// orders daily for two years) and, after every purchase, drops out for good with probability
// p ~ Beta(a, b). Time runs in festival-weighted effective days (see calendar.ts), so 双11 spikes.
// Given λ, p and exposure T the expected count is (1 − e^(−λpT)) / p, which makes calibrating the
// mean to `meanOrders` a smooth one-dimensional search over the λ scale.
import { DAY, HOUR, MINUTE, type Timeline, atRealisticHour, shanghaiDate } from './calendar.js';
import { PRODUCTS_BY_CATEGORY, STORE_STAFF, TRIAL_HOOK } from './catalog.js';
import { Rng, Stream, feistel, hash32, weighted } from './random.js';
import type { ChannelKey, DemoOrder, DemoOrderLine, DemoProduct, ProductCategory } from './types.js';

/** First purchase comes at least this long after first touch, leaving room for the funnel. */
export const FIRST_ORDER_DELAY = 30 * MINUTE;
/** A customer never has more orders than the 3-digit order sequence allows. */
export const MAX_ORDERS_PER_CUSTOMER = 999;

export interface PurchaseModel {
  r: number;
  a: number;
  b: number;
  scale: number;
  lambdaMax: number;
}

/** Small r: many customers with a tiny rate, i.e. leads that never convert. */
const RATE_SHAPE = 0.3;
const CALIBRATION_SAMPLES = 65536;

/**
 * Mean drop-out probability: ~0.6 at 2.5 orders per customer (most buyers buy once), lower for
 * brands asked to have more orders, so high targets come from loyalty rather than absurd rates.
 */
function dropoutMean(meanOrders: number): number {
  return Math.min(0.85, Math.max(0.15, 0.6 - 0.35 * Math.log10(meanOrders / 2.5)));
}

/** λ per effective day for a Gamma(r, 1) draw g, saturating at lambdaMax. */
export function purchaseRate(model: PurchaseModel, g: number): number {
  if (model.scale === 0) return 0;
  return -model.lambdaMax * Math.expm1((-g * model.scale) / model.lambdaMax);
}

const models = new Map<string, PurchaseModel>();

export function purchaseModel(timeline: Timeline, meanOrders: number): PurchaseModel {
  const key = `${timeline.start}|${timeline.now}|${meanOrders}`;
  let model = models.get(key);
  if (!model) {
    model = calibrate(timeline, meanOrders);
    if (models.size > 64) models.clear();
    models.set(key, model);
  }
  return model;
}

function calibrate(timeline: Timeline, meanOrders: number): PurchaseModel {
  const m = dropoutMean(meanOrders);
  // The rate cap (an order every ~8 days at most by default) grows with the target and for short
  // windows, but never beyond one order a day: unreachable targets saturate instead.
  const base = { r: RATE_SHAPE, a: m, b: 1 - m, scale: 0, lambdaMax: Math.max(0.12, Math.min(1, (meanOrders * 18) / timeline.totalLambda)) };
  if (!(meanOrders > 0)) return base;
  // Fixed samples (common random numbers) make expected() smooth and monotone in the scale.
  const rng = new Rng(Stream.calibration);
  const exposure = new Float64Array(CALIBRATION_SAMPLES);
  const g = new Float64Array(CALIBRATION_SAMPLES);
  const p = new Float64Array(CALIBRATION_SAMPLES);
  for (let j = 0; j < CALIBRATION_SAMPLES; j++) {
    const { lo, hi, frac } = timeline.acquisitionAt((j + 0.5) / CALIBRATION_SAMPLES);
    const firstSeen = lo + frac * (hi - lo);
    exposure[j] = Math.max(0, timeline.totalLambda - timeline.lambda(firstSeen + FIRST_ORDER_DELAY));
    g[j] = rng.gamma(base.r);
    p[j] = Math.max(1e-9, rng.beta(base.a, base.b));
  }
  const cap = base.lambdaMax;
  const expected = (scale: number): number => {
    let sum = 0;
    for (let j = 0; j < CALIBRATION_SAMPLES; j++) {
      const rate = -cap * Math.expm1((-g[j] * scale) / cap); // = purchaseRate()
      sum += -Math.expm1(-rate * p[j] * exposure[j]) / p[j];
    }
    return sum / CALIBRATION_SAMPLES;
  };
  // Bisection in log space; a target above what the capped rates allow saturates at the top.
  let lo = Math.log(1e-7);
  let hi = Math.log(1e3);
  for (let i = 0; i < 36; i++) {
    const mid = (lo + hi) / 2;
    if (expected(Math.exp(mid)) < meanOrders) lo = mid;
    else hi = mid;
  }
  return { ...base, scale: Math.exp((lo + hi) / 2) };
}

export interface PurchaseHistory {
  /** Purchase times, ascending, each at a realistic hour. */
  times: number[];
  /** λ per effective day; also drives how often the customer browses. */
  rate: number;
  /** True when the customer dropped out after the last purchase. */
  droppedOut: boolean;
}

export function purchaseHistory(rng: Rng, model: PurchaseModel, timeline: Timeline, firstSeen: number): PurchaseHistory {
  const rate = purchaseRate(model, rng.gamma(model.r));
  const p = rng.beta(model.a, model.b);
  const times: number[] = [];
  const from = firstSeen + FIRST_ORDER_DELAY;
  if (rate <= 0 || from >= timeline.now) return { times, rate, droppedOut: false };
  const end = timeline.totalLambda;
  let tau = timeline.lambda(from);
  let droppedOut = false;
  while (times.length < MAX_ORDERS_PER_CUSTOMER) {
    tau += rng.exp(1 / rate);
    if (tau > end) break;
    times.push(atRealisticHour(rng, timeline.inverse(tau), from, timeline.now));
    if (rng.chance(p)) {
      droppedOut = true;
      break;
    }
  }
  times.sort((x, y) => x - y);
  return { times, rate, droppedOut };
}

/** What the order builder needs to know about the customer. */
export interface Shopper {
  seed: number;
  index: number;
  customerId: string;
  channel: ChannelKey;
  staffUserid: string | null;
  interest: ProductCategory;
}

// Ads and content platforms sell the 9.9 trial first; store and parcel-card customers already
// know the products.
const TRIAL_FIRST: Record<ChannelKey, number> = {
  xiaohongshu: 0.55,
  douyin: 0.6,
  parcel_card: 0.3,
  store: 0.15,
  mp: 0.35,
  sms: 0.3,
};

const REPEAT_CHANNEL = weighted<ChannelKey | 'first'>([
  ['mp', 55],
  ['sms', 15],
  ['first', 30],
]);

const CATEGORY_MIX = weighted<ProductCategory>([
  ['口红', 30],
  ['精华', 22],
  ['面霜', 22],
  ['粉底液', 18],
  ['小样', 8],
]);

const LINE_COUNT = weighted<number>([
  [1, 60],
  [2, 28],
  [3, 12],
]);

const REFUND_RATE = 0.045;
const TRIAL_REFUND_RATE = 0.015;
const NEW_CUSTOMER_COUPON_FEN = 2000;

function line(product: DemoProduct, quantity: number): DemoOrderLine {
  return { sku: product.sku, name: product.name, category: product.category, priceFen: product.priceFen, quantity };
}

function fullSizeLines(rng: Rng, interest: ProductCategory): DemoOrderLine[] {
  const lines: DemoOrderLine[] = [];
  const count = rng.choose(LINE_COUNT);
  for (let k = 0; k < count; k++) {
    const category = k === 0 && rng.chance(0.6) ? interest : rng.choose(CATEGORY_MIX);
    const product = rng.pick(PRODUCTS_BY_CATEGORY[category]);
    const same = lines.find((l) => l.sku === product.sku);
    if (same) same.quantity++;
    else lines.push(line(product, category === '口红' && rng.chance(0.12) ? 2 : 1));
  }
  return lines;
}

function trialLines(rng: Rng): DemoOrderLine[] {
  const product = rng.chance(0.7) ? TRIAL_HOOK : rng.pick(PRODUCTS_BY_CATEGORY['小样']);
  return [line(product, 1)];
}

/** Best applicable offer: 新人券 on the first full-size order, festival 满减, or tier discount. */
function discount(
  rng: Rng,
  subtotalFen: number,
  firstFullSize: boolean,
  festive: boolean,
  spentFen: number,
): { fen: number; coupon: string | null } {
  if (firstFullSize && subtotalFen >= 9900 && rng.chance(0.6)) {
    return { fen: NEW_CUSTOMER_COUPON_FEN, coupon: '新人券-20元无门槛' };
  }
  if (festive && subtotalFen >= 30000) {
    return { fen: Math.floor(subtotalFen / 30000) * 3000, coupon: '大促满300减30' };
  }
  if (spentFen >= 300000) return { fen: Math.round(subtotalFen * 0.1), coupon: '钻石卡会员9折' };
  if (spentFen >= 100000) return { fen: Math.round(subtotalFen * 0.05), coupon: '金卡会员95折' };
  return { fen: 0, coupon: null };
}

function orderChannel(rng: Rng, shopper: Shopper, k: number): ChannelKey {
  if (k === 0) return shopper.channel;
  if (shopper.channel === 'store' && rng.chance(0.55)) return 'store';
  const c = rng.choose(REPEAT_CHANNEL);
  return c === 'first' ? shopper.channel : c;
}

/** The customer's part of order ids: a 10-digit keyed bijection of the index. */
function orderIdPart(shopper: Shopper): string {
  return String(feistel(shopper.index, 5, hash32(shopper.seed, 0x0dde))).padStart(10, '0');
}

/** 'HY' + Shanghai date + customer part + 3-digit sequence: unique by construction. */
function orderId(customerPart: string, k: number, orderedAt: number): string {
  const date = shanghaiDate(orderedAt);
  return 'HY' + date.slice(0, 4) + date.slice(5, 7) + date.slice(8, 10) + customerPart + String(k + 1).padStart(3, '0');
}

/** Member tier from lifetime spend (non-refunded), as the loyalty programme would compute it. */
export function memberLevel(spentFen: number): '银卡' | '金卡' | '钻石卡' {
  if (spentFen >= 300000) return '钻石卡';
  if (spentFen >= 100000) return '金卡';
  return '银卡';
}

/**
 * Member points: 1 point per yuan paid, on completed orders of the last 12 months; all of them
 * expire 12 months after the latest order (积分自最近一次消费起12个月有效). `expireAt` is that
 * local date (UTC+8); null when nothing is left.
 */
export function memberPoints(orders: readonly DemoOrder[], now: number): { points: number; expireAt: string } | null {
  const year = 365 * 86_400_000;
  let points = 0;
  let last = -Infinity;
  for (const o of orders) {
    const t = o.orderedAt.getTime();
    if (o.status !== 'completed' || t > now || t <= now - year) continue;
    points += Math.floor(o.totalFen / 100);
    last = Math.max(last, t);
  }
  if (points <= 0) return null;
  return { points, expireAt: new Date(last + year + 8 * 3_600_000).toISOString().slice(0, 10) };
}

export function buildOrders(
  rng: Rng,
  shopper: Shopper,
  times: readonly number[],
  timeline: Timeline,
): { orders: DemoOrder[]; spentFen: number } {
  const orders: DemoOrder[] = [];
  const storeStaff = STORE_STAFF.some((s) => s.userid === shopper.staffUserid);
  const customerPart = orderIdPart(shopper);
  let spentFen = 0;
  let hadFullSize = false;
  for (let k = 0; k < times.length; k++) {
    const orderedAt = times[k];
    const trial = k === 0 && rng.chance(TRIAL_FIRST[shopper.channel]);
    const products = trial ? trialLines(rng) : fullSizeLines(rng, shopper.interest);
    const subtotalFen = products.reduce((sum, l) => sum + l.priceFen * l.quantity, 0);
    const festive = timeline.intensityAt(orderedAt) >= 1.5;
    const offer = trial ? { fen: 0, coupon: null } : discount(rng, subtotalFen, !hadFullSize, festive, spentFen);
    hadFullSize ||= !trial;
    const channel = orderChannel(rng, shopper, k);
    // Store staff own their customers' store orders; online advisers get credit for 1v1 chats.
    const staffUserid =
      shopper.staffUserid && ((channel === 'store' && storeStaff) || rng.chance(0.5)) ? shopper.staffUserid : null;
    const refundAt = orderedAt + 2 * HOUR + Math.floor(rng.exp(3 * DAY));
    const refunded = rng.chance(trial ? TRIAL_REFUND_RATE : REFUND_RATE) && refundAt <= timeline.now;
    const totalFen = subtotalFen - offer.fen;
    if (!refunded) spentFen += totalFen;
    orders.push({
      orderId: orderId(customerPart, k, orderedAt),
      customerId: shopper.customerId,
      orderedAt: new Date(orderedAt),
      status: refunded ? 'refunded' : 'completed',
      refundedAt: refunded ? new Date(refundAt) : null,
      totalFen,
      discountFen: offer.fen,
      channel,
      staffUserid,
      products,
      coupon: offer.coupon,
    });
  }
  return { orders, spentFen };
}

