// Wire shapes of /api/campaigns (src/campaigns/routes.ts) and the campaign report (src/reports).

import type { Wire } from '../../../../src/api/wire';
import type { Campaign as CampaignView, CampaignStatus, CampaignVariant } from '../../../../src/campaigns/view-types';
import type { Channel } from '../../journeys/types';

export type { CampaignStatus };
export const CAMPAIGN_STATUSES: readonly CampaignStatus[] = ['draft', 'pending_approval', 'approved', 'rejected', 'scheduled', 'sending', 'sent', 'cancelled'];

export type Variant = CampaignVariant;

export type Schedule = { mode: 'now' } | { mode: 'at'; at: string };

export interface CampaignInput {
  name: string;
  description: string;
  segmentId: string;
  channel: Channel;
  variants: Variant[];
  holdoutPercent: number;
  schedule: Schedule;
  golden: boolean;
  attributionDays: number;
}

export type Campaign = Wire<CampaignView>;
