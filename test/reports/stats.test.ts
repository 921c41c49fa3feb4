import { describe, expect, it } from 'vitest';
import { Z95, conversionLift, meanLift } from '../../src/reports/index.js';

describe('lift statistics', () => {
  it('two-proportion difference and relative lift with 95% intervals, against a hand-computed example', () => {
    // Treated 200 of 1000 converted, control 15 of 100.
    // difference = 0.20 − 0.15 = 0.05; SE = √(0.2·0.8/1000 + 0.15·0.85/100) = √0.001435 = 0.0378814
    // CI = 0.05 ± 1.959964 · 0.0378814 = [−0.024246, 0.124246]
    // relative lift = 0.2/0.15 − 1 = 0.33333; SE(log RR) = √(1/200 − 1/1000 + 1/15 − 1/100) = 0.246306
    // CI = exp(ln(1.33333) ± 1.959964 · 0.246306) − 1 = [−0.177222, 1.160702]
    const l = conversionLift({ n: 1000, conversions: 200 }, { n: 100, conversions: 15 });
    expect(Z95).toBeCloseTo(1.959964, 5);
    expect(l.treated.rate).toBe(0.2);
    expect(l.control.rate).toBe(0.15);
    expect(l.difference).toBeCloseTo(0.05, 10);
    expect(l.differenceCi![0]).toBeCloseTo(-0.024246, 5);
    expect(l.differenceCi![1]).toBeCloseTo(0.124246, 5);
    expect(l.relativeLift).toBeCloseTo(1 / 3, 10);
    expect(l.relativeLiftCi![0]).toBeCloseTo(-0.177222, 5);
    expect(l.relativeLiftCi![1]).toBeCloseTo(1.160702, 5);
    expect(l.significant).toBe(false);

    const big = conversionLift({ n: 10_000, conversions: 1200 }, { n: 10_000, conversions: 1000 });
    expect(big.significant).toBe(true);
    expect(big.differenceCi![0]).toBeGreaterThan(0);
  });

  it('gives no interval where none can be computed', () => {
    const noControl = conversionLift({ n: 10, conversions: 2 }, { n: 0, conversions: 0 });
    expect(noControl).toMatchObject({ difference: null, differenceCi: null, relativeLift: null, significant: false });
    const zeroControl = conversionLift({ n: 10, conversions: 2 }, { n: 10, conversions: 0 });
    expect(zeroControl.difference).toBeCloseTo(0.2);
    expect(zeroControl.relativeLift).toBeNull();
  });

  it('revenue per person: difference of means with a Welch interval', () => {
    // treated values 0, 100, 200 (mean 100, variance 10000); control 0, 0, 60 (mean 20, variance 1200)
    // SE = √(10000/3 + 1200/3) = √3733.33 = 61.1010; CI = 80 ± 1.959964 · 61.1010
    const m = meanLift({ n: 3, sum: 300, sumSq: 50_000 }, { n: 3, sum: 60, sumSq: 3600 });
    expect(m.treated).toBe(100);
    expect(m.control).toBe(20);
    expect(m.difference).toBe(80);
    expect(m.differenceCi![0]).toBeCloseTo(80 - 1.959964 * 61.101009, 3);
    expect(m.differenceCi![1]).toBeCloseTo(80 + 1.959964 * 61.101009, 3);
  });
});
