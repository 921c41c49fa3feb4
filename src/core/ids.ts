import { v7, validate, version } from 'uuid';
import type { Clock } from './clock.js';
import { pooledRandom } from './random.js';

/** UUIDv7: time-ordered, so primary keys stay append-friendly in both stores. */
export function newId(clock?: Clock): string {
  return v7(clock ? { msecs: clock.now().getTime(), random: pooledRandom(16) } : { random: pooledRandom(16) });
}

export function isUuid(value: string): boolean {
  return validate(value) && version(value) >= 1;
}
