import type { ColumnType } from 'kysely';
import type { CampaignStatus, CampaignVariant } from './view-types.js';

/** State-store tables of the campaigns module (src/store/migrations/state-campaigns.ts). */
type Timestamp = ColumnType<Date, Date | string, Date | string>;
type Json<T> = ColumnType<T, string, string>;

export { CAMPAIGN_STATUSES, type CampaignStatus, type CampaignVariant } from './view-types.js';

export interface CampaignsTable {
  workspace_id: string;
  id: string;
  name: string;
  description: ColumnType<string, string | undefined, string>;
  segment_id: string;
  channel: string;
  variants: Json<CampaignVariant[]>;
  holdout_percent: number;
  send_at: Timestamp | null;
  golden: ColumnType<boolean, boolean | undefined, boolean>;
  attribution_days: number;
  status: CampaignStatus;
  created_at: Timestamp;
  created_by: string | null;
  created_by_name: string | null;
  updated_at: Timestamp;
  submitted_at: Timestamp | null;
  submitted_by: string | null;
  approved_at: Timestamp | null;
  approved_by: string | null;
  rejected_at: Timestamp | null;
  rejected_by: string | null;
  reject_reason: string | null;
  due_at: Timestamp | null;
  started_at: Timestamp | null;
  sent_at: Timestamp | null;
  cancelled_at: Timestamp | null;
  cancelled_by: string | null;
  send_cursor: string | null;
  claimed_until: Timestamp | null;
  recipients: ColumnType<number, number | undefined, number>;
}

export interface CampaignRecipientsTable {
  workspace_id: string;
  campaign_id: string;
  customer_id: string;
  /** A variant key, or 'holdout' for the control group (no message). */
  variant: string;
  message_id: string | null;
  assigned_at: Timestamp;
}

declare module '../store/schema.js' {
  interface StateDB {
    campaigns: CampaignsTable;
    campaign_recipients: CampaignRecipientsTable;
  }
}
