import type { Ctx } from '../store/index.js';
import { systemActor } from '../audit/index.js';
import { countOperators, createOperator, setMembership } from './operators.js';
import { generatePassword } from './tokens.js';

export interface BootstrapResult {
  email: string;
  /** Present only when Siyu generated it: printed once, never stored in clear. */
  generatedPassword?: string;
}

/**
 * First start: with no operator yet, create the owner from SIYU_ADMIN_EMAIL / SIYU_ADMIN_PASSWORD
 * (or a generated password) and make them owner of every workspace that exists.
 */
export async function bootstrapOwner(ctx: Ctx): Promise<BootstrapResult | null> {
  if ((await countOperators(ctx)) > 0) return null;
  const email = ctx.config.adminEmail ?? 'admin@siyu.local';
  const generatedPassword = ctx.config.adminPassword ? undefined : generatePassword();
  const operator = await createOperator(ctx, { email, name: 'Admin', password: ctx.config.adminPassword ?? generatedPassword! });
  const workspaces = await ctx.db.selectFrom('workspaces').select('id').execute();
  for (const ws of workspaces) await setMembership(ctx, ws.id, operator.id, 'owner', systemActor);
  return { email, generatedPassword };
}

/** The oldest operator who owns any workspace: the one a new demo workspace is given to. */
export async function firstOwnerId(ctx: Ctx): Promise<string | null> {
  const row = await ctx.db
    .selectFrom('memberships')
    .innerJoin('operators', 'operators.id', 'memberships.operator_id')
    .select('operators.id')
    .where('memberships.role', '=', 'owner')
    .orderBy('operators.created_at')
    .executeTakeFirst();
  if (row) return row.id;
  const any = await ctx.db.selectFrom('operators').select('id').orderBy('created_at').executeTakeFirst();
  return any?.id ?? null;
}
