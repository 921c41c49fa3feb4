import { createHash, randomBytes } from 'node:crypto';
import { hash, verify } from '@node-rs/argon2';

/** Secrets we hand out (session tokens, API keys, write keys) are stored only as SHA-256 hashes. */
export function newToken(prefix: string, bytes = 24): string {
  return `${prefix}${randomBytes(bytes).toString('base64url')}`;
}

export function tokenHash(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** Shown in lists so a person can tell keys apart without the key itself. */
export function tokenPrefix(token: string): string {
  return token.slice(0, 10);
}

// argon2id with OWASP's minimum parameters: 19 MiB, 2 iterations.
const ARGON = { memoryCost: 19456, timeCost: 2, parallelism: 1 };

export function hashPassword(password: string): Promise<string> {
  return hash(password, ARGON);
}

export async function verifyPassword(passwordHash: string, password: string): Promise<boolean> {
  try {
    return await verify(passwordHash, password);
  } catch {
    return false;
  }
}

export function generatePassword(): string {
  return randomBytes(12).toString('base64url');
}
