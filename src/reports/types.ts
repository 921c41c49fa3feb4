// Result types of the reports, kept free of runtime imports: the console imports them (type-only, as Wire<…>).

import type { StepCounts as LiveStepCounts } from '../journeys/view-types.js';
import type { ConversionLift, MeanLift } from './stats.js';

export interface GroupStats {
  recipients: number;
  sent: number;
  delivered: number;
  failed: number;
  /** Messages not settled yet: queued, deferred to a window or being sent. */
  pending: number;
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
  window: { from: Date; to: Date } | null;
  all: GroupStats;
  treated: GroupStats;
  holdout: GroupStats | null;
  variants: (GroupStats & { key: string; templateId: string; weight: number })[];
  lift: { conversion: ConversionLift; revenuePerRecipientFen: MeanLift } | null;
}

/** A step's live counts, plus the runs that failed on it. */
export interface StepCounts extends LiveStepCounts {
  failed: number;
}

export interface ArmOutcome {
  runs: number;
  converted: number;
  conversionRate: number | null;
  revenueFen: number;
  revenuePerRunFen: number | null;
}

export interface Comparison {
  treated: ArmOutcome;
  holdout: ArmOutcome;
  lift: { conversion: ConversionLift; revenuePerRunFen: MeanLift };
}

export interface JourneyAnalytics {
  journeyId: string;
  version: number | null;
  steps: Record<string, StepCounts>;
  totals: { runs: number; byStatus: Record<string, number> };
  comparison: Comparison;
  versions: ({ version: number } & Comparison)[];
}

export interface PathRun {
  id: string;
  version: number;
  status: string;
  holdout: boolean;
  arm: string | null;
  stepId: string | null;
  enteredAt: Date;
  finishedAt: Date | null;
  exitReason: string | null;
  convertedAt: Date | null;
  conversionValueFen: number | null;
  steps: { stepId: string; seq: number; enteredAt: Date; leftAt: Date | null; outcome: string | null }[];
  messages: { id: string; stepId: string | null; channel: string; templateId: string; status: string; reason: string | null; createdAt: Date; sentAt: Date | null; deliveredAt: Date | null; clickedAt: Date | null }[];
}
