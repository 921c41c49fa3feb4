import { v7, validate, version } from 'uuid';
import type { Clock } from './clock.js';

/** UUIDv7: time-ordered, so primary keys stay append-friendly in both stores. */
export function newId(clock?: Clock): string {
  return clock ? v7({ msecs: clock.now().getTime() }) : v7();
}

export function isUuid(value: string): boolean {
  return validate(value) && version(value) >= 1;
}
