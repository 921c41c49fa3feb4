// Behaviour events (Segment spec): acquisition landings, browse sessions that often end without a
// purchase, the Viewed → Added → Checkout funnel before each order, orders, refunds, identifies.
import { v7 } from 'uuid';
import { MINUTE, type Timeline, atRealisticHour, shanghaiDate, shanghaiDay } from './calendar.js';
import { BRAND_NAME, CHANNEL_NAMES, FULL_SIZE_CATEGORIES, PRODUCTS_BY_CATEGORY, TRIAL_HOOK } from './catalog.js';
import { type Rng, mix32, weighted } from './random.js';
import type { ChannelKey, DemoEvent, DemoEventName, DemoOrder, DemoOrderLine, DemoProduct, ProductCategory } from './types.js';

export interface Device {
  anonymousId: string;
  platform: 'miniprogram' | 'h5';
  library: { name: string; version: string };
  userAgent: string;
  ip: string;
  /** Shared, frozen event contexts of this device, per campaign (null = none). */
  contexts: Map<Campaign | null, Readonly<Record<string, unknown>>>;
}

/** Everything the event builders need to know about one customer. */
export interface Actor {
  seedKey: number;
  index: number;
  customerId: string;
  memberId: string | null;
  /** When the customer became a member (identify); Infinity when never. */
  registeredAt: number;
  devices: Device[];
  channel: ChannelKey;
  interest: ProductCategory;
  now: number;
}

export interface Campaign {
  source: string;
  medium: string;
  name: string;
}

const LIBRARIES = {
  miniprogram: Object.freeze({ name: 'siyu-miniprogram', version: '1.4.2' }),
  h5: Object.freeze({ name: 'siyu-web', version: '1.4.2' }),
} as const;

const USER_AGENTS = weighted<string>([
  ['Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 MicroMessenger/8.0.49(0x18003129) NetType/WIFI Language/zh_CN', 22],
  ['Mozilla/5.0 (iPhone; CPU iPhone OS 16_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 MicroMessenger/8.0.47(0x18002f2c) NetType/4G Language/zh_CN', 14],
  ['Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 MicroMessenger/8.0.53(0x18003531) NetType/5G Language/zh_CN', 12],
  ['Mozilla/5.0 (Linux; Android 14; ALN-AL00 Build/HUAWEIALN-AL00; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/116.0.0.0 Mobile Safari/537.36 XWEB/1160083 MMWEBSDK/20240404 MicroMessenger/8.0.49.2600(0x28003133) WeChat/arm64 NetType/WIFI Language/zh_CN', 14],
  ['Mozilla/5.0 (Linux; Android 14; 23127PN0CC Build/UKQ1.230804.001; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/116.0.0.0 Mobile Safari/537.36 XWEB/1160083 MMWEBSDK/20240404 MicroMessenger/8.0.49.2600(0x28003133) WeChat/arm64 NetType/5G Language/zh_CN', 12],
  ['Mozilla/5.0 (Linux; Android 13; PHB110 Build/TP1A.220905.001; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/111.0.5563.116 Mobile Safari/537.36 XWEB/1110017 MMWEBSDK/20230805 MicroMessenger/8.0.42.2460(0x28002A35) WeChat/arm64 NetType/WIFI Language/zh_CN', 10],
  ['Mozilla/5.0 (Linux; Android 13; V2309A Build/TP1A.220624.014; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/111.0.5563.116 Mobile Safari/537.36 XWEB/1110017 MMWEBSDK/20231002 MicroMessenger/8.0.43.2480(0x28002B51) WeChat/arm64 NetType/4G Language/zh_CN', 8],
  ['Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/122.0.0.0 Safari/537.36 NetType/WIFI MicroMessenger/7.0.20.1781(0x6700143B) WindowsWechat(0x63090a13) XWEB/9129', 8],
]);

// First octets of large Chinese ISP blocks (电信 / 联通 / 移动).
const IP_BLOCKS = [101, 106, 110, 112, 113, 114, 115, 116, 117, 119, 120, 121, 122, 123, 124, 125, 180, 182, 183, 218, 219, 220, 221, 222, 223];

export function device(rng: Rng, anonymousId: string, platform: Device['platform']): Device {
  const ip = `${rng.pick(IP_BLOCKS)}.${rng.int(256)}.${rng.int(256)}.${1 + rng.int(254)}`;
  return { anonymousId, platform, library: LIBRARIES[platform], userAgent: rng.choose(USER_AGENTS), ip, contexts: new Map() };
}

// Events share frozen property and context objects (a customer's events mostly repeat the same
// products, pages and device): far less garbage at 10^7 events, and a consumer that tried to
// mutate one shared object would throw instead of silently corrupting other events.
function contextOf(d: Device, c: Campaign | null): Readonly<Record<string, unknown>> {
  let context = d.contexts.get(c);
  if (!context) {
    const fresh: Record<string, unknown> = {
      library: d.library,
      userAgent: d.userAgent,
      ip: d.ip,
      locale: 'zh-CN',
      timezone: 'Asia/Shanghai',
    };
    if (c) fresh.campaign = c;
    context = Object.freeze(fresh);
    d.contexts.set(c, context);
  }
  return context;
}

/** Returns the cached value for key, creating it once. */
function memo<K, V>(cache: Map<K, V>, key: K, make: () => V): V {
  let v = cache.get(key);
  if (v === undefined) {
    v = make();
    cache.set(key, v);
  }
  return v;
}

interface Page {
  name: string;
  path: string;
  title: string;
}

const PAGES = {
  home: { name: '首页', path: 'pages/index/index', title: `${BRAND_NAME}官方商城` },
  product: { name: '商品详情', path: 'pages/product/detail', title: '商品详情' },
  activity: { name: '活动页', path: 'pages/activity/index', title: '会员专享活动' },
  article: { name: '美妆课堂', path: 'pages/article/detail', title: '美妆课堂' },
  member: { name: '会员中心', path: 'pages/member/index', title: '会员中心' },
  cart: { name: '购物车', path: 'pages/cart/index', title: '购物车' },
} satisfies Record<string, Page>;

// The 70% "useful content" of the 721 rule: tutorials people read without buying.
const ARTICLES = [
  '干皮秋冬保湿全攻略',
  '油皮持妆12小时的秘密',
  '敏感肌护理指南',
  '新手底妆三步法',
  '秋冬口红试色：黄皮显白色号',
  '精华怎么叠加不搓泥',
  '熬夜急救护肤流程',
];

const CAMPAIGN_MEDIUM: Record<ChannelKey, [string, string]> = {
  xiaohongshu: ['xiaohongshu', 'social'],
  douyin: ['douyin', 'live'],
  parcel_card: ['parcel_card', 'offline'],
  store: ['store', 'offline'],
  mp: ['wechat_mp', 'article'],
  sms: ['sms', 'sms'],
};

/** Campaign name follows the marketing calendar of the day it ran. */
function campaignName(channel: ChannelKey, t: number): string {
  const date = shanghaiDate(t);
  const month = Number(date.slice(5, 7));
  const season =
    month === 3 ? '女王节' : month === 5 ? '520告白季' : month === 6 ? '618年中大促' : month === 10 || month === 11 ? '双11' : month === 12 ? '双12' : '新品种草';
  return `${CHANNEL_NAMES[channel]}-${date.slice(0, 4)}${season}`;
}

const campaigns = new Map<number, Campaign>();
const CAMPAIGN_SLOT: Record<ChannelKey, number> = { xiaohongshu: 0, douyin: 1, parcel_card: 2, store: 3, mp: 4, sms: 5 };

/** One frozen campaign per channel and day. */
function campaign(channel: ChannelKey, t: number): Campaign {
  return memo(campaigns, CAMPAIGN_SLOT[channel] + 8 * shanghaiDay(t), () => {
    const [source, medium] = CAMPAIGN_MEDIUM[channel];
    return Object.freeze({ source, medium, name: campaignName(channel, t) });
  });
}

type ProductLike = { sku: string; name: string; category: string; priceFen: number };
const productCache = new Map<string, Readonly<Record<string, unknown>>[]>();

/** Segment product properties (price in yuan), shared per (sku, quantity). */
function productProperties(p: ProductLike, quantity: number): Readonly<Record<string, unknown>> {
  const byQuantity = memo(productCache, p.sku, () => []);
  return (byQuantity[quantity] ??= Object.freeze({
    product_id: p.sku,
    sku: p.sku,
    name: p.name,
    category: p.category,
    brand: BRAND_NAME,
    price: p.priceFen / 100,
    quantity,
    currency: 'CNY',
  }));
}

/** Order properties, shared by its Checkout Started and Order Completed events. */
function orderProperties(order: DemoOrder): Readonly<Record<string, unknown>> {
  return Object.freeze({
    order_id: order.orderId,
    affiliation: `${BRAND_NAME}官方小程序`,
    total: order.totalFen / 100,
    subtotal: (order.totalFen + order.discountFen) / 100,
    revenue: order.totalFen / 100,
    shipping: 0,
    tax: 0,
    discount: order.discountFen / 100,
    coupon: order.coupon,
    currency: 'CNY',
    products: orderProducts(order),
  });
}

function orderProducts(order: DemoOrder): readonly Readonly<Record<string, unknown>>[] {
  return Object.freeze(order.products.map((l) => productProperties(l, l.quantity)));
}

/** Seconds-scale gap between two clicks in one session. */
function gap(rng: Rng): number {
  return 5_000 + Math.floor(rng.exp(40_000));
}

const pageCache = new Map<Page, Map<string | undefined, Readonly<Record<string, unknown>>>>();

/** Page properties, shared per page and detail (sku, article or referrer). */
function pageProperties(page: Page, key?: string, value?: string): Readonly<Record<string, unknown>> {
  return memo(memo(pageCache, page, () => new Map()), value, () => {
    const props: Record<string, unknown> = { name: page.name, path: page.path, title: page.title };
    if (key !== undefined) props[key] = value;
    return Object.freeze(props);
  });
}

/** Collects one customer's events, then emits them sorted with deterministic message ids. */
export class EventLog {
  private readonly events: DemoEvent[] = [];

  constructor(private readonly actor: Actor) {}

  add(
    t: number,
    type: DemoEvent['type'],
    event: DemoEventName | null,
    properties: Readonly<Record<string, unknown>>,
    device: Device,
    campaign: Campaign | null = null,
  ): void {
    // Sessions still in progress at `now` are cut off there, as live data would be.
    if (t > this.actor.now) return;
    this.events.push({
      messageId: '',
      type,
      event,
      customerId: this.actor.customerId,
      userId: null,
      anonymousId: device.anonymousId,
      timestamp: new Date(t),
      properties: properties as Record<string, unknown>,
      context: contextOf(device, campaign) as Record<string, unknown>,
    });
  }

  page(t: number, page: Page, device: Device, key?: string, value?: string, c: Campaign | null = null): void {
    this.add(t, 'page', null, pageProperties(page, key, value), device, c);
  }

  finish(out: DemoEvent[]): void {
    const { actor, events } = this;
    events.sort((x, y) => x.timestamp.getTime() - y.timestamp.getTime()); // stable: ties keep order
    for (let k = 0; k < events.length; k++) {
      const e = events[k];
      const t = e.timestamp.getTime();
      e.messageId = messageId(actor.seedKey, actor.index, k, t);
      if (actor.memberId !== null && t >= actor.registeredAt) e.userId = actor.memberId;
      out.push(e);
    }
  }
}

const idBytes = new Uint8Array(16);

/** Bijection on 31-bit integers (odd multiply, xorshift, keyed add). */
function scramble31(x: number, key: number): number {
  x = Math.imul(x, 0x2c1b3c6d) & 0x7fffffff;
  x ^= x >>> 15;
  return (x + key) & 0x7fffffff;
}

/**
 * UUIDv7 with the event time; the "random" bits carry a bijection of (customer index, event
 * counter), so message ids are unique by construction, not by luck.
 */
export function messageId(seedKey: number, index: number, counter: number, t: number): string {
  const c = scramble31(counter, seedKey);
  const lo = mix32((index >>> 0) ^ seedKey);
  idBytes[6] = (c >>> 24) & 0x7f;
  idBytes[7] = (c >>> 16) & 0xff;
  idBytes[8] = (c >>> 8) & 0xff;
  idBytes[9] = c & 0xff;
  idBytes[10] = seedKey & 3;
  idBytes[11] = Math.floor(index / 4294967296) & 0xff;
  idBytes[12] = lo >>> 24;
  idBytes[13] = (lo >>> 16) & 0xff;
  idBytes[14] = (lo >>> 8) & 0xff;
  idBytes[15] = lo & 0xff;
  return v7({ msecs: t, random: idBytes });
}

function pickDevice(rng: Rng, actor: Actor): Device {
  return actor.devices.length > 1 && rng.chance(0.3) ? actor.devices[1] : actor.devices[0];
}

function interestProduct(rng: Rng, actor: Actor): DemoProduct {
  const category = rng.chance(0.7) ? actor.interest : rng.pick(FULL_SIZE_CATEGORIES);
  return rng.pick(PRODUCTS_BY_CATEGORY[category]);
}

/** First touch: landing from the channel's campaign, usually on the hook product. */
export function acquisitionSession(log: EventLog, rng: Rng, actor: Actor, t0: number): void {
  const d = actor.devices[0];
  const c = campaign(actor.channel, t0);
  const hook = actor.channel === 'xiaohongshu' || actor.channel === 'douyin' || actor.channel === 'parcel_card';
  const landing = hook ? PAGES.activity : PAGES.home;
  log.page(t0, landing, d, 'referrer', referrerOf(actor.channel), c);
  let t = t0 + gap(rng);
  const product = hook && rng.chance(0.6) ? TRIAL_HOOK : interestProduct(rng, actor);
  log.page(t, PAGES.product, d, 'sku', product.sku, c);
  log.add(t + 1_000, 'track', 'Product Viewed', productProperties(product, 1), d, c);
  if (rng.chance(0.3)) {
    t += gap(rng);
    const other = interestProduct(rng, actor);
    log.add(t, 'track', 'Product Viewed', productProperties(other, 1), d, c);
  }
}

function referrerOf(channel: ChannelKey): string {
  switch (channel) {
    case 'xiaohongshu':
      return 'https://www.xiaohongshu.com/';
    case 'douyin':
      return 'https://www.douyin.com/';
    case 'mp':
      return 'https://mp.weixin.qq.com/';
    case 'sms':
      return 'sms';
    default:
      return 'qrcode';
  }
}

const SESSION_KIND = weighted<'view' | 'cart' | 'checkout' | 'content'>([
  ['view', 55],
  ['cart', 20],
  ['checkout', 8],
  ['content', 17],
]);

/**
 * A visit without a purchase: viewing the favourite category again and again (犹豫用户), an
 * abandoned cart or checkout, or reading content.
 */
export function browseSession(log: EventLog, rng: Rng, actor: Actor, t0: number): void {
  const d = pickDevice(rng, actor);
  const kind = rng.choose(SESSION_KIND);
  let t = t0;
  if (kind === 'content') {
    log.page(t, PAGES.article, d, 'article', rng.pick(ARTICLES));
    if (rng.chance(0.4)) log.page(t + gap(rng), PAGES.article, d, 'article', rng.pick(ARTICLES));
    return;
  }
  log.page(t, rng.chance(0.8) ? PAGES.home : PAGES.member, d);
  const focus = interestProduct(rng, actor);
  let last = focus;
  const views = 1 + Math.floor(rng.exp(1.2));
  for (let v = 0; v < views; v++) {
    // Hesitant shoppers come back to the same product.
    last = v === 0 || rng.chance(0.4) ? focus : interestProduct(rng, actor);
    t += gap(rng);
    log.page(t, PAGES.product, d, 'sku', last.sku);
    log.add(t + 800, 'track', 'Product Viewed', productProperties(last, 1), d);
  }
  if (kind === 'view') return;
  t += gap(rng);
  log.add(t, 'track', 'Product Added', productProperties(last, 1), d);
  if (kind === 'cart') return;
  t += gap(rng);
  log.page(t, PAGES.cart, d);
  log.add(t + 1_500, 'track', 'Checkout Started', abandonedCheckout(last), d);
}

const checkoutCache = new Map<string, Readonly<Record<string, unknown>>>();

/** Checkout Started of a one-product cart that is never paid (no order id yet). */
function abandonedCheckout(p: DemoProduct): Readonly<Record<string, unknown>> {
  return memo(checkoutCache, p.sku, () =>
    Object.freeze({
      value: p.priceFen / 100,
      revenue: p.priceFen / 100,
      currency: 'CNY',
      products: Object.freeze([productProperties(p, 1)]),
    }),
  );
}

/** Paid channels tag the order's session with their campaign; owned channels carry none. */
function orderCampaign(order: DemoOrder, t: number): Campaign | null {
  return order.channel === 'xiaohongshu' || order.channel === 'douyin' || order.channel === 'sms' ? campaign(order.channel, t) : null;
}

/**
 * The order itself (always kept) and, when keepFunnel, the Viewed → Added → Checkout Started
 * steps of the same session, timed backwards from the payment (within 25 minutes).
 */
export function orderEvents(log: EventLog, rng: Rng, actor: Actor, order: DemoOrder, keepFunnel: boolean): void {
  const d = actor.devices[0];
  const paidAt = order.orderedAt.getTime();
  const c = orderCampaign(order, paidAt);
  const props = orderProperties(order);
  if (keepFunnel) {
    const checkoutAt = paidAt - 30_000 - Math.floor(rng.between(0, 120_000));
    // Registration (identify) happens 3 minutes before the first payment; cart steps precede it.
    let t = paidAt - 4 * MINUTE;
    const lines: DemoOrderLine[] = order.products;
    for (let k = lines.length - 1; k >= 0; k--) {
      log.add(t, 'track', 'Product Added', productProperties(lines[k], lines[k].quantity), d, c);
      t -= Math.min(3 * MINUTE, gap(rng));
    }
    for (let k = lines.length - 1; k >= 0; k--) {
      log.add(t, 'track', 'Product Viewed', productProperties(lines[k], 1), d, c);
      log.page(t - 800, PAGES.product, d, 'sku', lines[k].sku, c);
      t -= Math.min(3 * MINUTE, gap(rng));
    }
    log.add(checkoutAt, 'track', 'Checkout Started', props, d, c);
  }
  log.add(paidAt, 'track', 'Order Completed', props, d, c);
  if (order.refundedAt) {
    const refund = Object.freeze({ order_id: order.orderId, total: order.totalFen / 100, currency: 'CNY', products: props.products });
    log.add(order.refundedAt.getTime(), 'track', 'Order Refunded', refund, d);
  }
}

/** Member registration: links the device's anonymous id to the member id. */
export function identifyEvent(log: EventLog, actor: Actor, traits: Readonly<Record<string, unknown>>): void {
  if (actor.registeredAt <= actor.now) log.add(actor.registeredAt, 'identify', null, traits, actor.devices[0]);
}

/**
 * Browse-session start times: a Poisson process at ratePerDay effective days between from and
 * to, each moved to a realistic hour.
 */
export function sessionStarts(rng: Rng, timeline: Timeline, from: number, to: number, ratePerDay: number): number[] {
  const starts: number[] = [];
  if (ratePerDay <= 0 || from >= to) return starts;
  const end = timeline.lambda(to);
  let tau = timeline.lambda(from);
  for (;;) {
    tau += rng.exp(1 / ratePerDay);
    if (tau > end) break;
    starts.push(atRealisticHour(rng, timeline.inverse(tau), from, timeline.now));
  }
  return starts;
}
