import { zonedDayStart } from '../core/index.js';

/** Golden windows (local [start, end) in minutes of the day) when the messages policies give none. */
export const DEFAULT_GOLDEN: readonly [number, number][] = [
  [7 * 60, 9 * 60],
  [12 * 60, 13 * 60],
  [19 * 60, 22 * 60],
];

function localMinutes(at: Date, tz: string): number {
  return Math.floor((at.getTime() - zonedDayStart(at, tz).getTime()) / 60_000);
}

/** The next instant (after `now`, or now itself when it is exactly then) the local clock shows hh:mm. */
export function nextLocalTime(now: Date, tz: string, hhmm: string): Date {
  const [h, m] = hhmm.split(':').map(Number);
  const day = zonedDayStart(now, tz);
  const today = new Date(day.getTime() + (h * 60 + m) * 60_000);
  if (today.getTime() >= now.getTime()) return today;
  const tomorrow = zonedDayStart(new Date(day.getTime() + 36 * 3_600_000), tz);
  return new Date(tomorrow.getTime() + (h * 60 + m) * 60_000);
}

/** Now when inside a golden window, else when the next one opens. */
export function nextGolden(now: Date, tz: string, windows: readonly [number, number][] = DEFAULT_GOLDEN): Date {
  const min = localMinutes(now, tz);
  if (windows.some(([a, b]) => min >= a && min < b)) return now;
  const day = zonedDayStart(now, tz);
  const later = windows.filter(([a]) => a > min).sort((x, y) => x[0] - y[0])[0];
  if (later) return new Date(day.getTime() + later[0] * 60_000);
  const first = [...windows].sort((x, y) => x[0] - y[0])[0];
  const tomorrow = zonedDayStart(new Date(day.getTime() + 36 * 3_600_000), tz);
  return new Date(tomorrow.getTime() + first[0] * 60_000);
}
