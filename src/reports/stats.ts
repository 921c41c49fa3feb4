/**
 * Treated vs control statistics for reports. Conversion lift uses the two-proportion normal
 * approximation: the difference of rates with a Wald interval, and the relative lift (rate ratio
 * minus one) with the Katz log interval. Revenue per recipient uses Welch's interval on the
 * difference of means, from per-person sums and sums of squares.
 */

/** The 97.5th percentile of the standard normal (simple-statistics' probit is only good to 3 digits). */
export const Z95 = 1.959963984540054;

export interface Proportion {
  n: number;
  conversions: number;
  rate: number | null;
}

export interface ConversionLift {
  treated: Proportion;
  control: Proportion;
  /** treated rate − control rate (absolute, e.g. 0.05 = 5 percentage points). */
  difference: number | null;
  differenceCi: [number, number] | null;
  /** treated rate / control rate − 1. */
  relativeLift: number | null;
  relativeLiftCi: [number, number] | null;
  /** The difference's 95% interval excludes zero. */
  significant: boolean;
}

const rate = (x: number, n: number) => (n > 0 ? x / n : null);

export function conversionLift(treated: { n: number; conversions: number }, control: { n: number; conversions: number }, z = Z95): ConversionLift {
  const p1 = rate(treated.conversions, treated.n);
  const p0 = rate(control.conversions, control.n);
  const out: ConversionLift = {
    treated: { ...treated, rate: p1 },
    control: { ...control, rate: p0 },
    difference: null,
    differenceCi: null,
    relativeLift: null,
    relativeLiftCi: null,
    significant: false,
  };
  if (p1 === null || p0 === null) return out;
  const diff = p1 - p0;
  const se = Math.sqrt((p1 * (1 - p1)) / treated.n + (p0 * (1 - p0)) / control.n);
  out.difference = diff;
  out.differenceCi = [diff - z * se, diff + z * se];
  out.significant = se > 0 ? out.differenceCi[0] > 0 || out.differenceCi[1] < 0 : diff !== 0;
  if (p0 > 0) {
    out.relativeLift = p1 / p0 - 1;
    if (treated.conversions > 0) {
      const seLog = Math.sqrt(1 / treated.conversions - 1 / treated.n + 1 / control.conversions - 1 / control.n);
      const l = Math.log(p1 / p0);
      out.relativeLiftCi = [Math.exp(l - z * seLog) - 1, Math.exp(l + z * seLog) - 1];
    }
  }
  return out;
}

/** Sums over people: n, Σx, Σx² (x = revenue of one person in fen). */
export interface Moments {
  n: number;
  sum: number;
  sumSq: number;
}

export interface MeanLift {
  treated: number | null;
  control: number | null;
  difference: number | null;
  differenceCi: [number, number] | null;
}

function meanVar(m: Moments): { mean: number; variance: number } | null {
  if (m.n === 0) return null;
  const mean = m.sum / m.n;
  const variance = m.n > 1 ? Math.max(0, (m.sumSq - m.n * mean * mean) / (m.n - 1)) : 0;
  return { mean, variance };
}

/** Difference of means (treated − control) with a normal-approximation 95% interval (Welch's standard error). */
export function meanLift(treated: Moments, control: Moments, z = Z95): MeanLift {
  const t = meanVar(treated);
  const c = meanVar(control);
  if (!t || !c) return { treated: t?.mean ?? null, control: c?.mean ?? null, difference: null, differenceCi: null };
  const diff = t.mean - c.mean;
  const se = Math.sqrt(t.variance / treated.n + c.variance / control.n);
  return { treated: t.mean, control: c.mean, difference: diff, differenceCi: [diff - z * se, diff + z * se] };
}
