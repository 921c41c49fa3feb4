// Time for the demo: Asia/Shanghai days, shopping-festival seasonality, hour-of-day habits and
// the acquisition curve. Activity is modelled in "effective days" (Λ): a Poisson process with
// rate λ per effective day, mapped back to wall-clock time, spikes on 双11 like real stores do.
import { type Rng, weighted } from './random.js';

export const MINUTE = 60_000;
export const HOUR = 3_600_000;
export const DAY = 86_400_000;
const SHANGHAI_OFFSET = 8 * HOUR; // China has no DST

export function shanghaiDayStart(t: number): number {
  return Math.floor((t + SHANGHAI_OFFSET) / DAY) * DAY - SHANGHAI_OFFSET;
}

/** Shanghai day number (days since 1970-01-01 in Asia/Shanghai). */
export function shanghaiDay(t: number): number {
  return Math.floor((t + SHANGHAI_OFFSET) / DAY);
}

// Formatting dates is hot (every order id); a few thousand distinct days cover any window.
const dateCache = new Map<number, string>();

/** YYYY-MM-DD of t in Shanghai. */
export function shanghaiDate(t: number): string {
  const day = shanghaiDay(t);
  let s = dateCache.get(day);
  if (s === undefined) {
    s = new Date(day * DAY).toISOString().slice(0, 10);
    if (dateCache.size > 20_000) dateCache.clear();
    dateCache.set(day, s);
  }
  return s;
}

/** Start of the history window: now − years (365.25-day years). */
export function windowStart(now: number, years: number): number {
  return now - Math.round(years * 365.25 * DAY);
}

// Share of activity by Shanghai hour: lunch break and the 20–23 evening peak dominate.
const HOURS = weighted(
  [3, 1.5, 0.8, 0.5, 0.4, 0.5, 1, 2.5, 3.5, 4, 4.5, 5, 6.5, 6, 4.5, 4.5, 4.5, 5, 5.5, 6.5, 8.5, 9.5, 8.5, 5.5].map(
    (w, hour) => [hour, w] as const,
  ),
);

/** Relative shopping intensity of a Shanghai calendar day (before normalisation). */
function festivalWeight(t: number): number {
  const d = new Date(t + SHANGHAI_OFFSET + 12 * HOUR);
  const month = d.getUTCMonth() + 1;
  const day = d.getUTCDate();
  const weekday = d.getUTCDay();
  let w = weekday === 0 || weekday === 6 ? 1.15 : 1;
  if (month === 11 && day === 11) w *= 5; // 双11
  else if (month === 11 && day < 11) w *= 1.6; // 双11 presale
  else if (month === 10 && day >= 20) w *= 1.3;
  else if (month === 6 && day === 18) w *= 3; // 618
  else if (month === 6 && day < 18) w *= 1.35;
  else if (month === 3 && (day === 7 || day === 8)) w *= 2.2; // 女王节
  else if (month === 5 && day === 20) w *= 1.8; // 520
  else if (month === 2 && day === 14) w *= 1.6; // 情人节: lipsticks
  else if (month === 12 && day === 12) w *= 1.8; // 双12
  return w;
}

// Normalise by a whole year so that "per day" rates mean per average day.
const MEAN_FESTIVAL_WEIGHT = (() => {
  const start = Date.UTC(2023, 0, 1) - SHANGHAI_OFFSET;
  let sum = 0;
  for (let d = 0; d < 365; d++) sum += festivalWeight(start + d * DAY);
  return sum / 365;
})();

/** Acquisition grows 3× across the window (the brand's private domain is growing). */
const ACQUISITION_GROWTH = Math.log(3);

/** Searches the last index i with a[i] <= x (a ascending, a[0] <= x). */
function floorIndex(a: Float64Array, x: number, hi: number): number {
  let lo = 0;
  while (lo < hi) {
    const mid = (lo + hi + 1) >>> 1;
    if (a[mid] <= x) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

export class Timeline {
  readonly start: number;
  readonly now: number;
  /** Shanghai midnight of each day touching the window. */
  private readonly dayStart: Float64Array;
  /** Intensity of each day (mean 1 over a year). */
  readonly intensity: Float64Array;
  /** Λ at the window-clipped start of each day; length days + 1. */
  private readonly cum: Float64Array;
  /** Cumulative acquisition weight, normalised to 1; length days + 1. */
  private readonly acqCum: Float64Array;
  readonly days: number;

  constructor(now: number, years: number) {
    this.now = now;
    this.start = windowStart(now, years);
    const first = shanghaiDayStart(this.start);
    this.days = Math.floor((shanghaiDayStart(now) - first) / DAY) + 1;
    this.dayStart = new Float64Array(this.days);
    this.intensity = new Float64Array(this.days);
    this.cum = new Float64Array(this.days + 1);
    this.acqCum = new Float64Array(this.days + 1);
    const span = Math.max(1, now - this.start);
    for (let d = 0; d < this.days; d++) {
      const ds = first + d * DAY;
      const len = (Math.min(ds + DAY, now) - Math.max(ds, this.start)) / DAY;
      const m = festivalWeight(ds) / MEAN_FESTIVAL_WEIGHT;
      const progress = (Math.max(ds, this.start) - this.start) / span;
      this.dayStart[d] = ds;
      this.intensity[d] = m;
      this.cum[d + 1] = this.cum[d] + m * Math.max(0, len);
      // Ads spend follows festivals too, less sharply than buying does.
      this.acqCum[d + 1] = this.acqCum[d] + Math.sqrt(m) * Math.exp(ACQUISITION_GROWTH * progress) * Math.max(0, len);
    }
    const total = this.acqCum[this.days];
    for (let d = 1; d <= this.days; d++) this.acqCum[d] /= total;
  }

  private dayOf(t: number): number {
    return Math.min(this.days - 1, Math.max(0, Math.floor((t - this.dayStart[0]) / DAY)));
  }

  /** Λ(t): effective days elapsed since the window start. */
  lambda(t: number): number {
    if (t <= this.start) return 0;
    if (t >= this.now) return this.cum[this.days];
    const d = this.dayOf(t);
    return this.cum[d] + (this.intensity[d] * (t - Math.max(this.dayStart[d], this.start))) / DAY;
  }

  /** Λ⁻¹(τ): the wall-clock time at which τ effective days have elapsed. */
  inverse(tau: number): number {
    if (tau <= 0) return this.start;
    if (tau >= this.cum[this.days]) return this.now;
    const d = floorIndex(this.cum, tau, this.days - 1);
    return Math.max(this.dayStart[d], this.start) + ((tau - this.cum[d]) / this.intensity[d]) * DAY;
  }

  get totalLambda(): number {
    return this.cum[this.days];
  }

  /** Day index and window-clipped bounds for the acquisition quantile u ∈ (0,1). */
  acquisitionAt(u: number): { lo: number; hi: number; frac: number } {
    const d = floorIndex(this.acqCum, u, this.days - 1);
    const lo = Math.max(this.dayStart[d], this.start);
    const hi = Math.min(this.dayStart[d] + DAY, this.now);
    const width = this.acqCum[d + 1] - this.acqCum[d];
    return { lo, hi, frac: width > 0 ? (u - this.acqCum[d]) / width : 0 };
  }

  /** First-seen time: a growing, festival-shaped day, then a realistic hour. */
  sampleAcquisition(rng: Rng): number {
    const { lo, hi } = this.acquisitionAt(rng.float());
    return placeInDay(rng, shanghaiDayStart(lo), lo, hi);
  }

  /** Festival multiplier of the Shanghai day containing t. */
  intensityAt(t: number): number {
    return this.intensity[this.dayOf(t)];
  }
}

/**
 * A time within [lo, hi] on the Shanghai day starting at dayStart, following hour-of-day habits.
 * Rejection keeps the hour shape; narrow windows (the first or the current day) fall back to uniform.
 */
export function placeInDay(rng: Rng, dayStart: number, lo: number, hi: number): number {
  lo = Math.ceil(lo);
  hi = Math.max(lo, Math.floor(hi));
  for (let attempt = 0; attempt < 4; attempt++) {
    const t = dayStart + rng.choose(HOURS) * HOUR + Math.floor(rng.float() * HOUR);
    if (t >= lo && t <= hi) return t;
  }
  return Math.floor(lo + rng.float() * (hi - lo));
}

/** Moves t to a realistic hour on its own Shanghai day, staying within [lo, hi]. */
export function atRealisticHour(rng: Rng, t: number, lo: number, hi: number): number {
  const day = shanghaiDayStart(t);
  return placeInDay(rng, day, Math.max(day, lo), Math.min(day + DAY - 1, hi));
}
