/** Roles and what each may do; routes name a permission, never a role. */
export const ROLES = ['owner', 'admin', 'operator', 'sales', 'analyst', 'viewer'] as const;
export type Role = (typeof ROLES)[number];

export const PERMISSIONS = [
  'dashboard:read',
  'customers:read',
  'customers:write',
  'pii:read',
  'apikeys:read',
  'apikeys:write',
  'writekeys:read',
  'writekeys:write',
  'operators:read',
  'operators:write',
  'audit:read',
  'settings:read',
  'settings:write',
  'campaigns:write',
  'campaigns:approve',
] as const;
export type Permission = (typeof PERMISSIONS)[number];

const ALL = new Set<Permission>(PERMISSIONS);
const read = ['dashboard:read', 'customers:read'] as const;

export const rolePermissions: Record<Role, ReadonlySet<Permission>> = {
  owner: ALL,
  admin: ALL,
  // 运营: runs campaigns on customers, does not see full phone numbers.
  operator: new Set<Permission>([...read, 'customers:write', 'writekeys:read', 'settings:read', 'campaigns:write']),
  // 导购: serves their customers one to one, so sees contact details.
  sales: new Set<Permission>([...read, 'customers:write', 'pii:read']),
  analyst: new Set<Permission>([...read, 'audit:read', 'settings:read']),
  viewer: new Set<Permission>(read),
};

export function isRole(value: string): value is Role {
  return (ROLES as readonly string[]).includes(value);
}

/** A key or member may only be given a role no stronger than its creator's. */
export function canGrant(granter: Role, role: Role): boolean {
  if (granter === 'owner') return true;
  return granter === 'admin' && role !== 'owner';
}
