/** Domain code reads time only through a Clock, so tests can travel in time. */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

/** A clock that stands still until moved: for tests and simulations. */
export interface ManualClock extends Clock {
  set(at: Date | string): void;
  advance(ms: number): void;
}

export function manualClock(start: Date | string = new Date()): ManualClock {
  let current = new Date(start).getTime();
  return {
    now: () => new Date(current),
    set: (at) => {
      current = new Date(at).getTime();
    },
    advance: (ms) => {
      current += ms;
    },
  };
}

export const DAY_MS = 86_400_000;

/**
 * A clock read from a file holding an ISO time, re-read on every now(): lets tests move the time
 * of another process (SIYU_CLOCK_FILE). Falls back to the system time while the file is missing.
 */
export function fileClock(file: string, read: (file: string) => string): Clock {
  return {
    now: () => {
      try {
        const at = new Date(read(file).trim());
        return Number.isNaN(at.getTime()) ? new Date() : at;
      } catch {
        return new Date();
      }
    },
  };
}
