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
 * of another process (SIYU_CLOCK_FILE). Falls back to the system time while the file is missing;
 * a read that finds it empty or half written (the writer truncates, then writes) gives the last
 * time read, not the system time, which could be months away from the test's time.
 */
export function fileClock(file: string, read: (file: string) => string): Clock {
  let last: Date | null = null;
  return {
    now: () => {
      try {
        const at = new Date(read(file).trim());
        if (!Number.isNaN(at.getTime())) last = at;
      } catch {
        // missing or unreadable: keep the last time
      }
      return last ? new Date(last) : new Date();
    },
  };
}
