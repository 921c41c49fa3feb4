// Campaign statuses and the campaign view, kept free of runtime imports: the console imports them (type-only, as Wire<…>).

export const CAMPAIGN_STATUSES = ['draft', 'pending_approval', 'approved', 'rejected', 'scheduled', 'sending', 'sent', 'cancelled'] as const;
export type CampaignStatus = (typeof CAMPAIGN_STATUSES)[number];

export interface CampaignVariant {
  key: string;
  templateId: string;
  weight: number;
}

export interface Campaign {
  id: string;
  name: string;
  description: string;
  segmentId: string;
  channel: string;
  variants: CampaignVariant[];
  holdoutPercent: number;
  schedule: { mode: 'now' } | { mode: 'at'; at: string };
  golden: boolean;
  attributionDays: number;
  status: CampaignStatus;
  createdAt: Date;
  createdBy: { id: string | null; name: string | null };
  updatedAt: Date;
  submittedAt: Date | null;
  submittedBy: string | null;
  approvedAt: Date | null;
  approvedBy: string | null;
  rejectedAt: Date | null;
  rejectedBy: string | null;
  rejectReason: string | null;
  dueAt: Date | null;
  startedAt: Date | null;
  sentAt: Date | null;
  cancelledAt: Date | null;
  cancelledBy: string | null;
  recipients: number;
}
