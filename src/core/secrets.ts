import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { pooledRandom } from './random.js';

/**
 * Personal data (phone, name, email, address) is stored encrypted (AES-256-GCM) and searched
 * through blind indexes (keyed HMACs), so the state store never holds it in clear.
 */
export interface Secrets {
  encrypt(plain: string): string;
  decrypt(sealed: string): string;
  /** Deterministic keyed hash of a normalized value, for equality search. */
  blindIndex(kind: string, value: string): string;
  /** A value that proves which key is in use without revealing it. */
  keyCheck: string;
}

const VERSION = 'v1';

export function createSecrets(masterKey: Buffer): Secrets {
  if (masterKey.length !== 32) throw new Error('secret key must be 32 bytes');
  const derive = (info: string) => Buffer.from(hkdfSync('sha256', masterKey, Buffer.alloc(0), info, 32));
  const encKey = derive('siyu/pii/encrypt');
  const indexKey = derive('siyu/pii/index');
  return {
    encrypt(plain) {
      const iv = pooledRandom(12); // the cipher and the concat below copy it before the pool moves on
      const cipher = createCipheriv('aes-256-gcm', encKey, iv);
      const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
      return `${VERSION}:${Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64')}`;
    },
    decrypt(sealed) {
      const [version, payload] = sealed.split(':', 2);
      if (version !== VERSION || !payload) throw new Error('unknown ciphertext format');
      const raw = Buffer.from(payload, 'base64');
      const decipher = createDecipheriv('aes-256-gcm', encKey, raw.subarray(0, 12));
      decipher.setAuthTag(raw.subarray(12, 28));
      return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
    },
    blindIndex(kind, value) {
      return createHmac('sha256', indexKey).update(`${kind}\u0000${value}`).digest('base64url').slice(0, 22);
    },
    keyCheck: createHmac('sha256', derive('siyu/key-check')).update('siyu').digest('hex').slice(0, 16),
  };
}

/** SIYU_SECRET_KEY if set, else a key generated once into DATA_DIR/secret.key (mode 0600). */
export function loadMasterKey(dataDir: string, configured?: string): Buffer {
  if (configured) {
    const key = Buffer.from(configured, 'base64');
    if (key.length !== 32) throw new Error('SIYU_SECRET_KEY must decode to exactly 32 bytes (openssl rand -base64 32)');
    return key;
  }
  const file = path.join(dataDir, 'secret.key');
  if (fs.existsSync(file)) return loadMasterKey(dataDir, fs.readFileSync(file, 'utf8').trim());
  const key = randomBytes(32);
  fs.writeFileSync(file, key.toString('base64') + '\n', { mode: 0o600, flag: 'wx' });
  return key;
}

/** Character unigrams and bigrams: enough to find 张三 by 张 or 张三 without storing the name. */
export function nameSearchTokens(name: string): string[] {
  const chars = [...name.normalize('NFKC').toLowerCase().replace(/\s+/g, '')];
  const grams = new Set<string>(chars);
  for (let i = 0; i + 1 < chars.length; i++) grams.add(chars[i] + chars[i + 1]);
  return [...grams];
}
