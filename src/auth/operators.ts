import { z } from 'zod';
import { AppError, newId } from '../core/index.js';
import type { Ctx, Operator } from '../store/index.js';
import { type Actor, recordAudit } from '../audit/index.js';
import { type Role, ROLES } from './roles.js';
import { hashPassword } from './tokens.js';

export const operatorInput = z.object({
  email: z.string().trim().toLowerCase().email(),
  name: z.string().trim().min(1).max(80),
  password: z.string().min(8, 'at least 8 characters').max(200),
});
export type OperatorInput = z.input<typeof operatorInput>;

export async function countOperators(ctx: Ctx): Promise<number> {
  const row = await ctx.db.selectFrom('operators').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  return Number(row.n);
}

export async function findOperatorByEmail(ctx: Ctx, email: string): Promise<Operator | undefined> {
  return ctx.db.selectFrom('operators').selectAll().where('email', '=', email.trim().toLowerCase()).executeTakeFirst();
}

export async function createOperator(ctx: Ctx, input: OperatorInput): Promise<Operator> {
  const data = operatorInput.parse(input);
  const passwordHash = await hashPassword(data.password);
  const row = await ctx.db
    .insertInto('operators')
    .values({ id: newId(ctx.clock), email: data.email, name: data.name, password_hash: passwordHash })
    .onConflict((oc) => oc.column('email').doNothing())
    .returningAll()
    .executeTakeFirst();
  if (!row) throw new AppError('conflict', `an operator with email ${data.email} exists already`, [{ path: 'email', message: 'already in use' }]);
  return row;
}

export async function setPassword(ctx: Ctx, operatorId: string, password: string): Promise<void> {
  const { password: checked } = operatorInput.pick({ password: true }).parse({ password });
  await ctx.db.updateTable('operators').set({ password_hash: await hashPassword(checked) }).where('id', '=', operatorId).execute();
}

/** Adds the operator to the workspace with a role, or changes the role they have there. */
export async function setMembership(ctx: Ctx, workspaceId: string, operatorId: string, role: Role, actor: Actor): Promise<void> {
  if (!ROLES.includes(role)) throw new AppError('validation_failed', `unknown role ${role}`, [{ path: 'role', message: `one of ${ROLES.join(', ')}` }]);
  await ctx.db.transaction().execute(async (trx) => {
    const before = await trx
      .selectFrom('memberships')
      .select('role')
      .where('workspace_id', '=', workspaceId)
      .where('operator_id', '=', operatorId)
      .executeTakeFirst();
    if (before?.role === role) return;
    await trx
      .insertInto('memberships')
      .values({ workspace_id: workspaceId, operator_id: operatorId, role })
      .onConflict((oc) => oc.columns(['workspace_id', 'operator_id']).doUpdateSet({ role }))
      .execute();
    await recordAudit(ctx, trx, {
      workspaceId,
      actor,
      action: before ? 'membership.update' : 'membership.create',
      entity: 'operator',
      entityId: operatorId,
      before: before ?? undefined,
      after: { role },
    });
  });
}

export interface MembershipView {
  id: string;
  slug: string;
  name: string;
  role: Role;
  timezone: string;
}

export async function listMemberships(ctx: Ctx, operatorId: string): Promise<MembershipView[]> {
  const rows = await ctx.db
    .selectFrom('memberships')
    .innerJoin('workspaces', 'workspaces.id', 'memberships.workspace_id')
    .select(['workspaces.id', 'workspaces.slug', 'workspaces.name', 'workspaces.timezone', 'memberships.role'])
    .where('memberships.operator_id', '=', operatorId)
    .orderBy('workspaces.created_at')
    .execute();
  return rows.map((r) => ({ ...r, role: r.role as Role }));
}
