import { yuanToFen } from '../core/index.js';

/**
 * Cell parsers. CSV cells are text; JSONL cells may be any JSON value. Each returns the parsed
 * value, `undefined` for an empty cell, or a `Bad` with a reason fit for the error report.
 */
export class Bad {
  constructor(readonly reason: string) {}
}
export type Parsed<T> = T | undefined | Bad;

export function isError<T>(v: Parsed<T>): v is Bad {
  return v instanceof Bad;
}

const bad = (reason: string) => new Bad(reason);

/** What exports write for "no value" (database NULLs, Excel's #N/A, dashes, 无). */
const EMPTY = new Set(['', '-', '--', '—', '/', 'n/a', 'na', '#n/a', 'null', '\\n', 'none', '无', '暂无', '空']);

/** The cell as trimmed text; numbers as written; objects are an error. */
export function text(v: unknown): Parsed<string> {
  if (v === null || v === undefined) return undefined;
  if (typeof v === 'number' || typeof v === 'bigint') return Number.isFinite(Number(v)) ? String(v) : bad('is not a finite number');
  if (typeof v === 'boolean') return String(v);
  if (typeof v !== 'string') return bad('must be text or a number, not an object or a list');
  const t = v.trim();
  return EMPTY.has(t.toLowerCase()) ? undefined : t;
}

const MAX_YUAN = 100_000_000;

/** Yuan as exports write them: 1299, 1,299.00, ¥1299, 1299元, RMB 1299. */
export function yuan(v: unknown): Parsed<number> {
  const t = text(v);
  if (t === undefined || isError(t)) return t;
  const cleaned = t.replace(/^(¥|￥|rmb|cny)\s*/i, '').replace(/\s*元$/, '').replace(/,/g, '');
  if (!/^-?\d+(\.\d+)?$/.test(cleaned)) return bad('is not an amount');
  const n = Number(cleaned);
  if (n < 0) return bad('must not be negative');
  if (n > MAX_YUAN) return bad('is not a plausible amount (over 100,000,000 yuan)');
  return yuanToFen(n);
}

/** Integer fen. */
export function fen(v: unknown): Parsed<number> {
  const t = text(v);
  if (t === undefined || isError(t)) return t;
  if (!/^-?\d+$/.test(t)) return bad('is not a whole number of fen');
  const n = Number(t);
  if (n < 0) return bad('must not be negative');
  if (n > MAX_YUAN * 100) return bad('is not a plausible amount (over 100,000,000 yuan)');
  return n;
}

export function quantity(v: unknown): Parsed<number> {
  const t = text(v);
  if (t === undefined || isError(t)) return t;
  if (!/^-?\d+(\.0+)?$/.test(t)) return bad('is not a whole number');
  const n = Number(t);
  if (n < 0) return bad('must not be negative');
  if (n > 1_000_000) return bad('is not a plausible quantity');
  return n;
}

const LOCAL_TIME = /^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[ T](\d{1,2}):(\d{1,2})(?::(\d{1,2})(?:\.(\d{1,6}))?)?)?$/;

/** 2025年5月1日 12时30分 → 2025-5-1 12:30, so one pattern reads both. */
function westernize(t: string): string {
  return t
    .replace(/[年月]/g, '-')
    .replace(/日/g, ' ')
    .replace(/[时点分]/g, ':')
    .replace(/秒/g, '')
    .trim()
    .replace(/:$/, '')
    .replace(/\s+/g, ' ');
}
const ZONED = /(Z|[+-]\d{2}(:?\d{2})?)$/i;

/**
 * An instant: ISO 8601 with a zone, epoch seconds or milliseconds, or a local date and time
 * (2024-05-01 12:30, 2024/5/1, 2024年5月1日 12:30) read in the workspace's time zone.
 */
export function time(v: unknown, timeZone: string): Parsed<Date> {
  const t = text(v);
  if (t === undefined || isError(t)) return t;
  if (/^\d{10}(\.\d+)?$/.test(t)) return new Date(Math.round(Number(t) * 1000));
  if (/^\d{13}$/.test(t)) return new Date(Number(t));
  const local = westernize(t).match(LOCAL_TIME);
  if (local) {
    const [y, mo, d, h = '0', mi = '0', s = '0', frac = '0'] = local.slice(1).map((x) => x ?? undefined);
    const parts = [+y, +mo, +d, +h, +mi, +s];
    if (!validParts(parts)) return bad('is not a valid date');
    return new Date(localToUtc(parts, Math.round(Number(`0.${frac}`) * 1000), timeZone));
  }
  if (/^\d{4}-\d{2}-\d{2}T/.test(t) && ZONED.test(t)) {
    const ms = Date.parse(t);
    if (!Number.isNaN(ms)) return new Date(ms);
  }
  return bad('is not a date and time (e.g. 2024-05-01 12:30:00 or ISO 8601)');
}

/** A calendar date, YYYY-MM-DD, as written (no zone: a birthday is the same day everywhere). */
export function date(v: unknown): Parsed<string> {
  const t = text(v);
  if (t === undefined || isError(t)) return t;
  const m = westernize(t).match(LOCAL_TIME);
  if (!m || m[4] !== undefined) return bad('is not a date (e.g. 1990-05-01)');
  const parts = [+m[1], +m[2], +m[3], 0, 0, 0];
  if (!validParts(parts) || parts[0] < 1900) return bad('is not a valid date');
  return `${m[1]}-${m[2].padStart(2, '0')}-${m[3].padStart(2, '0')}`;
}

function validParts([y, mo, d, h, mi, s]: number[]): boolean {
  const at = new Date(Date.UTC(y, mo - 1, d, h, mi, s));
  return at.getUTCFullYear() === y && at.getUTCMonth() === mo - 1 && at.getUTCDate() === d && h < 24 && mi < 60 && s < 60;
}

const formatters = new Map<string, Intl.DateTimeFormat>();
/** Offsets by zone and quarter hour (no zone changes offset between quarters): Intl is slow per row. */
const offsets = new Map<string, number>();

/** The zone's offset from UTC at an instant, in ms. */
function offsetAt(ms: number, timeZone: string): number {
  const key = `${timeZone}\u0000${Math.floor(ms / 900_000)}`;
  const known = offsets.get(key);
  if (known !== undefined) return known;
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' });
    formatters.set(timeZone, f);
  }
  const p = Object.fromEntries(f.formatToParts(new Date(ms)).map((x) => [x.type, x.value]));
  const offset = Date.UTC(+p.year, +p.month - 1, +p.day, +p.hour, +p.minute, +p.second) - Math.floor(ms / 1000) * 1000;
  if (offsets.size > 100_000) offsets.clear();
  offsets.set(key, offset);
  return offset;
}

/** Wall-clock time in a zone → UTC ms; the offset is checked again at the result for DST edges. */
function localToUtc([y, mo, d, h, mi, s]: number[], ms: number, timeZone: string): number {
  const wall = Date.UTC(y, mo - 1, d, h, mi, s, ms);
  const first = wall - offsetAt(wall, timeZone);
  const second = wall - offsetAt(first, timeZone);
  return second;
}

export type OrderStatus = 'completed' | 'refunded';

const STATUSES: Record<string, OrderStatus | 'unpaid'> = Object.fromEntries([
  ...['completed', 'complete', 'paid', 'success', 'succeeded', 'finished', 'done', 'shipped', 'delivered', 'closed_paid', 'trade_finished', 'wait_seller_send_goods', 'wait_buyer_confirm_goods'].map((s) => [s, 'completed']),
  ...['已完成', '完成', '已付款', '已支付', '支付成功', '交易成功', '交易完成', '已发货', '待发货', '已收货', '已签收', '买家已付款', '卖家已发货', '部分退款'].map((s) => [s, 'completed']),
  ...['refunded', 'refund', 'fully_refunded', 'returned', '已退款', '退款成功', '全额退款', '已退货', '退款完成'].map((s) => [s, 'refunded']),
  ...['cancelled', 'canceled', 'unpaid', 'pending', 'wait_buyer_pay', 'trade_closed_by_taobao', '已取消', '取消', '待付款', '未付款', '等待买家付款', '交易关闭', '已关闭'].map((s) => [s, 'unpaid']),
]) as Record<string, OrderStatus | 'unpaid'>;

/** Completed (the default) or refunded; unpaid and cancelled orders are refused, they are not sales. */
export function orderStatus(v: unknown): Parsed<OrderStatus> {
  const t = text(v);
  if (t === undefined || isError(t)) return t;
  const s = STATUSES[t.toLowerCase().replace(/[\s-]+/g, '_')];
  if (s === 'unpaid') return bad(`"${t}" is an unpaid or cancelled order: only completed and refunded orders are imported`);
  return s ?? bad(`is not a known order status (completed, refunded, 已完成, 已退款 …)`);
}

const GENDERS: Record<string, 'male' | 'female' | null> = {
  男: 'male', male: 'male', m: 'male', man: 'male', '1': 'male', 先生: 'male',
  女: 'female', female: 'female', f: 'female', woman: 'female', '2': 'female', 女士: 'female',
  未知: null, unknown: null, '0': null, 保密: null,
};

export function gender(v: unknown): Parsed<'male' | 'female'> {
  const t = text(v);
  if (t === undefined || isError(t)) return t;
  const g = GENDERS[t.toLowerCase()];
  if (g === undefined) return bad('is not a gender (男/女, male/female, M/F)');
  return g ?? undefined;
}

/**
 * A free-form trait or property: JSON values stay as they are; CSV text that is exactly a
 * number becomes one (so rules can compare it), anything else (0123, 1e5, ids) stays text.
 */
export function loose(v: unknown): unknown {
  if (typeof v !== 'string') return v ?? undefined;
  const t = text(v);
  if (t === undefined || isError(t)) return undefined;
  if (/^-?(0|[1-9]\d{0,14})(\.\d*[1-9])?$/.test(t)) return Number(t);
  if (t === 'true' || t === 'false') return t === 'true';
  return t;
}

/** A JSON value of one kind, given as such in JSONL or as JSON text in a CSV cell. */
function json<T>(v: unknown, fits: (x: object) => boolean, what: string): Parsed<T> {
  let value = v;
  if (typeof v === 'string') {
    const t = text(v);
    if (t === undefined || isError(t)) return t;
    try {
      value = JSON.parse(t);
    } catch {
      return bad(`is not ${what}`);
    }
  }
  if (value === null || value === undefined) return undefined;
  return typeof value === 'object' && fits(value) ? (value as T) : bad(`is not ${what}`);
}

/** A JSON object given as a JSONL object or as JSON text in a CSV cell. */
export const object = (v: unknown): Parsed<Record<string, unknown>> => json(v, (x) => !Array.isArray(x), 'a JSON object');

/** A JSON list given as a JSONL list or as JSON text in a CSV cell. */
export const list = (v: unknown): Parsed<unknown[]> => json(v, Array.isArray, 'a JSON list');
