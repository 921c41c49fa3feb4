import { randomFillSync } from 'node:crypto';

/**
 * Cryptographically random bytes drawn 4 KiB at a time: asking the system for a few bytes per call
 * (an id, an IV) costs more than the rest of the work those bytes are for (bulk customer creation
 * makes an id per customer and an IV per sealed phone). The slice is valid until the next 4 KiB
 * have been drawn: use it (copy it) at once.
 */
const pool = Buffer.alloc(4096);
let used = pool.length;

export function pooledRandom(bytes: number): Buffer {
  if (used + bytes > pool.length) {
    randomFillSync(pool);
    used = 0;
  }
  return pool.subarray(used, (used += bytes));
}
