export { type Identifier, type StoredIdentifier, identifierType, normalizeIdentifier, isIdentifier, sealIdentifierValue, MAX_IDENTIFIER_LENGTH } from './identifiers.js';
export { type IdentityRule, IdentityRules, DEFAULT_RULES, identityRule, loadIdentityRules, setIdentityRules } from './rules.js';
export { type Resolution, type ResolveOptions, resolve } from './resolve.js';
export { mergeCustomers, unmerge } from './merge.js';
export { type ConflictView, listConflicts, resolveConflict, conflictActions } from './conflicts.js';
export { pushAliases, remappedCustomer } from './remap.js';
export { inTransaction, lockAll, lockKey } from './locks.js';
export { type CustomerByIdentifier, type MergeView, customerByIdentifier, customerMerges } from './lookup.js';
export { identityRoutes } from './routes.js';
