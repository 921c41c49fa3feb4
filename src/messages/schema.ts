import type { ColumnType } from 'kysely';

/** State-store tables of the messages and channels modules (src/store/migrations/state-messages.ts). */
type Timestamp = ColumnType<Date, Date | string, Date | string>;
type Json<T> = ColumnType<T, string, string>;

export type MessageStatus = 'queued' | 'deferred' | 'sending' | 'sent' | 'delivered' | 'failed' | 'suppressed' | 'parked';

export interface MessageTemplatesTable {
  workspace_id: string;
  id: string;
  name: string;
  channel: string;
  content: Json<Record<string, unknown>>;
  variables: Json<string[]>;
  created_at: Timestamp;
  created_by: string | null;
  updated_at: Timestamp;
  deleted_at: Timestamp | null;
}

export interface MessagesTable {
  workspace_id: string;
  id: string;
  customer_id: string;
  channel: string;
  template_id: string;
  idempotency_key: string;
  source_kind: 'journey' | 'campaign' | 'manual';
  source_id: string;
  run_id: string | null;
  step_id: string | null;
  variant: string | null;
  vars: Json<Record<string, unknown>>;
  golden: boolean;
  marketing: boolean;
  status: MessageStatus;
  reason: string | null;
  reason_code: string | null;
  attempts: ColumnType<number, number | undefined, number>;
  not_before: Timestamp;
  created_at: Timestamp;
  sent_at: Timestamp | null;
  delivered_at: Timestamp | null;
  clicked_at: Timestamp | null;
  replied_at: Timestamp | null;
  rendered: Json<Record<string, unknown>> | null;
  provider_ref: string | null;
}

export interface MessagePoliciesTable {
  workspace_id: string;
  policies: Json<unknown>;
  updated_at: Timestamp;
}

export interface ChannelSettingsTable {
  workspace_id: string;
  channel: string;
  settings: Json<Record<string, unknown>>;
  updated_at: Timestamp;
}

export interface UnsubscribesTable {
  workspace_id: string;
  customer_id: string;
  channel: string;
  at: Timestamp;
  source: string;
  message_id: string | null;
}

export interface MessageLinksTable {
  token: string;
  workspace_id: string;
  message_id: string;
  name: string;
  url: string;
  clicks: ColumnType<number, number | undefined, number>;
  first_clicked_at: Timestamp | null;
}

declare module '../store/schema.js' {
  interface StateDB {
    message_templates: MessageTemplatesTable;
    messages: MessagesTable;
    message_policies: MessagePoliciesTable;
    channel_settings: ChannelSettingsTable;
    unsubscribes: UnsubscribesTable;
    message_links: MessageLinksTable;
  }
}
