import { AppError, type FieldError } from '../core/index.js';
import { EVENT_PROPERTY_COLUMNS, type EventsStore } from '../store/index.js';
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
 *
 * A rule that is an AND of conditions (or one condition) can name its candidates: the members
 * of one of its positive sets that is small by construction (driverRank: an event in the last
 * 90 days, one or two RFM segments, …), a superset of its matches. The rule is then tested on
 * the candidates only, and every other condition reads only the rows of candidates (their
 * stored customer ids, merged ones included), so "viewed 面霜 in 30 days and in 重要挽留 and did
 * not buy" builds the buyers of the candidates rather than of everyone, and trait values of
 * candidates come from trait_index instead of every profile's map.
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
  /** Whether the workspace has merged customers (hasMerges); without, history needs no OneID remap. */
  merges: boolean;
}

/** A compiled rule: the expression over `u`, and the SQL of its candidates (column cid) when it has any. */
export interface CompiledRule {
  expr: string;
  candidates: string | null;
  /** Whether history rows of merged customers count for their survivors (see CompileEnv). */
  merges: boolean;
}

/** The WITH entry of alias roots that matchingSql defines for a rule with merges: computed once, joined by every condition on history. */
export const RULE_REMAP = 'rule_remap';
/** Names of the WITH entries matchingSql defines for a rule with candidates. */
export const CANDIDATES = { cids: 'SELECT cid FROM rule_candidates', ids: 'SELECT id FROM rule_candidate_ids' } as const;

/** How a condition reads: membership of a set of live customers (column cid), or a plain predicate over `u`. */
type Cond = { set: string; negated: boolean } | { expr: string };

const MAX_NODES = 300;

export class RuleCompiler {
  readonly errors: FieldError[] = [];
  private nodes = 0;
  private readonly tz: string;
  private readonly nowSql: string;

  /**
   * @param scope when set, the rule is tested on candidates only: history reads only the rows of
   *   `ids` (stored customer ids), trait tests read trait_index for `cids` (live customer ids).
   */
  constructor(
    private readonly env: CompileEnv,
    readonly p: Params,
    private readonly scope: { ids: string; cids: string } | null = null,
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

  /**
   * The expression and, when the rule has a positive set at its top level, its candidates: the
   * members of the set expected to be smallest (driverRank), read in full; every other condition
   * then reads only the candidates' rows.
   */
  static compileRule(env: CompileEnv, p: Params, r: Rule, path: string): CompiledRule {
    const stack = env.defining ? [env.defining] : [];
    const conjuncts = topLevelConjuncts(r, path);
    const ranked = conjuncts.map((x, i) => ({ i, rank: driverRank(x.rule) })).filter((x) => x.rank !== null);
    ranked.sort((a, b) => a.rank! - b.rank! || a.i - b.i);
    // The candidates' set (its errors are reported by the compilation below).
    const chosen = ranked.length ? new RuleCompiler(env, p).driver(conjuncts[ranked[0].i].rule, conjuncts[ranked[0].i].path, stack) : null;
    if (!chosen) return { expr: RuleCompiler.compile(env, p, r, path), candidates: null, merges: env.merges };
    const c = new RuleCompiler(env, p, CANDIDATES);
    c.nodes += conjuncts.groups;
    // A candidate is in the driving set: that condition holds (it is still compiled, for its errors).
    const parts = conjuncts.map((x, i) => {
      const sql = c.rule(x.rule, x.path, stack);
      return i === ranked[0].i ? '1' : sql;
    });
    c.throwIfInvalid();
    return { expr: parts.join(' AND '), candidates: chosen, merges: env.merges };
  }

  /** The set of live customers (column cid) a top-level condition holds only for, read in full. */
  private driver(r: Rule, path: string, stack: string[]): string | null {
    const cond = this.condition(r, path, stack);
    return cond && 'set' in cond && !cond.negated ? cond.set : null;
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
      case 'consent':
        return `(u.consent[${this.p.add('String', r.channel)}] ${r.granted ? '=' : '!='} 1)`;
      case 'computed':
      case 'event':
      case 'sequence':
      case 'orders':
      case 'rfm':
      case 'lifecycle':
      case 'ltv':
      case 'tag': {
        const c = this.condition(r, path, stack);
        if (!c) return '0';
        return 'expr' in c ? c.expr : `(u.customer_id ${c.negated ? 'NOT ' : ''}IN (${c.set}))`;
      }
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

  /** A condition on history or on a materialized audience; null after a validation error. */
  private condition(r: Rule, path: string, stack: string[]): Cond | null {
    switch (r.type) {
      case 'computed':
        return this.computed(r.field, r.op, r.value, path);
      case 'event':
        return this.event(r, path);
      case 'sequence':
        return this.sequence(r, path);
      case 'orders':
        return this.orders(r, path);
      case 'rfm':
        if (!this.env.rfmSnapshotId) return this.failed(path, 'there is no RFM snapshot yet');
        return this.inSet('rfm_scores', false, `s.snapshot_id = ${this.p.add('UUID', this.env.rfmSnapshotId)} AND s.segment IN ${this.p.add('Array(String)', r.segments)}`);
      case 'lifecycle':
        return this.audience(path, stack, 'lifecycle', r.stages);
      case 'ltv':
        return this.audience(path, stack, 'ltv', r.tiers);
      case 'tag':
        if (!this.env.catalog.tags.has(r.tagId)) return this.failed(`${path}.tagId`, `there is no tag ${r.tagId}`);
        return this.audience(path, stack, `tag:${r.tagId}`, ['1']);
      default:
        return null;
    }
  }

  private failed(path: string, message: string): null {
    this.fail(path, message);
    return null;
  }

  /** Members of a materialized audience (other than the one being defined). */
  private audience(path: string, stack: string[], audience: string, values: string[]): Cond | null {
    if (stack.includes(audience)) return this.failed(path, `cycle: ${audience} cannot depend on itself`);
    return this.inSet('audience_state', true, `s.audience = ${this.p.add('String', audience)} AND s.value IN ${this.p.add('Array(String)', values)}`);
  }

  private inSet(table: string, final: boolean, where: string): Cond {
    const s = remapped(this.env.events, table, 's', final, this.env.merges, RULE_REMAP);
    return { set: `SELECT ${s.cid} AS cid FROM ${s.from} WHERE s.workspace_id = {ws:UUID} AND ${where}${this.within('s.customer_id')}`, negated: false };
  }

  /** With candidates, ` AND <column> IN (their stored ids)`: a history row counts only for a candidate. */
  private within(column: string): string {
    return this.scope ? ` AND ${column} IN (${this.scope.ids})` : '';
  }

  private trait(field: string, op: FieldOp, value: unknown, path: string): string {
    const builtin = BUILTIN_TRAITS[field];
    const type = this.env.catalog.traits.get(field);
    if (!type) return this.fail(`${path}.field`, `unknown trait "${field}": no customer has it`);
    if (builtin) {
      const col = `u.${builtin.column}`;
      return this.predicate(type, op, value, path, type === 'date' ? { x: col, present: `${col} > toDateTime64(0, 3, 'UTC')` } : { x: col, present: `${col} != ''` });
    }
    if (this.scope) {
      // The candidates' values from trait_index, kept when they are the current profile row's
      // (same traits hash: a value only an older row had, or that a newer row dropped, fails).
      const t = this.traitIndex(field, type, op, value, path, 'customer_id, traits_hash', this.scope.cids);
      return `(${t.negated ? 'NOT ' : ''}(u.customer_id, u.traits_hash) IN (${t.sql}))`;
    }
    const key = this.p.add('String', field);
    const raw = `u.traits[${key}]`;
    // A missing key reads as '': a test that '' fails needs no presence check (a tenth of the lookup's cost).
    const present = type === 'string' && failsForEmpty(op, value) ? '1' : `mapContains(u.traits, ${key})`;
    return this.predicate(type, op, value, path, { x: type === 'number' ? `toFloat64OrNull(${raw})` : raw, present });
  }

  /**
   * Rows of trait_index for a trait test (`columns` of them, of the customers in `within` when
   * given). A missing key fails every test but not_exists, so the rows holding the key with a
   * value that passes are exactly the customers that pass; `exists` takes all rows of the key.
   */
  private traitIndex(field: string, type: FieldType, op: FieldOp, value: unknown, path: string, columns: string, within: string | null): { sql: string; negated: boolean } {
    const x = type === 'number' ? 'toFloat64OrNull(t.value)' : 't.value';
    const test = this.predicate(type, op, value, path, { x, present: '1' });
    // not_exists: the complement of every row of the key.
    const negated = op === 'not_exists';
    return {
      sql: `SELECT ${columns} FROM ${this.env.events.table('trait_index')} AS t
      WHERE t.workspace_id = {ws:UUID} AND t.key = ${this.p.add('String', field)} AND ${negated ? '1' : test}${within ? ` AND t.customer_id IN (${within})` : ''}`,
      negated,
    };
  }

  private computed(field: keyof typeof COMPUTED_TYPES, op: FieldOp, value: unknown, path: string): Cond | null {
    const type = COMPUTED_TYPES[field];
    if (!computedOps(field).includes(op)) return this.failed(`${path}.op`, `${op} does not apply to ${field} (use one of ${computedOps(field).join(', ')})`);
    const since = (col: string) => `dateDiff('day', toDate(${col}, ${this.tz}), toDate(${this.nowSql}, ${this.tz}))`;
    if (field === 'days_since_first_seen' || field === 'days_since_last_seen') {
      return { expr: this.predicate(type, op, value, path, { x: since(field === 'days_since_first_seen' ? 'u.first_seen_at' : 'u.last_seen_at'), present: '1' }) };
    }
    // Without merges the rows are one per customer already: plain columns, no second grouping.
    const m = this.env.merges;
    const agg = {
      order_count: m ? 'sum(n)' : 'n',
      total_spent_fen: m ? 'sum(net)' : 'net',
      aov_fen: m ? 'sum(net) / sum(n)' : 'net / n',
      first_order_at: m ? 'min(first)' : 'first',
      last_order_at: m ? 'max(last)' : 'last',
      days_since_first_order: since(m ? 'min(first)' : 'first'),
      days_since_last_order: since(m ? 'max(last)' : 'last'),
    }[field];
    const zeroable = field === 'order_count' || field === 'total_spent_fen';
    return this.aggregate(this.orderAggregates(`o.ordered_at <= ${this.nowSql}`), agg, zeroable, type, op, value, path, !m);
  }

  private orderAggregates(when: string, filter?: string): string {
    return orderAggregates(this.env.events, when, filter, this.within('o.customer_id'), this.env.merges, RULE_REMAP);
  }

  /**
   * A condition on a per-customer aggregate of `source` (rows with a cid). Customers without
   * rows have no value, or 0 for counts and sums: when 0 satisfies the condition they are in,
   * so the condition becomes "not among those whose aggregate fails it".
   */
  private aggregate(source: string, agg: string, zeroable: boolean, type: FieldType, op: FieldOp, value: unknown, path: string, perCustomer = false): Cond {
    if (op === 'exists' || op === 'not_exists') {
      return { set: `SELECT cid FROM (${source})`, negated: op === 'not_exists' };
    }
    const pred = this.predicate(type, op, value, path, { x: 'agg_value', present: '1' });
    // `source` has one row per customer (perCustomer) or several to aggregate.
    const groups = perCustomer ? `SELECT cid FROM (${source}) WHERE` : `SELECT cid FROM (${source}) GROUP BY cid HAVING`;
    if (zeroable && holdsForZero(op, value)) return { set: `${groups} NOT (${pred.replaceAll('agg_value', agg)})`, negated: true };
    return { set: `${groups} ${pred.replaceAll('agg_value', agg)}`, negated: false };
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

  private event(r: Extract<Rule, { type: 'event' }>, path: string): Cond | null {
    const e = remapped(this.env.events, 'events', 'e', false, this.env.merges, RULE_REMAP);
    const match = `e.workspace_id = {ws:UUID} AND ${this.eventMatch(r, path)} AND ${this.window(r.time, 'e.timestamp', path)}${this.within('e.customer_id')}`;
    let did: Cond;
    if (r.per) {
      if (!r.count || holdsForZero(r.count.op, r.count.value)) return this.failed(`${path}.count`, 'per needs a count that 0 does not satisfy (e.g. gte 3)');
      const args = this.propertyPath(r.per, `${path}.per`);
      const pred = this.predicate('number', r.count.op, r.count.value, `${path}.count`, { x: 'uniqExact(e.message_id)', present: '1' });
      did = {
        set: `SELECT ${e.cid} AS cid FROM ${e.from} WHERE ${match} AND JSONHas(e.properties, ${args})
        GROUP BY cid, JSONExtractRaw(e.properties, ${args}) HAVING ${pred}`,
        negated: false,
      };
    } else {
      const source = `SELECT ${e.cid} AS cid, e.message_id AS mid FROM ${e.from} WHERE ${match}`;
      did = r.count ? this.aggregate(source, 'uniqExact(mid)', true, 'number', r.count.op, r.count.value, `${path}.count`) : { set: `SELECT cid FROM (${source})`, negated: false };
    }
    return r.did === false ? negate(did) : did;
  }

  /** A then B: B strictly after A and at most withinHours later (ClickHouse windowFunnel). */
  private sequence(r: Extract<Rule, { type: 'sequence' }>, path: string): Cond {
    const e = remapped(this.env.events, 'events', 'e', false, this.env.merges, RULE_REMAP);
    const a = this.eventMatch(r.first, `${path}.first`);
    const b = this.eventMatch(r.then, `${path}.then`);
    const windowMs = this.p.add('UInt64', Math.round(r.withinHours * 3_600_000));
    return {
      set: `SELECT cid FROM (
      SELECT ${e.cid} AS cid, windowFunnel(${windowMs}, 'strict_increase')(toUInt64(toUnixTimestamp64Milli(e.timestamp)), ${a}, ${b}) AS level
      FROM ${e.from}
      WHERE e.workspace_id = {ws:UUID} AND e.event IN ${this.p.add('Array(String)', [r.first.event, r.then.event])} AND ${this.window(r.time, 'e.timestamp', path)}${this.within('e.customer_id')}
      GROUP BY cid) WHERE level = 2`,
      negated: false,
    };
  }

  private orders(r: Extract<Rule, { type: 'orders' }>, path: string): Cond | null {
    const product = r.product
      ? [r.product.skus && `hasAny(o.skus, ${this.p.add('Array(String)', r.product.skus)})`, r.product.categories && `hasAny(o.categories, ${this.p.add('Array(String)', r.product.categories)})`].filter(Boolean)
      : [];
    if (r.product && product.length === 0) return this.failed(`${path}.product`, 'give skus or categories');
    const when = this.window(r.time, 'o.ordered_at', path);
    const filter = product.length ? product.join(' OR ') : undefined;
    const within = this.within('o.customer_id');
    // "Bought" and "did not buy" only need the buyers, not their counts.
    const buyers = r.metric === 'count' ? holdsForAnyPurchase(r.op, r.value) : null;
    if (buyers !== null && buyers !== holdsForZero(r.op, r.value)) {
      return { set: `SELECT cid FROM (${orderBuyers(this.env.events, when, filter, within, this.env.merges, RULE_REMAP)})`, negated: !buyers };
    }
    const m = this.env.merges;
    return this.aggregate(this.orderAggregates(when, filter), r.metric === 'count' ? (m ? 'sum(n)' : 'n') : m ? 'sum(net)' : 'net', true, 'number', r.op, r.value, path, !m);
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
    // A product property of the e-commerce spec is a column of events holding the same text.
    const column = type === 'string' ? EVENT_PROPERTY_COLUMNS[w.property] : undefined;
    if (column) return this.predicate(type, w.op, w.value, path, { x: `e.${column}`, present: failsForEmpty(w.op, w.value) ? '1' : has });
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

/**
 * How small a top-level condition's set of customers is expected to be (lower is smaller), or
 * null when it should not drive: testing a rule on candidates pays when they are a small part
 * of the customers, and costs up to a quarter more than one pass over every profile when they
 * are most of them (measured at 10^6 customers: a 365-day "did order" as driver). So only sets
 * that are small by construction drive: an event (or sequence) in at most 90 days, then one or
 * two RFM segments, purchases in at most 90 days, then a tag or one lifecycle stage or LTV
 * tier. Traits never drive (a common value reads more of trait_index than one pass over the
 * profiles' maps costs).
 */
const DRIVING_DAYS = 90;

function driverRank(r: Rule): number | null {
  const short = (time: TimeWindow | undefined) => time !== undefined && windowDays(time) <= DRIVING_DAYS;
  switch (r.type) {
    case 'event':
      return r.did !== false && short(r.time) ? 1 : null;
    case 'sequence':
      return short(r.time) ? 1 : null;
    case 'rfm':
      return r.segments.length <= 2 ? 2 : null;
    case 'orders':
      return short(r.time) ? 3 : null;
    case 'tag':
      return 4;
    case 'lifecycle':
      return r.stages.length === 1 ? 4 : null;
    case 'ltv':
      return r.tiers.length === 1 ? 4 : null;
    default:
      return null;
  }
}

/** Local days a time window spans (both ends included). */
function windowDays(time: TimeWindow): number {
  if ('lastDays' in time) return time.lastDays;
  return Math.round((Date.parse(`${time.to}T00:00:00Z`) - Date.parse(`${time.from}T00:00:00Z`)) / 86_400_000) + 1;
}

function negate(c: Cond): Cond {
  return 'expr' in c ? { expr: `NOT ${c.expr}` } : { set: c.set, negated: !c.negated };
}

/** The conditions an AND at the top of a rule (nested ANDs included) requires, with their paths; `groups` counts those ANDs. */
function topLevelConjuncts(r: Rule, path: string): { rule: Rule; path: string }[] & { groups: number } {
  const out = Object.assign([] as { rule: Rule; path: string }[], { groups: 0 });
  const walk = (x: Rule, at: string) => {
    if (x.type === 'and' && x.rules.length > 0) {
      out.groups++;
      x.rules.forEach((y, i) => walk(y, `${at}.rules.${i}`));
    } else out.push({ rule: x, path: at });
  };
  walk(r, path);
  return out;
}
