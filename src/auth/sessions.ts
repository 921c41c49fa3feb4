import { AppError, DAY_MS } from '../core/index.js';
import type { Ctx } from '../store/index.js';
import { findOperatorByEmail, listMemberships, type MembershipView } from './operators.js';
import { type Principal, principalFor } from './principal.js';
import { newToken, tokenHash, verifyPassword } from './tokens.js';

export const SESSION_COOKIE = 'siyu_session';
export const SESSION_TTL_MS = 14 * DAY_MS;

export interface SessionStart {
  token: string;
  expiresAt: Date;
  operator: { id: string; email: string; name: string };
  workspace: MembershipView;
  workspaces: MembershipView[];
}

// A fixed hash to verify against when the email is unknown, so timing does not reveal which emails exist.
const DUMMY_HASH = '$argon2id$v=19$m=19456,t=2,p=1$c2l5dXNpeXVzaXl1$6vWzF9Yy0p7vQpXc1wJfV0xS6m3A9a8vC8c8H0Zk3yQ';

export async function login(ctx: Ctx, email: string, password: string, meta: { ip?: string; userAgent?: string; workspace?: string }): Promise<SessionStart> {
  const operator = await findOperatorByEmail(ctx, email);
  const ok = await verifyPassword(operator?.password_hash ?? DUMMY_HASH, password);
  if (!operator || !ok || operator.disabled_at) throw new AppError('invalid_credentials');
  const workspaces = await listMemberships(ctx, operator.id);
  if (workspaces.length === 0) throw new AppError('forbidden', 'this operator is not a member of any workspace');
  const workspace = workspaces.find((w) => w.slug === meta.workspace) ?? workspaces[0];
  const token = newToken('ss_', 32);
  const expiresAt = new Date(ctx.clock.now().getTime() + SESSION_TTL_MS);
  await ctx.db
    .insertInto('sessions')
    .values({
      token_hash: tokenHash(token),
      operator_id: operator.id,
      workspace_id: workspace.id,
      expires_at: expiresAt,
      ip: meta.ip ?? null,
      user_agent: meta.userAgent?.slice(0, 300) ?? null,
    })
    .execute();
  return { token, expiresAt, operator: { id: operator.id, email: operator.email, name: operator.name }, workspace, workspaces };
}

export async function logout(ctx: Ctx, token: string): Promise<void> {
  await ctx.db.deleteFrom('sessions').where('token_hash', '=', tokenHash(token)).execute();
}

/** The session's operator in its current workspace, or null when the token is unknown, expired or revoked. */
export async function resolveSession(ctx: Ctx, token: string): Promise<Principal | null> {
  const row = await ctx.db
    .selectFrom('sessions')
    .innerJoin('operators', 'operators.id', 'sessions.operator_id')
    .innerJoin('workspaces', 'workspaces.id', 'sessions.workspace_id')
    .innerJoin('memberships', (j) =>
      j.onRef('memberships.operator_id', '=', 'sessions.operator_id').onRef('memberships.workspace_id', '=', 'sessions.workspace_id'),
    )
    .select([
      'sessions.expires_at',
      'operators.id as operator_id',
      'operators.name as operator_name',
      'operators.disabled_at',
      'workspaces.id',
      'workspaces.slug',
      'workspaces.name',
      'workspaces.timezone',
      'memberships.role',
    ])
    .where('sessions.token_hash', '=', tokenHash(token))
    .executeTakeFirst();
  if (!row || row.disabled_at || row.expires_at.getTime() <= ctx.clock.now().getTime()) return null;
  return principalFor(
    { id: row.id, slug: row.slug, name: row.name, timezone: row.timezone },
    row.role as Principal['role'],
    { type: 'operator', id: row.operator_id, name: row.operator_name },
    row.operator_id,
  );
}

export async function switchWorkspace(ctx: Ctx, token: string, operatorId: string, slug: string): Promise<MembershipView> {
  const target = (await listMemberships(ctx, operatorId)).find((w) => w.slug === slug);
  if (!target) throw new AppError('not_found', `you are not a member of workspace ${slug}`, [{ path: 'workspace', message: 'not a member' }]);
  await ctx.db.updateTable('sessions').set({ workspace_id: target.id }).where('token_hash', '=', tokenHash(token)).execute();
  return target;
}

export async function deleteExpiredSessions(ctx: Ctx): Promise<number> {
  const res = await ctx.db.deleteFrom('sessions').where('expires_at', '<=', ctx.clock.now()).executeTakeFirst();
  return Number(res.numDeletedRows);
}
