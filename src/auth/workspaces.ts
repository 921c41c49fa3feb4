import { z } from 'zod';
import { AppError, isValidTimezone, newId } from '../core/index.js';
import type { Ctx, Workspace } from '../store/index.js';
import { type Actor, recordAudit } from '../audit/index.js';

export const workspaceInput = z.object({
  slug: z
    .string()
    .min(2)
    .max(40)
    .regex(/^[a-z0-9][a-z0-9-]*$/, 'lowercase letters, digits and dashes'),
  name: z.string().min(1).max(80),
  timezone: z.string().refine(isValidTimezone, 'not an IANA time zone').optional(),
});
export type WorkspaceInput = z.infer<typeof workspaceInput>;

export async function findWorkspace(ctx: Ctx, slug: string): Promise<Workspace | undefined> {
  return ctx.db.selectFrom('workspaces').selectAll().where('slug', '=', slug).executeTakeFirst();
}

export async function getWorkspace(ctx: Ctx, id: string): Promise<Workspace> {
  const ws = await ctx.db.selectFrom('workspaces').selectAll().where('id', '=', id).executeTakeFirst();
  if (!ws) throw new AppError('not_found', `workspace ${id} does not exist`);
  return ws;
}

/** Creates the workspace, or returns the existing one with that slug (so setup steps can be re-run). */
export async function ensureWorkspace(ctx: Ctx, input: WorkspaceInput, actor: Actor): Promise<{ workspace: Workspace; created: boolean }> {
  const data = workspaceInput.parse(input);
  const existing = await findWorkspace(ctx, data.slug);
  if (existing) return { workspace: existing, created: false };
  const workspace = await ctx.db.transaction().execute(async (trx) => {
    const ws = await trx
      .insertInto('workspaces')
      .values({
        id: newId(ctx.clock),
        slug: data.slug,
        name: data.name,
        timezone: data.timezone ?? ctx.config.timezone,
        settings: '{}',
      })
      .onConflict((oc) => oc.column('slug').doNothing())
      .returningAll()
      .executeTakeFirst();
    if (ws) await recordAudit(ctx, trx, { workspaceId: ws.id, actor, action: 'workspace.create', entity: 'workspace', entityId: ws.id, after: data });
    return ws;
  });
  if (workspace) return { workspace, created: true };
  return { workspace: (await findWorkspace(ctx, data.slug))!, created: false };
}
