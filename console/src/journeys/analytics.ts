// Wire shapes of src/reports (journey analytics, campaign report): lift vs holdout with 95% intervals.

import type { StepCounts } from './types';

export interface Proportion {
  n: number;
  conversions: number;
  rate: number | null;
}

export interface ConversionLift {
  treated: Proportion;
  control: Proportion;
  /** Treated rate − control rate. */
  difference: number | null;
  differenceCi: number[] | null;
  relativeLift: number | null;
  relativeLiftCi: number[] | null;
  significant: boolean;
}

export interface MeanLift {
  treated: number | null;
  control: number | null;
  difference: number | null;
  differenceCi: number[] | null;
}

export interface JourneyArm {
  runs: number;
  converted: number;
  conversionRate: number | null;
  revenueFen: number;
  revenuePerRunFen: number | null;
}

export interface Comparison {
  treated: JourneyArm;
  holdout: JourneyArm;
  lift: { conversion: ConversionLift; revenuePerRunFen: MeanLift };
}

export interface JourneyAnalytics {
  journeyId: string;
  version: number | null;
  steps: Record<string, StepCounts & { failed?: number }>;
  totals: { runs: number; byStatus: Record<string, number> };
  comparison: Comparison;
  versions: (Comparison & { version: number })[];
}

export interface GroupStats {
  recipients: number;
  sent: number;
  delivered: number;
  failed: number;
  suppressed: number;
  suppressedByReason: Record<string, number>;
  clicked: number;
  converted: number;
  conversionRate: number | null;
  revenueFen: number;
  revenuePerRecipientFen: number | null;
}

export interface CampaignReport {
  campaignId: string;
  status: string;
  attributionDays: number;
  window: { from: string; to: string } | null;
  all: GroupStats;
  treated: GroupStats;
  holdout: GroupStats | null;
  variants: (GroupStats & { key: string; templateId: string; weight: number })[];
  lift: { conversion: ConversionLift; revenuePerRecipientFen: MeanLift } | null;
}

export const pct = (v: number | null | undefined, digits = 1) => (v == null ? '—' : `${(v * 100).toFixed(digits)}%`);
/** Percentage points, signed. */
export const pp = (v: number | null | undefined) => (v == null ? '—' : `${v >= 0 ? '+' : ''}${(v * 100).toFixed(2)}pp`);
export const ciText = (ci: number[] | null | undefined, f: (v: number) => string) => (ci && ci.length === 2 ? `[${f(ci[0]!)}, ${f(ci[1]!)}]` : '—');
