import type { Ctx } from '../store/index.js';
import { type Catalog, loadCatalog } from './catalog.js';
import { type CompileEnv, RuleCompiler } from './compile.js';
import { rfmSnapshot } from './rfm-views.js';
import type { Workspace } from './rfm.js';
import type { Rule } from './rules.js';
import { Params } from './sql.js';

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
  return { events: ctx.events, timezone: ws.timezone, now: ctx.clock.now(), catalog: cat, rfmSnapshotId: rfm?.id ?? null, defining };
}

/** Live customers (merged ones excluded) matching a compiled rule expression, as (cid, value). */
export function matchingSql(ctx: Pick<Ctx, 'events'>, expr: string, value = "'1'"): string {
  return `SELECT u.customer_id AS cid, ${value} AS value FROM ${ctx.events.table('customer_profiles')} AS u FINAL
    WHERE u.workspace_id = {ws:UUID} AND u.live = 1 AND (${expr})`;
}

/** Compiles a rule (throwing a 400 that lists invalid nodes) into the parameters given. */
export function compileInto(env: CompileEnv, p: Params, rule: Rule, path: string): string {
  return RuleCompiler.compile(env, p, rule, path);
}

export { Params };
