import { AppError } from '../core/index.js';
import type { Actor } from '../audit/index.js';
import { type Permission, type Role, rolePermissions } from './roles.js';

/** The authenticated caller of a request, always bound to exactly one workspace. */
export interface Principal {
  workspace: { id: string; slug: string; name: string; timezone: string };
  role: Role;
  permissions: ReadonlySet<Permission>;
  actor: Actor;
  /** Set for cookie sessions: the operator behind them. */
  operatorId?: string;
}

export function principalFor(workspace: Principal['workspace'], role: Role, actor: Actor, operatorId?: string): Principal {
  return { workspace, role, permissions: rolePermissions[role], actor, operatorId };
}

export function can(p: Principal, permission: Permission): boolean {
  return p.permissions.has(permission);
}

export function requirePermission(p: Principal, permission: Permission): void {
  if (!can(p, permission)) throw new AppError('forbidden', `the ${p.role} role lacks ${permission}`);
}
