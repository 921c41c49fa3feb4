import './fastify.js';

export { ROLES, PERMISSIONS, type Role, type Permission, rolePermissions, isRole, canGrant } from './roles.js';
export { type Principal, principalFor, can, requirePermission } from './principal.js';
export { hashPassword, verifyPassword, generatePassword, tokenHash } from './tokens.js';
export { workspaceInput, type WorkspaceInput, ensureWorkspace, findWorkspace, getWorkspace } from './workspaces.js';
export {
  operatorInput,
  type OperatorInput,
  type MembershipView,
  countOperators,
  createOperator,
  findOperatorByEmail,
  setPassword,
  setMembership,
  listMemberships,
} from './operators.js';
export {
  SESSION_COOKIE,
  SESSION_TTL_MS,
  type SessionStart,
  login,
  logout,
  resolveSession,
  switchWorkspace,
  deleteExpiredSessions,
} from './sessions.js';
export {
  apiKeyInput,
  writeKeyInput,
  type ApiKeyView,
  type WriteKeyView,
  createApiKey,
  listApiKeys,
  revokeApiKey,
  resolveApiKey,
  createWriteKey,
  listWriteKeys,
  revokeWriteKey,
  resolveWriteKey,
} from './keys.js';
export { bootstrapOwner, firstOwnerId, type BootstrapResult } from './bootstrap.js';
export { authRoutes } from './routes.js';
