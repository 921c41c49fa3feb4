import type { ColumnType, Insertable, Selectable, Updateable } from 'kysely';

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
