import type { ColumnType } from 'kysely';

/** State-store tables of the segments and tags modules (src/store/migrations/state-segments.ts). */
type Timestamp = ColumnType<Date, Date | string, Date | string>;
type Json<T> = ColumnType<T, string, string>;

export interface RfmSettingsTable {
  workspace_id: string;
  settings: Json<unknown>;
  updated_at: Timestamp;
}

export interface RfmSnapshotsTable {
  workspace_id: string;
  id: string;
  /** Creation order, also between snapshots taken in the same millisecond. */
  seq: ColumnType<string | number, never, never>;
  at: Timestamp;
  status: 'computing' | 'ready';
  settings: Json<unknown>;
  cuts: Json<{ r: number[]; f: number[]; m: number[] }> | null;
  centers: Json<{ r: number; f: number; m: number }> | null;
  customers: ColumnType<number, number | undefined, number>;
  revenue_fen: ColumnType<number | string, number | undefined, number>;
}

export interface SegmentsTable {
  workspace_id: string;
  id: string;
  name: string;
  description: ColumnType<string, string | undefined, string>;
  rule: Json<unknown>;
  refresh_minutes: number;
  members: ColumnType<number, number | undefined, number>;
  refreshed_at: Timestamp | null;
  created_at: Timestamp;
  created_by: string | null;
  updated_at: Timestamp;
}

export interface AudienceRunsTable {
  workspace_id: string;
  id: string;
  seq: ColumnType<string | number, never, never>;
  audience: string;
  mode: string;
  status: 'diffed' | 'applied';
  started_at: Timestamp;
  finished_at: Timestamp | null;
  entered: ColumnType<number, number | undefined, number>;
  exited: ColumnType<number, number | undefined, number>;
}

export interface AudienceWatermarksTable {
  workspace_id: string;
  name: string;
  at: Timestamp;
}

export interface TraitKeysTable {
  workspace_id: string;
  key: string;
  type: string;
}

export interface LayerSettingsTable {
  workspace_id: string;
  kind: 'lifecycle' | 'ltv';
  settings: Json<unknown>;
  updated_at: Timestamp;
}

export interface TagGroupsTable {
  workspace_id: string;
  id: string;
  name: string;
  exclusive: ColumnType<boolean, boolean | undefined, boolean>;
  position: ColumnType<number, number | undefined, number>;
  created_at: Timestamp;
}

export interface TagsTable {
  workspace_id: string;
  id: string;
  group_id: string;
  name: string;
  kind: 'manual' | 'rule';
  rule: Json<unknown> | null;
  refresh_minutes: number | null;
  members: ColumnType<number, number | undefined, number>;
  refreshed_at: Timestamp | null;
  wecom_tag_id: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}

declare module '../store/schema.js' {
  interface StateDB {
    rfm_settings: RfmSettingsTable;
    rfm_snapshots: RfmSnapshotsTable;
    segments: SegmentsTable;
    audience_runs: AudienceRunsTable;
    audience_watermarks: AudienceWatermarksTable;
    trait_keys: TraitKeysTable;
    layer_settings: LayerSettingsTable;
    tag_groups: TagGroupsTable;
    tags: TagsTable;
  }
}
