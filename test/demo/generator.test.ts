import { describe, it, expect } from 'vitest';
import {
  type DemoBatch,
  type DemoCustomer,
  type DemoEvent,
  type DemoOptions,
  type DemoOrder,
  demoCatalog,
  estimateDemo,
  generateDemo,
} from '../../src/demo/index.js';

const NOW = new Date('2025-11-24T14:30:00Z'); // 22:30 in Shanghai
const DAY = 86_400_000;

interface All {
  customers: DemoCustomer[];
  events: DemoEvent[];
  orders: DemoOrder[];
  batches: number;
}

function collect(opts: DemoOptions): All {
  const all: All = { customers: [], events: [], orders: [], batches: 0 };
  for (const b of generateDemo(opts)) {
    all.batches++;
    all.customers.push(...b.customers);
    for (const e of b.events) all.events.push(e);
    for (const o of b.orders) all.orders.push(o);
  }
  return all;
}

const cache = new Map<string, All>();
function data(opts: DemoOptions): All {
  const key = JSON.stringify(opts);
  if (!cache.has(key)) cache.set(key, collect(opts));
  return cache.get(key)!;
}

/** The shared full-funnel data set most tests look at. */
const base = (): All => data({ customers: 4000, now: NOW });

function groupBy<T>(items: T[], key: (t: T) => string): Map<string, T[]> {
  const m = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    let list = m.get(k);
    if (!list) m.set(k, (list = []));
    list.push(item);
  }
  return m;
}

/** Up to three items failing ok(): one assertion over a large data set, with useful output. */
function offenders<T>(items: T[], ok: (t: T) => boolean): T[] {
  const bad: T[] = [];
  for (const item of items) {
    if (!ok(item)) bad.push(item);
    if (bad.length === 3) break;
  }
  return bad;
}

function expectUnique(values: string[]): void {
  expect(new Set(values).size).toBe(values.length);
}

function ordersPerCustomer(all: All): number[] {
  const counts = new Map<string, number>();
  for (const c of all.customers) counts.set(c.id, 0);
  for (const o of all.orders) counts.set(o.customerId, counts.get(o.customerId)! + 1);
  return [...counts.values()];
}

describe('catalog', () => {
  it('describes the beauty brand: fen prices per category, 10 staff, 6 channels, app ids', () => {
    const catalog = demoCatalog();
    expect(catalog.brand.name).toBe('花漾美妆');
    expect(catalog.brand.appIds.mp).toMatch(/^wx[0-9a-f]{16}$/);
    expect(catalog.brand.appIds.miniProgram).toMatch(/^wx[0-9a-f]{16}$/);
    expect(catalog.brand.appIds.mp).not.toBe(catalog.brand.appIds.miniProgram);
    expect(catalog.staff).toHaveLength(10);
    expectUnique(catalog.staff.map((s) => s.userid));
    expect(catalog.channels.map((c) => c.name)).toEqual(['小红书', '抖音', '包裹卡', '门店', '公众号', '短信']);
    expectUnique(catalog.products.map((p) => p.sku));
    const ranges: Record<string, [number, number]> = {
      口红: [12900, 32900],
      粉底液: [19900, 49900],
      面霜: [19900, 59900],
      精华: [29900, 69900],
      小样: [990, 2990],
    };
    for (const p of catalog.products) {
      expect(Number.isInteger(p.priceFen)).toBe(true);
      const [min, max] = ranges[p.category];
      expect(p.priceFen).toBeGreaterThanOrEqual(min);
      expect(p.priceFen).toBeLessThanOrEqual(max);
    }
    expect(catalog.products.some((p) => p.priceFen === 990)).toBe(true); // the 9.9 trial
    expect(demoCatalog(42)).toEqual(catalog);
    expect(demoCatalog(7).brand.appIds.mp).not.toBe(catalog.brand.appIds.mp);
  });
});

describe('determinism', () => {
  const opts = { customers: 300, now: NOW, seed: 7 };

  it('produces byte-identical output for the same options', () => {
    const a = JSON.stringify(collect(opts));
    expect(a.length).toBeGreaterThan(100_000);
    expect(JSON.stringify(collect(opts)) === a).toBe(true); // no multi-megabyte diff on failure
  });

  it('does not depend on the batch size', () => {
    const a = collect({ ...opts, batchSize: 1000 });
    const b = collect({ ...opts, batchSize: 7 });
    expect(a.batches).toBe(1);
    expect(b.batches).toBe(Math.ceil(300 / 7));
    expect(JSON.stringify({ ...b, batches: 0 }) === JSON.stringify({ ...a, batches: 0 })).toBe(true);
  });

  it('makes customer i depend only on (seed, i): a longer run starts with the shorter one', () => {
    const short = collect({ ...opts, customers: 50 });
    const long = collect({ ...opts, customers: 120 });
    expect(long.customers.slice(0, 50)).toEqual(short.customers);
    const ids = new Set(short.customers.map((c) => c.id));
    expect(long.orders.filter((o) => ids.has(o.customerId))).toEqual(short.orders);
    expect(long.events.filter((e) => ids.has(e.customerId))).toEqual(short.events);
  });

  it('generates any range of customers on its own (workers can split a brand)', () => {
    const whole = collect({ ...opts, customers: 120 });
    const tail = collect({ ...opts, customers: 120, from: 50, batchSize: 13 });
    expect(tail.customers).toEqual(whole.customers.slice(50));
    const ids = new Set(tail.customers.map((c) => c.id));
    expect(tail.orders).toEqual(whole.orders.filter((o) => ids.has(o.customerId)));
    expect(tail.events).toEqual(whole.events.filter((e) => ids.has(e.customerId)));
    expect(estimateDemo({ ...opts, customers: 120, from: 50 }).customers).toBe(70);
  });

  it('changes with the seed', () => {
    const a = collect(opts);
    const b = collect({ ...opts, seed: 8 });
    expect(b.customers[0].id).not.toBe(a.customers[0].id);
    expect(b.customers.map((c) => c.name)).not.toEqual(a.customers.map((c) => c.name));
  });

  it('keeps customers and orders identical when only eventDensity changes', () => {
    const full = collect(opts);
    const thin = collect({ ...opts, eventDensity: 0.2 });
    expect(thin.customers).toEqual(full.customers);
    expect(thin.orders).toEqual(full.orders);
    expect(thin.events.length).toBeLessThan(full.events.length * 0.5);
  });

  it('streams batches no larger than batchSize', () => {
    const sizes = [...generateDemo({ customers: 2500, now: NOW, batchSize: 1000, eventDensity: 0 })].map((b: DemoBatch) => b.customers.length);
    expect(sizes).toEqual([1000, 1000, 500]);
  });
});

describe('ids', () => {
  it('are unique: customer ids, phones, message ids, order ids and every identifier', () => {
    const all = base();
    expectUnique(all.customers.map((c) => c.id));
    expectUnique(all.customers.map((c) => c.phone));
    expectUnique(all.events.map((e) => e.messageId));
    expectUnique(all.orders.map((o) => o.orderId));
    const identifiers = all.customers.flatMap((c) => c.identifiers.map((i) => `${i.type}|${i.collection ?? ''}|${i.value}`));
    expectUnique(identifiers);
  });

  it('uses UUIDv7 customer ids whose time part is firstSeenAt', () => {
    for (const c of base().customers) {
      expect(c.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      expect(parseInt(c.id.replaceAll('-', '').slice(0, 12), 16)).toBe(c.firstSeenAt.getTime());
    }
  });

  it('uses UUIDv7 message ids stamped with the event time', () => {
    const v7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
    expect(offenders(base().events, (e) => v7.test(e.messageId) && parseInt(e.messageId.replaceAll('-', '').slice(0, 12), 16) === e.timestamp.getTime())).toEqual([]);
  });
});

describe('customers', () => {
  it('have realistic, well-formed profiles and identifiers', () => {
    const catalog = demoCatalog();
    const staff = new Set(catalog.staff.map((s) => s.userid));
    const apps = new Set([catalog.brand.appIds.mp, catalog.brand.appIds.miniProgram]);
    for (const c of base().customers) {
      expect(c.name).toMatch(/^[\u4e00-\u9fa5]{2,4}$/);
      expect(c.phone).toMatch(/^\+861(3\d|5[0-35-9]|7[235-8]|8\d|9[1-35-9])\d{8}$/);
      expect(c.birthday).toMatch(/^(19[5-9]\d|20[01]\d)-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/);
      expect(new Date(c.birthday + 'T00:00:00Z').toISOString().slice(0, 10)).toBe(c.birthday);
      expect(['female', 'male']).toContain(c.gender);
      expect(c.city.length).toBeGreaterThan(0);
      if (c.staffUserid !== null) expect(staff.has(c.staffUserid)).toBe(true);
      const byType = groupBy(c.identifiers, (i) => i.type);
      const anon = byType.get('anonymous_id') ?? [];
      expect(anon.length).toBeGreaterThanOrEqual(1);
      expect(anon.length).toBeLessThanOrEqual(2);
      for (const i of anon) expect(i.value).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      for (const i of byType.get('user_id') ?? []) expect(i.value).toMatch(/^M\d{10}$/);
      for (const i of byType.get('phone') ?? []) expect(i.value).toBe(c.phone);
      const openids = byType.get('wechat_openid') ?? [];
      for (const i of openids) {
        expect(i.value).toMatch(/^o[A-Za-z0-9_-]{27}$/);
        expect(apps.has(i.collection!)).toBe(true);
      }
      expectUnique(openids.map((i) => i.collection!)); // one openid per app
      for (const i of byType.get('wechat_unionid') ?? []) expect(i.value).toMatch(/^o[A-Za-z0-9_-]{28}$/);
      if (byType.has('wechat_unionid')) expect(openids.length).toBeGreaterThan(0);
      const external = byType.get('wecom_external_userid') ?? [];
      expect(external.length).toBe(c.staffUserid === null ? 0 : 1);
      for (const i of external) expect(i.value).toMatch(/^wm[A-Za-z0-9_-]{30}$/);
      for (const i of c.identifiers) expect(i.collection !== undefined).toBe(i.type === 'wechat_openid');
    }
  });

  it('have realistic coverage: not everybody has everything', () => {
    const cs = base().customers;
    const share = (f: (c: DemoCustomer) => boolean) => cs.filter(f).length / cs.length;
    const has = (type: string) => (c: DemoCustomer) => c.identifiers.some((i) => i.type === type);
    for (const type of ['user_id', 'phone', 'wechat_openid', 'wechat_unionid', 'wecom_external_userid']) {
      expect(share(has(type))).toBeGreaterThan(0.3);
      expect(share(has(type))).toBeLessThan(0.97);
    }
    expect(share((c) => c.gender === 'female')).toBeGreaterThan(0.8);
    const channels = groupBy(cs, (c) => c.channel);
    expect(channels.size).toBe(6);
    for (const list of channels.values()) expect(list.length / cs.length).toBeGreaterThan(0.03);
    expect(share((c) => typeof c.traits.skin_type === 'string')).toBeGreaterThan(0.4);
    for (const c of cs) {
      if (c.traits.skin_type !== undefined) expect(['油皮', '干皮', '混合', '敏感']).toContain(c.traits.skin_type);
      if (has('user_id')(c)) expect(['银卡', '金卡', '钻石卡']).toContain(c.traits.member_level);
    }
  });

  it('are first seen across the whole window, more of them recently', () => {
    const start = NOW.getTime() - Math.round(2 * 365.25 * DAY);
    const times = base().customers.map((c) => c.firstSeenAt.getTime());
    const firstYear = times.filter((t) => t < start + 365 * DAY).length;
    expect(Math.min(...times)).toBeLessThan(start + 30 * DAY);
    expect(Math.max(...times)).toBeGreaterThan(NOW.getTime() - 7 * DAY);
    expect(firstYear / times.length).toBeGreaterThan(0.2);
    expect(firstYear / times.length).toBeLessThan(0.45); // growth: the second year is bigger
  });
});

describe('time', () => {
  it('keeps every timestamp within [now − years, now]', () => {
    for (const years of [2, 0.5]) {
      const all = years === 2 ? base() : collect({ customers: 800, now: NOW, years });
      const start = NOW.getTime() - Math.round(years * 365.25 * DAY);
      const inWindow = (d: Date) => d.getTime() >= start && d.getTime() <= NOW.getTime();
      expect(offenders(all.customers, (c) => inWindow(c.firstSeenAt))).toEqual([]);
      expect(offenders(all.events, (e) => inWindow(e.timestamp))).toEqual([]);
      expect(offenders(all.orders, (o) => inWindow(o.orderedAt) && (o.refundedAt === null || inWindow(o.refundedAt)))).toEqual([]);
    }
  });

  it('cuts sessions still in progress at now (one-day window: everybody is new)', () => {
    const all = collect({ customers: 2000, now: NOW, years: 1 / 365 });
    const start = NOW.getTime() - DAY;
    expect(all.events.length).toBeGreaterThan(2000);
    expect(offenders(all.events, (e) => e.timestamp.getTime() >= start && e.timestamp.getTime() <= NOW.getTime())).toEqual([]);
  });

  it("starts each customer's events at firstSeenAt and orders after it", () => {
    const all = base();
    const events = groupBy(all.events, (e) => e.customerId);
    const firstSeen = new Map(all.customers.map((c) => [c.id, c.firstSeenAt.getTime()]));
    expect(
      offenders(all.customers, (c) => {
        const list = events.get(c.id)!;
        return list[0].timestamp.getTime() === c.firstSeenAt.getTime() && list.every((e, k) => k === 0 || e.timestamp >= list[k - 1].timestamp);
      }),
    ).toEqual([]);
    expect(offenders(all.orders, (o) => o.orderedAt.getTime() > firstSeen.get(o.customerId)!)).toEqual([]);
  });

  it('continues up to now: a realistic share of customers is active today', () => {
    const all = base();
    const todayStart = Date.UTC(2025, 10, 24) - 8 * 3_600_000; // Shanghai midnight
    const active = new Set(all.events.filter((e) => e.timestamp.getTime() >= todayStart).map((e) => e.customerId));
    expect(active.size / all.customers.length).toBeGreaterThan(0.005);
    expect(active.size / all.customers.length).toBeLessThan(0.15);
    expect(all.orders.some((o) => o.orderedAt.getTime() >= NOW.getTime() - 2 * DAY)).toBe(true);
  });

  it('follows Chinese daily habits: evenings busier than small hours', () => {
    const hours = new Array(24).fill(0);
    for (const o of base().orders) hours[(o.orderedAt.getUTCHours() + 8) % 24]++;
    expect(hours[21]).toBeGreaterThan(hours[4] * 5);
  });
});

describe('orders', () => {
  it('are consistent: integer fen, totals = lines − discount, refunds after orders', () => {
    const staff = new Set(demoCatalog().staff.map((s) => s.userid));
    for (const o of base().orders) {
      const subtotal = o.products.reduce((s, l) => s + l.priceFen * l.quantity, 0);
      expect(Number.isInteger(o.totalFen) && Number.isInteger(o.discountFen)).toBe(true);
      expect(o.totalFen + o.discountFen).toBe(subtotal);
      expect(o.discountFen).toBeGreaterThanOrEqual(0);
      expect(o.totalFen).toBeGreaterThan(0);
      expect(o.products.length).toBeGreaterThan(0);
      expectUnique(o.products.map((l) => l.sku));
      expect(o.orderId).toMatch(/^HY\d{8}\d{10}\d{3}$/);
      if (o.staffUserid) expect(staff.has(o.staffUserid)).toBe(true);
      if (o.status === 'refunded') expect(o.refundedAt!.getTime()).toBeGreaterThan(o.orderedAt.getTime());
      else expect(o.refundedAt).toBeNull();
    }
  });

  it('refunds a few percent and starts customers on trial sizes', () => {
    const orders = base().orders;
    const refunded = orders.filter((o) => o.status === 'refunded').length / orders.length;
    expect(refunded).toBeGreaterThan(0.02);
    expect(refunded).toBeLessThan(0.07);
    const byCustomer = groupBy(orders, (o) => o.customerId);
    const firsts = [...byCustomer.values()].map((list) => list[0]);
    const repeats = [...byCustomer.values()].flatMap((list) => list.slice(1));
    const trialShare = (list: DemoOrder[]) => list.filter((o) => o.products.every((l) => l.category === '小样')).length / list.length;
    const meanTotal = (list: DemoOrder[]) => list.reduce((s, o) => s + o.totalFen, 0) / list.length;
    expect(trialShare(firsts)).toBeGreaterThan(0.25);
    expect(trialShare(repeats)).toBeLessThan(0.1);
    expect(meanTotal(firsts)).toBeLessThan(meanTotal(repeats) * 0.8);
    // The 9.9 trial is the most common first-order product.
    const firstSkus = groupBy(firsts.flatMap((o) => o.products), (l) => l.sku);
    const top = [...firstSkus].sort((a, b) => b[1].length - a[1].length)[0][0];
    expect(top).toBe('HY-TRY-001');
  });

  it('have matching Order Completed / Order Refunded events and a preceding funnel', () => {
    const all = base();
    const events = groupBy(all.events.filter((e) => e.event !== null), (e) => `${e.event}|${String(e.properties.order_id ?? '')}`);
    const completedCount = all.events.filter((e) => e.event === 'Order Completed').length;
    expect(completedCount).toBe(all.orders.length);
    expect(all.events.filter((e) => e.event === 'Order Refunded').length).toBe(all.orders.filter((o) => o.status === 'refunded').length);
    const byCustomer = groupBy(all.events, (e) => e.customerId);
    for (const o of all.orders) {
      const [done] = events.get(`Order Completed|${o.orderId}`)!;
      expect(done.customerId).toBe(o.customerId);
      expect(done.timestamp.getTime()).toBe(o.orderedAt.getTime());
      expect(done.properties.total).toBe(o.totalFen / 100);
      expect(done.properties.revenue).toBe(o.totalFen / 100);
      expect(done.properties.discount).toBe(o.discountFen / 100);
      expect(done.properties.currency).toBe('CNY');
      const products = done.properties.products as { sku: string; price: number; quantity: number }[];
      expect(products.map((p) => [p.sku, p.price, p.quantity])).toEqual(o.products.map((l) => [l.sku, l.priceFen / 100, l.quantity]));
      if (o.refundedAt) {
        const [refund] = events.get(`Order Refunded|${o.orderId}`)!;
        expect(refund.timestamp.getTime()).toBe(o.refundedAt.getTime());
        expect(refund.properties.total).toBe(o.totalFen / 100);
      }
      // Full density: Viewed → Added → Checkout Started → Order Completed in one session.
      const [checkout] = events.get(`Checkout Started|${o.orderId}`)!;
      const t = o.orderedAt.getTime();
      expect(checkout.timestamp.getTime()).toBeLessThan(t);
      const session = byCustomer.get(o.customerId)!.filter((e) => e.timestamp.getTime() >= t - 30 * 60_000 && e.timestamp.getTime() < checkout.timestamp.getTime());
      for (const l of o.products) {
        // Search backwards: another order of the same customer may sit in the same half hour.
        const added = session.findLast((e) => e.event === 'Product Added' && e.properties.sku === l.sku);
        const viewed = session.findLast((e) => e.event === 'Product Viewed' && e.properties.sku === l.sku && e.timestamp <= added!.timestamp);
        expect(added !== undefined && viewed !== undefined).toBe(true);
      }
    }
  });

  it('can be turned off, and are mean-calibrated', () => {
    expect(collect({ customers: 500, now: NOW, meanOrders: 0, eventDensity: 0 }).orders).toHaveLength(0);
    for (const meanOrders of [2.5, 10]) {
      const all = data({ customers: 20_000, now: NOW, meanOrders, eventDensity: 0, batchSize: 5000 });
      const mean = all.orders.length / all.customers.length;
      expect(mean).toBeGreaterThan(meanOrders * 0.85);
      expect(mean).toBeLessThan(meanOrders * 1.15);
    }
  });

  it('have a BG/NBD shape: some never buy, most buyers buy once, a heavy tail buys often', () => {
    const counts = ordersPerCustomer(data({ customers: 20_000, now: NOW, meanOrders: 2.5, eventDensity: 0, batchSize: 5000 }));
    const n = counts.length;
    const buyers = counts.filter((c) => c > 0).length;
    const once = counts.filter((c) => c === 1).length;
    expect((n - buyers) / n).toBeGreaterThan(0.1); // never bought
    expect((n - buyers) / n).toBeLessThan(0.5);
    expect(once / buyers).toBeGreaterThan(0.5); // exactly one order beats 2+
    expect(counts.filter((c) => c >= 10).length / n).toBeGreaterThan(0.02); // heavy tail
    expect(Math.max(...counts)).toBeGreaterThan(30);
    // A loyal brand (meanOrders 10) keeps more buyers: fewer one-timers, more 5+.
    const loyal = ordersPerCustomer(data({ customers: 20_000, now: NOW, meanOrders: 10, eventDensity: 0, batchSize: 5000 }));
    const loyalBuyers = loyal.filter((c) => c > 0).length;
    expect(loyal.filter((c) => c === 1).length / loyalBuyers).toBeLessThan(once / buyers);
    expect(loyal.filter((c) => c >= 5).length / loyalBuyers).toBeGreaterThan(counts.filter((c) => c >= 5).length / buyers);
    expect(Math.max(...loyal)).toBeLessThan(500); // capped rates: nobody orders daily for two years
  });

  it('spikes on 双11', () => {
    const orders = data({ customers: 20_000, now: NOW, meanOrders: 2.5, eventDensity: 0, batchSize: 5000 }).orders;
    const day = (o: DemoOrder) => new Date(o.orderedAt.getTime() + 8 * 3_600_000).toISOString().slice(5, 10);
    const byDay = groupBy(orders, day);
    const eleven = byDay.get('11-11')!.length;
    const ordinary = (byDay.get('09-10')!.length + byDay.get('09-17')!.length + byDay.get('08-20')!.length) / 3;
    expect(eleven).toBeGreaterThan(ordinary * 2.5);
  });
});

describe('events', () => {
  it('follow the Segment spec and link anonymous and member ids through identify', () => {
    const all = base();
    const members = new Map(all.customers.map((c) => [c.id, c.identifiers.find((i) => i.type === 'user_id')?.value ?? null]));
    const devices = new Map(all.customers.map((c) => [c.id, new Set(c.identifiers.filter((i) => i.type === 'anonymous_id').map((i) => i.value))]));
    const registered = new Map<string, number>();
    for (const e of all.events) {
      if (e.type === 'identify') {
        expect(registered.has(e.customerId)).toBe(false);
        registered.set(e.customerId, e.timestamp.getTime());
        expect(e.userId).toBe(members.get(e.customerId));
      }
    }
    const wrong = offenders(all.events, (e) => {
      const at = registered.get(e.customerId);
      const lib = e.context.library as { name: string; version: string };
      const product =
        e.event !== 'Product Viewed' && e.event !== 'Product Added'
          ? true
          : typeof e.properties.sku === 'string' &&
            e.properties.product_id === e.properties.sku &&
            typeof e.properties.price === 'number' &&
            typeof e.properties.category === 'string' &&
            (e.properties.quantity as number) >= 1;
      return (
        (e.event === null) === (e.type !== 'track') &&
        devices.get(e.customerId)!.has(e.anonymousId!) &&
        e.userId === (at !== undefined && e.timestamp.getTime() >= at ? members.get(e.customerId) : null) &&
        /^siyu-/.test(lib.name) &&
        product
      );
    });
    expect(wrong).toEqual([]);
    // Every member registered exactly once (identify), before or at their first order.
    for (const [id, member] of members) expect(registered.has(id)).toBe(member !== null);
  });

  it('include browsing without buying and first-touch campaigns', () => {
    const all = base();
    const buyers = new Set(all.orders.map((o) => o.customerId));
    const views = groupBy(all.events.filter((e) => e.event === 'Product Viewed' && !buyers.has(e.customerId)), (e) => `${e.customerId}|${String(e.properties.category)}`);
    // Hesitant shoppers: viewed 面霜 (say) several times and never bought.
    expect([...views.values()].filter((list) => list.length >= 3).length).toBeGreaterThan(all.customers.length * 0.02);
    expect(all.events.some((e) => e.event === 'Checkout Started' && e.properties.order_id === undefined)).toBe(true);
    const first = groupBy(all.events, (e) => e.customerId);
    for (const c of all.customers) {
      const campaign = first.get(c.id)![0].context.campaign as { source: string; medium: string; name: string };
      expect(campaign.name.length).toBeGreaterThan(0);
      expect(campaign.source.length).toBeGreaterThan(0);
    }
  });

  it('thin with eventDensity but keep every order event', () => {
    const full = base();
    const thin = data({ customers: 4000, now: NOW, eventDensity: 0.2 });
    const count = (all: All, name: string) => all.events.filter((e) => e.event === name).length;
    expect(count(thin, 'Order Completed')).toBe(count(full, 'Order Completed'));
    expect(count(thin, 'Order Refunded')).toBe(count(full, 'Order Refunded'));
    expect(count(thin, 'Product Viewed')).toBeLessThan(count(full, 'Product Viewed') * 0.35);
    expect(count(thin, 'Product Viewed')).toBeGreaterThan(count(full, 'Product Viewed') * 0.1);
  });
});

describe('estimateDemo', () => {
  it('is close to what the generator produces', () => {
    const opts = { customers: 4000, now: NOW };
    const actual = base();
    const estimate = estimateDemo(opts);
    expect(estimate.customers).toBe(4000);
    expect(estimate.orders / actual.orders.length).toBeGreaterThan(0.85);
    expect(estimate.orders / actual.orders.length).toBeLessThan(1.15);
    expect(estimate.events / actual.events.length).toBeGreaterThan(0.85);
    expect(estimate.events / actual.events.length).toBeLessThan(1.15);
    expect(estimateDemo({ customers: 0, now: NOW })).toEqual({ customers: 0, orders: 0, events: 0 });
  });
});

describe('options', () => {
  it('are validated eagerly', () => {
    expect(() => generateDemo({ customers: -1, now: NOW })).toThrow(RangeError);
    expect(() => generateDemo({ customers: 10, now: new Date('nope') })).toThrow(RangeError);
    expect(() => generateDemo({ customers: 10, now: NOW, eventDensity: 2 })).toThrow(RangeError);
    expect(() => generateDemo({ customers: 10, now: NOW, batchSize: 0 })).toThrow(RangeError);
    expect(() => generateDemo({ customers: 10, now: NOW, years: 0 })).toThrow(RangeError);
    expect(() => generateDemo({ customers: 10, now: NOW, from: 11 })).toThrow(RangeError);
    expect([...generateDemo({ customers: 0, now: NOW })]).toEqual([]);
  });
});
