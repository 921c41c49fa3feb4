import type { ColumnType, Generated, Insertable, Selectable, Updateable } from 'kysely';

/** Kysely types of the state store. Every workspace-owned table leads with workspace_id. */
type Timestamp = ColumnType<Date, Date | string, Date | string>;
type CreatedAt = ColumnType<Date, Date | string | undefined, never>;
type Json = ColumnType<unknown, string, string>;
type JsonObject = ColumnType<Record<string, unknown>, string, string>;

export interface WorkspacesTable {
  id: string;
  slug: string;
  name: string;
  timezone: string;
  settings: JsonObject;
  created_at: CreatedAt;
}

/** Operators are global: one login may belong to several workspaces (memberships). */
export interface OperatorsTable {
  id: string;
  email: string;
  name: string;
  password_hash: string;
  created_at: CreatedAt;
  disabled_at: Timestamp | null;
}

export interface MembershipsTable {
  workspace_id: string;
  operator_id: string;
  role: string;
  created_at: CreatedAt;
}

export interface SessionsTable {
  token_hash: string;
  operator_id: string;
  workspace_id: string;
  created_at: CreatedAt;
  expires_at: Timestamp;
  ip: string | null;
  user_agent: string | null;
}

export interface ApiKeysTable {
  workspace_id: string;
  id: string;
  name: string;
  role: string;
  prefix: string;
  key_hash: string;
  created_by: string | null;
  created_at: CreatedAt;
  last_used_at: Timestamp | null;
  revoked_at: Timestamp | null;
}

export interface WriteKeysTable {
  workspace_id: string;
  id: string;
  name: string;
  prefix: string;
  key_hash: string;
  created_by: string | null;
  created_at: CreatedAt;
  revoked_at: Timestamp | null;
}

export interface AuditLogTable {
  workspace_id: string;
  id: string;
  at: Timestamp;
  actor_type: string;
  actor_id: string | null;
  actor_name: string | null;
  action: string;
  entity: string;
  entity_id: string | null;
  before: Json | null;
  after: Json | null;
  request_id: string | null;
}

/** Personal data only as ciphertext (*_enc) plus blind indexes for search. */
export interface CustomersTable {
  workspace_id: string;
  id: string;
  name_enc: string | null;
  phone_enc: string | null;
  email_enc: string | null;
  phone_index: string | null;
  phone_tail_index: string | null;
  email_index: string | null;
  name_tokens: ColumnType<string[], string[], string[]>;
  gender: string | null;
  birthday: string | null;
  city: string | null;
  channel: string | null;
  staff_userid: string | null;
  traits: JsonObject;
  first_seen_at: Timestamp;
  last_seen_at: Timestamp;
  created_at: CreatedAt;
  updated_at: Timestamp;
  /** Event time (epoch ms) of each trait's current value: last write wins by event time. */
  trait_times: ColumnType<Record<string, number>, string | undefined, string>;
  /** Personal traits without a column of their own (address, first / last name), sealed as one JSON. */
  pii_enc: string | null;
  consent: ColumnType<Record<string, { granted: boolean; at: string }>, string | undefined, string>;
  /** When `channel` (the first channel) was seen. */
  channel_at: Timestamp | null;
  last_channel: string | null;
  last_channel_at: Timestamp | null;
  /** Set when merged: the customer this one was merged into (not necessarily a root). */
  merged_into: string | null;
  merged_at: Timestamp | null;
  remap_version: ColumnType<number, number | undefined, number>;
  remap_pushed: ColumnType<number, number | undefined, number>;
}

/** One row per identifier; PII identifiers (phone, email) keep a blind index as value and the clear text encrypted. */
export interface IdentitiesTable {
  workspace_id: string;
  type: string;
  collection: string;
  value: string;
  value_enc: string | null;
  customer_id: string;
  created_at: CreatedAt;
}

export interface IdentityRulesTable {
  workspace_id: string;
  type: string;
  identifying: boolean;
  priority: number;
  max_per_customer: number | null;
  updated_at: Timestamp;
}

/** One merge: which identifier linked the two customers, what moved, and whether it was undone. */
export interface IdentityMergesTable {
  workspace_id: string;
  id: string;
  at: Timestamp;
  survivor_id: string;
  merged_id: string;
  cause_type: string;
  cause_collection: string;
  cause_value: string;
  cause_value_enc: string | null;
  cause_message_id: string | null;
  actor_type: string;
  actor_id: string | null;
  actor_name: string | null;
  /** Identity keys that moved from the merged customer to the survivor. */
  moved: ColumnType<{ type: string; collection: string; value: string }[], string, string>;
  /** Sealed JSON: the survivor's traits before it adopted the merged customer's values. */
  adopted_enc: string | null;
  unmerged_at: Timestamp | null;
  unmerged_by: string | null;
}

export interface IdentityConflictsTable {
  workspace_id: string;
  id: string;
  first_at: Timestamp;
  last_at: Timestamp;
  occurrences: ColumnType<number, number | undefined, number>;
  type: string;
  collection: string;
  value: string;
  value_enc: string | null;
  customer_id: string;
  other_customer_id: string | null;
  reason: string;
  message_id: string | null;
  status: ColumnType<'open' | 'resolved', 'open' | 'resolved' | undefined, 'open' | 'resolved'>;
  resolution: string | null;
  resolved_at: Timestamp | null;
  resolved_by: string | null;
}

/** Collection API events, durable before the 200 and sealed (they carry personal data). */
export interface IngestInboxTable {
  workspace_id: string;
  message_id: string;
  received_at: Timestamp;
  payload: string;
  processed_at: Timestamp | null;
  attempts: ColumnType<number, number | undefined, number>;
  error: string | null;
}

/** Processed collection-API messageIds, a batch a row (the de-duplication window). */
export interface IngestMessageIdsTable {
  workspace_id: string;
  seq: Generated<number>;
  at: Timestamp;
  /** How many messageIds the row holds. */
  n: number;
  message_ids: string;
}

/** Customers whose identifier links changed; NULL for the whole workspace. */
export interface IdentityChangesTable {
  workspace_id: string;
  seq: Generated<number>;
  customer_id: string | null;
  at: ColumnType<Date, Date | string | undefined, Date | string>;
}

export interface ProductsTable {
  workspace_id: string;
  sku: string;
  name: string;
  category: string;
  price_fen: number;
}

export interface StaffTable {
  workspace_id: string;
  userid: string;
  name: string;
  department: string | null;
}

export interface ChannelsTable {
  workspace_id: string;
  key: string;
  name: string;
}

export interface StateDB {
  workspaces: WorkspacesTable;
  operators: OperatorsTable;
  memberships: MembershipsTable;
  sessions: SessionsTable;
  api_keys: ApiKeysTable;
  write_keys: WriteKeysTable;
  audit_log: AuditLogTable;
  customers: CustomersTable;
  identities: IdentitiesTable;
  identity_rules: IdentityRulesTable;
  identity_merges: IdentityMergesTable;
  identity_conflicts: IdentityConflictsTable;
  ingest_inbox: IngestInboxTable;
  ingest_message_ids: IngestMessageIdsTable;
  identity_changes: IdentityChangesTable;
  products: ProductsTable;
  staff: StaffTable;
  channels: ChannelsTable;
  system_settings: { key: string; value: string };
}

export type Workspace = Selectable<WorkspacesTable>;
export type Operator = Selectable<OperatorsTable>;
export type Customer = Selectable<CustomersTable>;
export type NewCustomer = Insertable<CustomersTable>;
export type CustomerUpdate = Updateable<CustomersTable>;
