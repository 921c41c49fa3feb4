// Wire shapes of src/reports (journey analytics, campaign report): lift vs holdout with 95% intervals.

import type { Wire } from '../../../src/api/wire';
import type { ConversionLift as ConversionLiftResult } from '../../../src/reports/stats';
import type { ArmOutcome, CampaignReport as CampaignReportResult, GroupStats, JourneyAnalytics as JourneyAnalyticsResult } from '../../../src/reports/types';

export type ConversionLift = Wire<ConversionLiftResult>;
export type { GroupStats };
export type JourneyArm = ArmOutcome;
export type JourneyAnalytics = Wire<JourneyAnalyticsResult>;
export type CampaignReport = Wire<CampaignReportResult>;

export const pct = (v: number | null | undefined, digits = 1) => (v == null ? '—' : `${(v * 100).toFixed(digits)}%`);
/** Percentage points, signed. */
export const pp = (v: number | null | undefined) => (v == null ? '—' : `${v >= 0 ? '+' : ''}${(v * 100).toFixed(2)}pp`);
export const ciText = (ci: number[] | null | undefined, f: (v: number) => string) => (ci && ci.length === 2 ? `[${f(ci[0]!)}, ${f(ci[1]!)}]` : '—');
