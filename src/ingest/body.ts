import { promisify } from 'node:util';
import zlib from 'node:zlib';
import { AppError } from '../core/index.js';
import { LIMITS } from './schema.js';

const gunzip = promisify(zlib.gunzip);
const inflate = promisify(zlib.inflate);

/**
 * The request body as text: gzip and deflate bodies are decompressed, and the size limit applies
 * to the decompressed text (a small gzip body cannot expand past it).
 */
export async function decodeBody(encoding: string | undefined, body: Buffer): Promise<string> {
  const enc = (encoding ?? '').trim().toLowerCase();
  const tooLarge = () => new AppError('payload_too_large', `the body is larger than ${LIMITS.batchBytes / 1024} KB (Segment's batch limit)`);
  if (enc === '' || enc === 'identity') {
    if (body.length > LIMITS.batchBytes) throw tooLarge();
    return body.toString('utf8');
  }
  const decompress = enc === 'gzip' ? gunzip : enc === 'deflate' ? inflate : null;
  if (!decompress) throw new AppError('unsupported_media_type', `Content-Encoding ${enc} is not supported: send gzip, deflate or no encoding`);
  try {
    return (await decompress(body, { maxOutputLength: LIMITS.batchBytes })).toString('utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') throw tooLarge();
    throw new AppError('bad_request', `the body is not valid ${enc} data`);
  }
}

/** The write key: the user name of HTTP Basic auth (Segment's convention), else the body's writeKey. */
export function writeKeyOf(authorization: string | undefined, body: unknown): string | null {
  const basic = authorization?.match(/^Basic\s+([A-Za-z0-9+/=]+)\s*$/i)?.[1];
  if (basic) {
    const decoded = Buffer.from(basic, 'base64').toString('utf8');
    const user = decoded.split(':')[0];
    if (user) return user;
  }
  const field = body && typeof body === 'object' ? (body as { writeKey?: unknown }).writeKey : undefined;
  return typeof field === 'string' && field ? field : null;
}
