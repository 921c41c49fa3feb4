import type { Ctx } from '../store/index.js';
import { type Catalog, loadCatalog } from './catalog.js';
import { aliasRoots } from '../identity/index.js';
import { CANDIDATES, type CompileEnv, type CompiledRule, RULE_REMAP, RuleCompiler } from './compile.js';
import { rfmSnapshot } from './rfm-views.js';
import type { Workspace } from './rfm.js';
import type { Rule } from './rules.js';
import { Params, hasMerges } from './sql.js';

/** Does the rule (or a segment it uses) read RFM segments? */
function usesRfm(r: Rule, catalog: Catalog, seen = new Set<string>()): boolean {
  switch (r.type) {
    case 'and':
    case 'or':
      return r.rules.some((x) => usesRfm(x, catalog, seen));
    case 'not':
      return usesRfm(r.rule, catalog, seen);
    case 'rfm':
      return true;
    case 'segment': {
      const seg = catalog.segments.get(r.segmentId);
      if (!seg || seen.has(r.segmentId)) return false;
      seen.add(r.segmentId);
      return usesRfm(seg.rule, catalog, seen);
    }
    default:
      return false;
  }
}

/** What compiling a rule needs; an RFM snapshot is computed first when the rule uses one and none exists. */
export async function compileEnv(ctx: Ctx, ws: Workspace, rules: Rule[], defining?: string, catalog?: Catalog): Promise<CompileEnv> {
  const cat = catalog ?? (await loadCatalog(ctx, ws.id));
  const rfm = rules.some((r) => usesRfm(r, cat)) ? await rfmSnapshot(ctx, ws) : null;
  const merges = await hasMerges(ctx.events, ws.id);
  return { events: ctx.events, timezone: ws.timezone, now: ctx.clock.now(), catalog: cat, rfmSnapshotId: rfm?.id ?? null, defining, merges };
}

/**
 * Live customers (merged ones excluded) matching a compiled rule, as (cid, value). In a
 * workspace with merges, rule_remap holds the alias roots once for every condition that reads
 * history (each joined its own copy before: four in a five-condition rule). A rule with
 * candidates tests only them: rule_candidates holds them (computed once), rule_candidate_ids
 * their stored customer ids (themselves and the customers merged into them), which every
 * history condition of the rule reads instead of everyone's rows. IN subqueries are not used to
 * search primary keys (use_index_for_in_with_subqueries = 0): with sets of 10^5 customers that
 * search cost more than the scans it would save (the events key holds customer_id).
 */
export function matchingSql(ctx: Pick<Ctx, 'events'>, rule: CompiledRule | string, value = "'1'"): string {
  const ev = ctx.events;
  // Conditions compiled on their own (compileExpr: lifecycle and LTV levels) come as text.
  const { expr, candidates, merges } = typeof rule === 'string' ? { expr: rule, candidates: null, merges: `${rule} ${value}`.includes(RULE_REMAP) } : rule;
  const ctes = [
    ...(merges ? [`${RULE_REMAP} AS MATERIALIZED (${aliasRoots(ev)})`] : []),
    ...(candidates
      ? [
          `rule_candidates AS MATERIALIZED (${candidates})`,
          `rule_candidate_ids AS MATERIALIZED (
      SELECT cid AS id FROM rule_candidates${merges ? `\n      UNION ALL\n      SELECT alias_id AS id FROM ${RULE_REMAP} WHERE root IN (${CANDIDATES.cids})` : ''}
    )`,
        ]
      : []),
  ];
  const profiles = `SELECT u.customer_id AS cid, ${value} AS value FROM ${ev.table('customer_profiles')} AS u FINAL`;
  const where = `WHERE u.workspace_id = {ws:UUID} AND u.live = 1 AND (${expr})`;
  if (ctes.length === 0) return `${profiles}\n    ${where}`;
  return `WITH ${ctes.join(',\n    ')}
    ${profiles}${candidates ? `\n    PREWHERE u.customer_id IN (${CANDIDATES.cids})` : ''}
    ${where}
    SETTINGS enable_materialized_cte = 1${candidates ? ', use_index_for_in_with_subqueries_max_values = 10000' : ''}`;
}

/** Compiles a rule (throwing a 400 that lists invalid nodes) into the parameters given, with its candidates. */
export function compileInto(env: CompileEnv, p: Params, rule: Rule, path: string): CompiledRule {
  return RuleCompiler.compileRule(env, p, rule, path);
}

/** The rule as a plain expression over `u` (for combining several rules in one expression). */
export function compileExpr(env: CompileEnv, p: Params, rule: Rule, path: string): string {
  return RuleCompiler.compile(env, p, rule, path);
}

export { Params };
