import type { ColumnType } from 'kysely';

/** State store tables of the WeCom module (migrations: src/store/migrations/state-wecom.ts). */
type Timestamp = ColumnType<Date, Date | string, Date | string>;
type Jsonb<T> = ColumnType<T, string, string>;

export interface WecomSettingsTable {
  workspace_id: string;
  corp_id: string;
  agent_id: string | null;
  contact_secret_enc: string;
  agent_secret_enc: string | null;
  token_enc: string;
  aes_key_enc: string;
  api_base_url: string;
  options: Jsonb<Record<string, unknown>>;
  connected_at: Timestamp;
  updated_at: Timestamp;
  sync: Jsonb<Record<string, unknown>>;
}

export interface WecomInboxTable {
  workspace_id: string;
  id: string;
  dedupe_key: string;
  received_at: Timestamp;
  kind: string;
  event: Jsonb<Record<string, unknown>>;
  processed_at: Timestamp | null;
  attempts: ColumnType<number, number | undefined, number>;
  error: string | null;
}

export interface WecomTagsTable {
  workspace_id: string;
  tag_id: string;
  group_id: string;
  group_name: string;
  name: string;
}

export interface WecomCodesTable {
  workspace_id: string;
  id: string;
  kind: 'contact' | 'group';
  name: string;
  channel: string;
  state: string;
  short: string;
  config_id: string;
  qr_url: string;
  config: Jsonb<Record<string, unknown>>;
  runtime: Jsonb<Record<string, unknown>>;
  created_at: Timestamp;
  updated_at: Timestamp;
  deleted_at: Timestamp | null;
}

export interface WecomRelationsTable {
  workspace_id: string;
  external_userid: string;
  userid: string;
  customer_id: string;
  remark_enc: string | null;
  description: string | null;
  add_way: number | null;
  state: string | null;
  code_id: string | null;
  tags: Jsonb<string[]>;
  tag_ids: Jsonb<string[]>;
  half: boolean;
  added_at: Timestamp;
  deleted_at: Timestamp | null;
  deleted_by: string | null;
  welcome_status: string | null;
  updated_at: Timestamp;
}

export interface WecomGroupsTable {
  workspace_id: string;
  chat_id: string;
  name: string;
  owner: string;
  code_id: string | null;
  member_count: number;
  code_joins: number;
  created_at: Timestamp;
  updated_at: Timestamp;
  dismissed_at: Timestamp | null;
}

export interface WecomLinkClicksTable {
  workspace_id: string;
  code_id: string;
  day: ColumnType<string, string, string>;
  ch: string;
  clicks: number;
}

export interface WecomInboxLeasesTable {
  workspace_id: string;
  owner: string;
  until: Timestamp;
}

declare module '../store/schema.js' {
  interface StateDB {
    wecom_settings: WecomSettingsTable;
    wecom_inbox: WecomInboxTable;
    wecom_tags: WecomTagsTable;
    wecom_codes: WecomCodesTable;
    wecom_relations: WecomRelationsTable;
    wecom_groups: WecomGroupsTable;
    wecom_link_clicks: WecomLinkClicksTable;
    wecom_inbox_leases: WecomInboxLeasesTable;
  }
}
