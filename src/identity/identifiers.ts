import { z } from 'zod';
import { normalizePhone, type Secrets } from '../core/index.js';
import { PII_IDENTIFIER_TYPES } from '../customers/index.js';

/** One id of a person, normalized; `collection` scopes ids that are unique only per app (openids). */
export interface Identifier {
  type: string;
  collection: string;
  value: string;
}

/** An identifier as stored: personal values (phone, email) as a blind index plus ciphertext. */
export interface StoredIdentifier {
  id: Identifier;
  value: string;
  valueEnc: string | null;
}

export const identifierType = z
  .string()
  .regex(/^[a-z][a-z0-9_]{1,39}$/, 'lowercase letters, digits and _, starting with a letter (e.g. wechat_unionid)');

export const MAX_IDENTIFIER_LENGTH = 200;

/**
 * Values that SDKs and bugs send instead of an id. Linking on them would merge every customer who
 * sent one into a single person, so they are refused.
 */
const PLACEHOLDERS = new Set(['undefined', 'null', 'nil', 'none', 'nan', 'unknown', 'anonymous', '0', '-1', 'true', 'false', '[object object]', '{}', '[]']);

/** The normalized identifier, or why the value cannot identify anyone. */
export function normalizeIdentifier(type: string, raw: string, collection = ''): Identifier | { error: string } {
  const value = raw.trim();
  const scope = collection.trim();
  if (!value) return { error: 'is empty' };
  // Characters, not UTF-16 units (a long id of Chinese or emoji counts each once); few ids are near the limit.
  if (value.length > MAX_IDENTIFIER_LENGTH && [...value].length > MAX_IDENTIFIER_LENGTH) return { error: `is longer than ${MAX_IDENTIFIER_LENGTH} characters` };
  if (/\p{Cc}/u.test(value + scope)) return { error: 'contains control characters' };
  if (scope.length > 100) return { error: 'has a collection longer than 100 characters' };
  if (PLACEHOLDERS.has(value.toLowerCase())) return { error: `"${value}" is a placeholder, not an id` };
  if (type === 'phone') {
    const phone = normalizePhone(value);
    return phone ? { type, collection: scope, value: phone } : { error: 'is not a phone number (E.164, or 11 digits for +86)' };
  }
  if (type === 'email') {
    const email = value.toLowerCase();
    return email.length <= 254 && /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email) ? { type, collection: scope, value: email } : { error: 'is not an email address' };
  }
  return { type, collection: scope, value };
}

export function isIdentifier(x: Identifier | { error: string }): x is Identifier {
  return !('error' in x);
}

export function sealIdentifierValue(secrets: Secrets, id: Identifier): StoredIdentifier {
  return { id, value: lookupValue(secrets, id), valueEnc: identifierCiphertext(secrets, id) };
}

/** The stored value an identifier is found by: a blind index (keyed HMAC) for personal values. */
export function lookupValue(secrets: Secrets, id: Identifier): string {
  return PII_IDENTIFIER_TYPES.has(id.type) ? secrets.blindIndex(id.type, id.value) : id.value;
}

/** The ciphertext stored beside a personal value (AES-GCM), null for other identifiers. */
export function identifierCiphertext(secrets: Secrets, id: Identifier): string | null {
  return PII_IDENTIFIER_TYPES.has(id.type) ? secrets.encrypt(id.value) : null;
}

/** Map key of an identifier row (type, collection, stored value). */
export function storedKey(s: { type: string; collection: string; value: string }): string {
  return `${s.type}\u0000${s.collection}\u0000${s.value}`;
}

export function keyOfStored(s: StoredIdentifier): string {
  return storedKey({ type: s.id.type, collection: s.id.collection, value: s.value });
}
