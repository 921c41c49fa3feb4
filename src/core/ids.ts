import { randomFillSync } from 'node:crypto';
import { v7, validate, version } from 'uuid';
import type { Clock } from './clock.js';

/**
 * Random bytes for ids, drawn 4 KiB at a time: the uuid package otherwise asks WebCrypto for 16
 * bytes per id, which costs more than the rest of the id (ingest creates customers in bulk).
 */
const pool = Buffer.alloc(4096);
let used = pool.length;

function random16(): Uint8Array {
  if (used + 16 > pool.length) {
    randomFillSync(pool);
    used = 0;
  }
  return pool.subarray(used, (used += 16));
}

/** UUIDv7: time-ordered, so primary keys stay append-friendly in both stores. */
export function newId(clock?: Clock): string {
  return v7(clock ? { msecs: clock.now().getTime(), random: random16() } : { random: random16() });
}

export function isUuid(value: string): boolean {
  return validate(value) && version(value) >= 1;
}
