// Wire shapes of /api/campaigns (src/campaigns/routes.ts) and the campaign report (src/reports).

import type { Channel } from '../../journeys/types';

export const CAMPAIGN_STATUSES = ['draft', 'pending_approval', 'approved', 'rejected', 'scheduled', 'sending', 'sent', 'cancelled'] as const;
export type CampaignStatus = (typeof CAMPAIGN_STATUSES)[number];

export interface Variant {
  key: string;
  templateId: string;
  weight: number;
}

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

export interface Campaign extends CampaignInput {
  id: string;
  status: CampaignStatus;
  createdAt: string;
  createdBy: { id: string | null; name: string | null };
  updatedAt: string;
  submittedAt: string | null;
  submittedBy: string | null;
  approvedAt: string | null;
  approvedBy: string | null;
  rejectedAt: string | null;
  rejectedBy: string | null;
  rejectReason: string | null;
  dueAt: string | null;
  startedAt: string | null;
  sentAt: string | null;
  cancelledAt: string | null;
  cancelledBy: string | null;
  recipients: number;
}
