import { AppError } from '../core/index.js';
import type { Ctx } from '../store/index.js';
import { audienceSize, type RunResult, refreshAudience } from './audience.js';
import { compileEnv, compileInto, matchingSql } from './environment.js';
import { syncProfiles } from './profiles.js';
import type { Workspace } from './rfm.js';
import { rule } from './rules.js';

/**
 * Rule tags are audiences like segments (the tags module owns their definitions): the customers
 * matching the rule carry the tag, and each change is recorded with the rule as its source.
 */
export async function refreshRuleTag(ctx: Ctx, ws: Workspace, tagId: string, customers?: readonly string[]): Promise<RunResult> {
  const tag = await ctx.db.selectFrom('tags').select(['name', 'rule']).where('workspace_id', '=', ws.id).where('id', '=', tagId).where('kind', '=', 'rule').executeTakeFirst();
  if (!tag) throw new AppError('not_found', `rule tag ${tagId} does not exist in this workspace`);
  const r = rule.parse(tag.rule);
  if (!customers) await syncProfiles(ctx, ws.id);
  const env = await compileEnv(ctx, ws, [r], `tag:${tagId}`);
  const result = await refreshAudience(ctx, ws.id, {
    audience: `tag:${tagId}`,
    desired: (p) => matchingSql(ctx, compileInto(env, p, r, 'rule')),
    scope: customers ? { ids: customers } : undefined,
    source: 'rule',
    actor: tag.name,
  });
  const n = await audienceSize(ctx, ws.id, `tag:${tagId}`);
  const set = customers ? { members: n } : { members: n, refreshed_at: ctx.clock.now() };
  await ctx.db.updateTable('tags').set(set).where('workspace_id', '=', ws.id).where('id', '=', tagId).execute();
  return result;
}
