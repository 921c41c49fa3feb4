import { createCipheriv, createDecipheriv, createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * WXBizMsgCrypt, WeCom's callback encryption (回调配置 > 加解密方案说明, doc 90968 / 91144):
 * - signature = SHA1 of token, timestamp, nonce and the encrypted text, sorted and concatenated;
 * - AES-256-CBC with key = Base64(EncodingAESKey + "="), IV = the key's first 16 bytes,
 *   PKCS#7 padding to a multiple of 32 bytes (not AES's 16, hence manual padding);
 * - plaintext = 16 random bytes + 4-byte big-endian message length + message + receive id
 *   (the corp id for an internal app).
 */

export interface CallbackKeys {
  token: string;
  encodingAesKey: string;
  /** The receive id every message must end with: the corp id. */
  receiveId: string;
}

export class CallbackCryptoError extends Error {
  constructor(
    readonly reason: 'signature' | 'malformed' | 'receive_id',
    message: string,
  ) {
    super(message);
  }
}

const BLOCK = 32;

export function isEncodingAesKey(value: string): boolean {
  return /^[A-Za-z0-9+/]{43}$/.test(value) && aesKey(value).length === 32;
}

function aesKey(encodingAesKey: string): Buffer {
  return Buffer.from(`${encodingAesKey}=`, 'base64');
}

export function signature(token: string, timestamp: string, nonce: string, encrypted: string): string {
  return createHash('sha1').update([token, timestamp, nonce, encrypted].sort().join('')).digest('hex');
}

export function verifySignature(token: string, given: string, timestamp: string, nonce: string, encrypted: string): boolean {
  const expected = Buffer.from(signature(token, timestamp, nonce, encrypted));
  const actual = Buffer.from(given.toLowerCase());
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

export function encrypt(keys: Pick<CallbackKeys, 'encodingAesKey' | 'receiveId'>, message: string, random: Buffer = randomBytes(16)): string {
  const key = aesKey(keys.encodingAesKey);
  const body = Buffer.from(message, 'utf8');
  const length = Buffer.alloc(4);
  length.writeUInt32BE(body.length);
  const plain = Buffer.concat([random, length, body, Buffer.from(keys.receiveId, 'utf8')]);
  const pad = BLOCK - (plain.length % BLOCK);
  const cipher = createCipheriv('aes-256-cbc', key, key.subarray(0, 16)).setAutoPadding(false);
  return Buffer.concat([cipher.update(Buffer.concat([plain, Buffer.alloc(pad, pad)])), cipher.final()]).toString('base64');
}

/** The message inside `encrypted`; throws CallbackCryptoError when it is not ours or not well formed. */
export function decrypt(keys: Pick<CallbackKeys, 'encodingAesKey' | 'receiveId'>, encrypted: string): string {
  const key = aesKey(keys.encodingAesKey);
  const raw = Buffer.from(encrypted, 'base64');
  if (raw.length === 0 || raw.length % 16 !== 0) throw new CallbackCryptoError('malformed', 'the encrypted text is not whole AES blocks');
  let plain: Buffer;
  try {
    const decipher = createDecipheriv('aes-256-cbc', key, key.subarray(0, 16)).setAutoPadding(false);
    plain = Buffer.concat([decipher.update(raw), decipher.final()]);
  } catch {
    throw new CallbackCryptoError('malformed', 'the encrypted text does not decrypt');
  }
  const pad = plain[plain.length - 1];
  if (pad < 1 || pad > BLOCK || plain.length < 20 + pad) throw new CallbackCryptoError('malformed', 'bad padding');
  const content = plain.subarray(16, plain.length - pad);
  const length = content.readUInt32BE(0);
  if (4 + length > content.length) throw new CallbackCryptoError('malformed', 'the message length exceeds the text');
  const receiveId = content.subarray(4 + length).toString('utf8');
  if (receiveId !== keys.receiveId) throw new CallbackCryptoError('receive_id', `the message is for ${receiveId || 'nobody'}, not ${keys.receiveId}`);
  return content.subarray(4, 4 + length).toString('utf8');
}

/** Checks the signature, then decrypts: what a callback receiver does with every request. */
export function openSigned(keys: CallbackKeys, q: { msgSignature: string; timestamp: string; nonce: string }, encrypted: string): string {
  if (!verifySignature(keys.token, q.msgSignature, q.timestamp, q.nonce, encrypted)) {
    throw new CallbackCryptoError('signature', 'msg_signature does not match');
  }
  return decrypt(keys, encrypted);
}

/** Encrypts and signs: what WeCom (or the simulator) does to send a message. */
export function seal(keys: CallbackKeys, message: string, timestamp: string, nonce: string): { encrypted: string; msgSignature: string } {
  const encrypted = encrypt(keys, message);
  return { encrypted, msgSignature: signature(keys.token, timestamp, nonce, encrypted) };
}

/**
 * Kept apart from the crypto so the 2014 sample vector still decrypts: a callback whose timestamp
 * is further than `windowSeconds` from now is a replay (or a badly skewed clock) and is refused.
 */
export function withinReplayWindow(timestamp: string, now: Date, windowSeconds = 300): boolean {
  if (!/^\d{1,12}$/.test(timestamp)) return false;
  return Math.abs(now.getTime() / 1000 - Number(timestamp)) <= windowSeconds;
}
