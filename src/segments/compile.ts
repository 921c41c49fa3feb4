import { AppError, type FieldError } from '../core/index.js';
import type { EventsStore } from '../store/index.js';
import { BUILTIN_TRAITS, type Catalog, COMPUTED_TYPES, computedOps, type FieldType, OPS_BY_TYPE } from './catalog.js';
import { type EventSpec, type FieldOp, type PropertyFilter, type Rule, type TimeWindow } from './rules.js';
import { Params, lastDaysStart, localDateEnd, localDateStart, orderAggregates, orderBuyers, remapped } from './sql.js';

/**
 * Compiles a rule into a boolean ClickHouse expression over `u`, a row of customer_profiles.
 * Conditions on the profile are plain predicates; conditions on history are `u.customer_id IN
 * (…)` over subqueries that resolve rows to live customers through OneID, so merged customers
 * count once and their histories add up. Every value is a bound parameter.
 *
 * Every predicate is 0 or 1, never NULL, so `not` is always the exact complement.
 */
export interface CompileEnv {
  events: EventsStore;
  timezone: string;
  now: Date;
  catalog: Catalog;
  /** Latest RFM snapshot, when the rule uses RFM segments. */
  rfmSnapshotId: string | null;
  /** The audience being defined ('segment:<id>', 'tag:<id>', 'lifecycle', 'ltv'): reading it is a cycle. */
  defining?: string;
}

const MAX_NODES = 300;

export class RuleCompiler {
  readonly errors: FieldError[] = [];
  private nodes = 0;
  private readonly tz: string;
  private readonly nowSql: string;

  constructor(
    private readonly env: CompileEnv,
    readonly p: Params,
  ) {
    this.tz = p.add('String', env.timezone);
    this.nowSql = p.time(env.now);
  }

  /** The expression, or a 400 listing every invalid node by its path. */
  static compile(env: CompileEnv, p: Params, r: Rule, path: string): string {
    const c = new RuleCompiler(env, p);
    const sql = c.rule(r, path, env.defining ? [env.defining] : []);
    c.throwIfInvalid();
    return sql;
  }

  throwIfInvalid(): void {
    if (this.errors.length) throw new AppError('validation_failed', `the rule is not valid: ${this.errors[0].path}: ${this.errors[0].message}`, this.errors);
  }

  private fail(path: string, message: string): string {
    this.errors.push({ path, message });
    return '0';
  }

  rule(r: Rule, path: string, stack: string[]): string {
    if (++this.nodes > MAX_NODES) return this.fail(path, `a rule may have at most ${MAX_NODES} conditions, segments it uses included`);
    switch (r.type) {
      case 'and':
      case 'or':
        if (r.rules.length === 0) return this.fail(`${path}.rules`, 'an empty group matches nothing: add a condition or remove the group');
        return `(${r.rules.map((x, i) => this.rule(x, `${path}.rules.${i}`, stack)).join(r.type === 'and' ? ' AND ' : ' OR ')})`;
      case 'not':
        return `NOT (${this.rule(r.rule, `${path}.rule`, stack)})`;
      case 'trait':
        return this.trait(r.field, r.op, r.value, path);
      case 'computed':
        return this.computed(r.field, r.op, r.value, path);
      case 'event':
        return this.event(r, path);
      case 'sequence':
        return this.sequence(r, path);
      case 'orders':
        return this.orders(r, path);
      case 'consent':
        return `(u.consent[${this.p.add('String', r.channel)}] ${r.granted ? '=' : '!='} 1)`;
      case 'rfm':
        if (!this.env.rfmSnapshotId) return this.fail(path, 'there is no RFM snapshot yet');
        return this.inSet('rfm_scores', false, `s.snapshot_id = ${this.p.add('UUID', this.env.rfmSnapshotId)} AND s.segment IN ${this.p.add('Array(String)', r.segments)}`);
      case 'lifecycle':
        return this.audience(path, stack, 'lifecycle', r.stages);
      case 'ltv':
        return this.audience(path, stack, 'ltv', r.tiers);
      case 'tag':
        if (!this.env.catalog.tags.has(r.tagId)) return this.fail(`${path}.tagId`, `there is no tag ${r.tagId}`);
        return this.audience(path, stack, `tag:${r.tagId}`, ['1']);
      case 'segment': {
        const seg = this.env.catalog.segments.get(r.segmentId);
        if (!seg) return this.fail(`${path}.segmentId`, `there is no segment ${r.segmentId}`);
        const key = `segment:${r.segmentId}`;
        if (stack.includes(key)) return this.fail(`${path}.segmentId`, `cycle: segment "${seg.name}" uses itself through ${stack.join(' → ')}`);
        // Inlined, so membership of another segment is as live as the rest of the rule.
        const before = this.errors.length;
        const sql = this.rule(seg.rule, path, [...stack, key]);
        if (this.errors.length > before) {
          const inner = this.errors.splice(before);
          return this.fail(`${path}.segmentId`, `segment "${seg.name}" is not valid: ${inner[0].message}`);
        }
        return sql;
      }
    }
  }

  /** Members of a materialized audience (other than the one being defined). */
  private audience(path: string, stack: string[], audience: string, values: string[]): string {
    if (stack.includes(audience)) return this.fail(path, `cycle: ${audience} cannot depend on itself`);
    return this.inSet('audience_state', true, `s.audience = ${this.p.add('String', audience)} AND s.value IN ${this.p.add('Array(String)', values)}`);
  }

  private inSet(table: string, final: boolean, where: string): string {
    const s = remapped(this.env.events, table, 's', final);
    return `(u.customer_id IN (SELECT ${s.cid} FROM ${s.from} WHERE s.workspace_id = {ws:UUID} AND ${where}))`;
  }

  private trait(field: string, op: FieldOp, value: unknown, path: string): string {
    const builtin = BUILTIN_TRAITS[field];
    const type = this.env.catalog.traits.get(field);
    if (!type) return this.fail(`${path}.field`, `unknown trait "${field}": no customer has it`);
    if (builtin) {
      const col = `u.${builtin.column}`;
      return this.predicate(type, op, value, path, type === 'date' ? { x: col, present: `${col} > toDateTime64(0, 3, 'UTC')` } : { x: col, present: `${col} != ''` });
    }
    const key = this.p.add('String', field);
    const raw = `u.traits[${key}]`;
    // A missing key reads as '': a test that '' fails needs no presence check (a tenth of the lookup's cost).
    const present = type === 'string' && failsForEmpty(op, value) ? '1' : `mapContains(u.traits, ${key})`;
    return this.predicate(type, op, value, path, { x: type === 'number' ? `toFloat64OrNull(${raw})` : raw, present });
  }

  private computed(field: keyof typeof COMPUTED_TYPES, op: FieldOp, value: unknown, path: string): string {
    const type = COMPUTED_TYPES[field];
    if (!computedOps(field).includes(op)) return this.fail(`${path}.op`, `${op} does not apply to ${field} (use one of ${computedOps(field).join(', ')})`);
    const since = (col: string) => `dateDiff('day', toDate(${col}, ${this.tz}), toDate(${this.nowSql}, ${this.tz}))`;
    if (field === 'days_since_first_seen' || field === 'days_since_last_seen') {
      return this.predicate(type, op, value, path, { x: since(field === 'days_since_first_seen' ? 'u.first_seen_at' : 'u.last_seen_at'), present: '1' });
    }
    const agg = {
      order_count: 'sum(n)',
      total_spent_fen: 'sum(net)',
      aov_fen: 'sum(net) / sum(n)',
      first_order_at: 'min(first)',
      last_order_at: 'max(last)',
      days_since_first_order: since('min(first)'),
      days_since_last_order: since('max(last)'),
    }[field];
    const zeroable = field === 'order_count' || field === 'total_spent_fen';
    return this.aggregate(orderAggregates(this.env.events, `o.ordered_at <= ${this.nowSql}`), agg, zeroable, type, op, value, path);
  }

  /**
   * A condition on a per-customer aggregate of `source` (rows with a cid). Customers without
   * rows have no value, or 0 for counts and sums: when 0 satisfies the condition they are in,
   * so the condition becomes "not among those whose aggregate fails it".
   */
  private aggregate(source: string, agg: string, zeroable: boolean, type: FieldType, op: FieldOp, value: unknown, path: string): string {
    if (op === 'exists' || op === 'not_exists') {
      return `(u.customer_id ${op === 'exists' ? '' : 'NOT '}IN (SELECT cid FROM (${source})))`;
    }
    const pred = this.predicate(type, op, value, path, { x: 'agg_value', present: '1' });
    const groups = `SELECT cid FROM (${source}) GROUP BY cid HAVING`;
    if (zeroable && holdsForZero(op, value)) return `(u.customer_id NOT IN (${groups} NOT (${pred.replaceAll('agg_value', agg)})))`;
    return `(u.customer_id IN (${groups} ${pred.replaceAll('agg_value', agg)}))`;
  }

  /** `x op value` for a field of a type; `present` says whether the customer has a value at all. */
  private predicate(type: FieldType, op: FieldOp, value: unknown, path: string, f: { x: string; present: string }): string {
    if (!OPS_BY_TYPE[type].includes(op)) return this.fail(`${path}.op`, `${op} does not apply to a ${type} (use one of ${OPS_BY_TYPE[type].join(', ')})`);
    const p = this.p;
    const bad = (message: string) => this.fail(`${path}.value`, message);
    const has = `(${f.present})`;
    if (op === 'exists' || op === 'not_exists') {
      if (value !== undefined) return bad(`${op} takes no value`);
      return op === 'exists' ? has : `NOT ${has}`;
    }
    const cmp = (sql: string) => `ifNull(${has} AND ${sql}, 0)`;
    switch (type) {
      case 'string': {
        if (op === 'in' || op === 'not_in') {
          if (!Array.isArray(value) || value.length === 0 || !value.every((v) => typeof v === 'string')) return bad(`${op} needs a non-empty list of texts`);
          return cmp(`${f.x} ${op === 'in' ? 'IN' : 'NOT IN'} ${p.add('Array(String)', value)}`);
        }
        if (typeof value !== 'string') return bad(`${op} needs a text`);
        const v = p.add('String', value);
        const sql = { eq: `${f.x} = ${v}`, neq: `${f.x} != ${v}`, contains: `position(${f.x}, ${v}) > 0`, not_contains: `position(${f.x}, ${v}) = 0` }[op as 'eq'];
        return cmp(sql);
      }
      case 'number': {
        if (op === 'between') {
          if (!isRange(value)) return bad('between needs [low, high] numbers, low ≤ high');
          return cmp(`${f.x} BETWEEN ${p.add('Float64', value[0])} AND ${p.add('Float64', value[1])}`);
        }
        if (typeof value !== 'number') return bad(`${op} needs a number`);
        return cmp(`${f.x} ${SQL_CMP[op as keyof typeof SQL_CMP]} ${p.add('Float64', value)}`);
      }
      case 'boolean':
        if (typeof value !== 'boolean') return bad('eq needs true or false');
        return cmp(`${f.x} = ${p.add('String', String(value))}`);
      case 'date':
        return this.datePredicate(op, value, f.x, has, bad);
    }
  }

  private datePredicate(op: FieldOp, value: unknown, x: string, has: string, bad: (m: string) => string): string {
    const p = this.p;
    const tz = this.env.timezone;
    const cmp = (sql: string) => `ifNull(${has} AND ${sql}, 0)`;
    if (op === 'within_last' || op === 'before_last') {
      if (!Number.isInteger(value) || (value as number) < 1) return bad(`${op} needs a whole number of days ≥ 1`);
      const start = p.time(lastDaysStart(this.env.now, tz, value as number));
      return cmp(op === 'within_last' ? `${x} >= ${start}` : `${x} < ${start}`);
    }
    if (op === 'between') {
      if (!Array.isArray(value) || value.length !== 2 || !value.every(isDate) || value[0] > value[1]) return bad('between needs [from, to] local dates (YYYY-MM-DD), from ≤ to');
      return cmp(`${x} >= ${p.time(localDateStart(value[0], tz))} AND ${x} < ${p.time(localDateEnd(value[1], tz))}`);
    }
    if (!isDate(value)) return bad(`${op} needs a local date (YYYY-MM-DD)`);
    return cmp(op === 'before' ? `${x} < ${p.time(localDateStart(value, tz))}` : `${x} >= ${p.time(localDateEnd(value, tz))}`);
  }

  private window(time: TimeWindow | undefined, column: string, path: string): string {
    const upTo = `${column} <= ${this.nowSql}`;
    if (!time) return upTo;
    if ('lastDays' in time) return `${column} >= ${this.p.time(lastDaysStart(this.env.now, this.env.timezone, time.lastDays))} AND ${upTo}`;
    if (time.from > time.to) return this.fail(`${path}.time`, 'from is after to');
    return `${column} >= ${this.p.time(localDateStart(time.from, this.env.timezone))} AND ${column} < ${this.p.time(localDateEnd(time.to, this.env.timezone))} AND ${upTo}`;
  }

  private eventMatch(spec: EventSpec, path: string): string {
    const filters = (spec.where ?? []).map((w, i) => this.property(w, `${path}.where.${i}`));
    return [`e.event = ${this.p.add('String', spec.event)}`, ...filters].join(' AND ');
  }

  private event(r: Extract<Rule, { type: 'event' }>, path: string): string {
    const e = remapped(this.env.events, 'events', 'e');
    const match = `e.workspace_id = {ws:UUID} AND ${this.eventMatch(r, path)} AND ${this.window(r.time, 'e.timestamp', path)}`;
    let did: string;
    if (r.per) {
      if (!r.count || holdsForZero(r.count.op, r.count.value)) return this.fail(`${path}.count`, 'per needs a count that 0 does not satisfy (e.g. gte 3)');
      const args = this.propertyPath(r.per, `${path}.per`);
      const pred = this.predicate('number', r.count.op, r.count.value, `${path}.count`, { x: 'uniqExact(e.message_id)', present: '1' });
      did = `(u.customer_id IN (SELECT ${e.cid} AS cid FROM ${e.from} WHERE ${match} AND JSONHas(e.properties, ${args})
        GROUP BY cid, JSONExtractRaw(e.properties, ${args}) HAVING ${pred}))`;
    } else {
      const source = `SELECT ${e.cid} AS cid, e.message_id AS mid FROM ${e.from} WHERE ${match}`;
      did = r.count
        ? this.aggregate(source, 'uniqExact(mid)', true, 'number', r.count.op, r.count.value, `${path}.count`)
        : `(u.customer_id IN (SELECT cid FROM (${source})))`;
    }
    return r.did === false ? `NOT ${did}` : did;
  }

  /** A then B: B strictly after A and at most withinHours later (ClickHouse windowFunnel). */
  private sequence(r: Extract<Rule, { type: 'sequence' }>, path: string): string {
    const e = remapped(this.env.events, 'events', 'e');
    const a = this.eventMatch(r.first, `${path}.first`);
    const b = this.eventMatch(r.then, `${path}.then`);
    const windowMs = this.p.add('UInt64', Math.round(r.withinHours * 3_600_000));
    return `(u.customer_id IN (SELECT cid FROM (
      SELECT ${e.cid} AS cid, windowFunnel(${windowMs}, 'strict_increase')(toUInt64(toUnixTimestamp64Milli(e.timestamp)), ${a}, ${b}) AS level
      FROM ${e.from}
      WHERE e.workspace_id = {ws:UUID} AND e.event IN ${this.p.add('Array(String)', [r.first.event, r.then.event])} AND ${this.window(r.time, 'e.timestamp', path)}
      GROUP BY cid) WHERE level = 2))`;
  }

  private orders(r: Extract<Rule, { type: 'orders' }>, path: string): string {
    const product = r.product
      ? [r.product.skus && `hasAny(o.skus, ${this.p.add('Array(String)', r.product.skus)})`, r.product.categories && `hasAny(o.categories, ${this.p.add('Array(String)', r.product.categories)})`].filter(Boolean)
      : [];
    if (r.product && product.length === 0) return this.fail(`${path}.product`, 'give skus or categories');
    const when = this.window(r.time, 'o.ordered_at', path);
    const filter = product.length ? product.join(' OR ') : undefined;
    // "Bought" and "did not buy" only need the buyers, not their counts.
    const buyers = r.metric === 'count' ? holdsForAnyPurchase(r.op, r.value) : null;
    if (buyers !== null && buyers !== holdsForZero(r.op, r.value)) {
      return `(u.customer_id ${buyers ? '' : 'NOT '}IN (SELECT cid FROM (${orderBuyers(this.env.events, when, filter)})))`;
    }
    const source = orderAggregates(this.env.events, when, filter);
    return this.aggregate(source, r.metric === 'count' ? 'sum(n)' : 'sum(net)', true, 'number', r.op, r.value, path);
  }

  /** Bound path segments of an event property (a.b reads nested objects). */
  private propertyPath(property: string, path: string): string {
    const segments = property.split('.');
    if (segments.some((x) => x === '')) {
      this.fail(path, 'a property path has no empty parts');
      return "''";
    }
    return segments.map((x) => this.p.add('String', x)).join(', ');
  }

  /** An event property: its type is the value's type (text, number or boolean). */
  private property(w: PropertyFilter, path: string): string {
    const args = this.propertyPath(w.property, `${path}.property`);
    const has = `JSONHas(e.properties, ${args})`;
    const numeric = typeof w.value === 'number' || (Array.isArray(w.value) && typeof w.value[0] === 'number');
    const type: FieldType = typeof w.value === 'boolean' ? 'boolean' : numeric || ['gt', 'gte', 'lt', 'lte', 'between'].includes(w.op) ? 'number' : 'string';
    if ((w.op === 'in' || w.op === 'not_in') && numeric) return this.fail(`${path}.value`, `${w.op} compares texts`);
    const x = { string: `JSONExtractString(e.properties, ${args})`, number: `JSONExtractFloat(e.properties, ${args})`, boolean: `if(JSONExtractBool(e.properties, ${args}), 'true', 'false')`, date: '' }[type];
    return this.predicate(type, w.op, w.value, path, { x, present: has });
  }
}

const SQL_CMP = { eq: '=', neq: '!=', gt: '>', gte: '>=', lt: '<', lte: '<=' } as const;

function isRange(v: unknown): v is [number, number] {
  return Array.isArray(v) && v.length === 2 && v.every((n) => typeof n === 'number' && Number.isFinite(n)) && v[0] <= v[1];
}

function isDate(v: unknown): v is string {
  return typeof v === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(v) && !Number.isNaN(Date.parse(`${v}T00:00:00Z`));
}

/** Whether a text test (eq or in) fails for the empty text, which is what a missing map key reads as. */
function failsForEmpty(op: FieldOp, value: unknown): boolean {
  if (op === 'eq') return typeof value === 'string' && value !== '';
  return op === 'in' && Array.isArray(value) && !value.includes('');
}

/**
 * Whether every purchase count ≥ 1 satisfies `op value` (true), none does (false), or it depends
 * on the count (null): with true, a count condition means "bought"; with false, "did not buy".
 */
function holdsForAnyPurchase(op: FieldOp, value: unknown): boolean | null {
  if (typeof value !== 'number' || !Number.isFinite(value)) return null;
  switch (op) {
    case 'gte': return value <= 1 ? true : null;
    case 'gt': return value < 1 ? true : null;
    case 'lte': return value < 1 ? false : null;
    case 'lt': return value <= 1 ? false : null;
    case 'eq': return value < 1 || !Number.isInteger(value) ? false : null;
    case 'neq': return value < 1 || !Number.isInteger(value) ? true : null;
    default: return null;
  }
}

/** Whether a customer with no rows (count 0, sum 0) satisfies `op value`. */
function holdsForZero(op: FieldOp, value: unknown): boolean {
  if (op === 'between') return isRange(value) && value[0] <= 0 && 0 <= value[1];
  if (typeof value !== 'number') return false;
  switch (op) {
    case 'eq': return value === 0;
    case 'neq': return value !== 0;
    case 'gt': return 0 > value;
    case 'gte': return 0 >= value;
    case 'lt': return 0 < value;
    case 'lte': return 0 <= value;
    default: return false;
  }
}
