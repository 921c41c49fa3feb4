import { type Identifier, type IdentityRules, isIdentifier, normalizeIdentifier } from '../identity/index.js';
import { IDENTIFIER_FIELDS } from './fields.js';
import type { MappedRow, RowIssues } from './row.js';
import { isError, text } from './values.js';

/** A row's identifiers, placed where the Segment spec carries them. */
export interface RowIdentity {
  userId?: string;
  anonymousId?: string;
  /** phone and email: identify traits for customers, context.traits otherwise. */
  contact: { phone?: string; email?: string };
  externalIds: { id: string; type: string; collection?: string }[];
  /** The identifier OneID ranks highest: the row's natural key when it has no id of its own. */
  strongest: Identifier;
}

/**
 * Reads and normalizes the identifier cells (the same normalization as live events, so an
 * imported phone finds the customer a live event created). Returns undefined when the row has
 * none, or one is unusable; the reasons are in `issues`.
 */
export function rowIdentity(row: MappedRow, issues: RowIssues, rules: IdentityRules, anonymousIdFor: (id: Identifier) => string): RowIdentity | undefined {
  const ids: Identifier[] = [];
  for (const field of IDENTIFIER_FIELDS) {
    const cell = row.cells.get(field);
    const raw = cell ? text(cell.value) : undefined;
    if (raw === undefined) continue;
    if (isError(raw)) {
      issues.add(field, raw.reason, cell);
      continue;
    }
    let collection = '';
    if (field === 'wechat_openid') {
      const app = issues.read('wechat_appid', text) ?? row.openidApp;
      if (!app) {
        issues.add('wechat_appid', 'is missing: an openid belongs to one app', row.cells.get('wechat_appid'));
        continue;
      }
      collection = app;
    }
    const id = normalizeIdentifier(field, raw, collection);
    if (isIdentifier(id)) ids.push(id);
    else issues.add(field, id.error, cell);
  }
  if (!issues.ok) return undefined;
  if (ids.length === 0) {
    issues.add('identifier', `is missing: the row has no ${IDENTIFIER_FIELDS.join(', ')}`);
    return undefined;
  }
  const value = (type: string) => ids.find((i) => i.type === type)?.value;
  const strongest = ids.reduce((a, b) => (rules.get(b.type).priority > rules.get(a.type).priority ? b : a));
  const userId = value('user_id');
  // Segment messages need a userId or an anonymousId. Without either, a pseudonymous id derived
  // (keyed hash) from the strongest identifier stands in: the same person gets the same one.
  const anonymousId = value('anonymous_id') ?? (userId ? undefined : anonymousIdFor(strongest));
  return {
    userId,
    anonymousId,
    contact: { phone: value('phone'), email: value('email') },
    externalIds: ids
      .filter((i) => !['user_id', 'anonymous_id', 'phone', 'email'].includes(i.type))
      .map((i) => ({ id: i.value, type: i.type, ...(i.collection ? { collection: i.collection } : {}) })),
    strongest,
  };
}

export function identifierKey(id: Identifier): string {
  return `${id.type}\u0000${id.collection}\u0000${id.value}`;
}
