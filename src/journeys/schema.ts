import type { ColumnType } from 'kysely';
import type { RunStatus } from './view-types.js';

/** State-store tables of the journeys engine (src/store/migrations/state-journeys.ts). */
type Timestamp = ColumnType<Date, Date | string, Date | string>;
type Json<T> = ColumnType<T, string, string>;
type Int = ColumnType<number, number | undefined, number>;

export type JourneyStatus = 'draft' | 'live' | 'paused' | 'archived';
export type { RunStatus };

export interface JourneysTable {
  workspace_id: string;
  id: string;
  name: string;
  description: string;
  status: JourneyStatus;
  draft: Json<unknown>;
  live_version: number | null;
  trigger_kind: string | null;
  published_at: Timestamp | null;
  created_at: Timestamp;
  created_by: string | null;
  updated_at: Timestamp;
  template_key: string | null;
}

export interface JourneyVersionsTable {
  workspace_id: string;
  journey_id: string;
  version: number;
  graph: Json<unknown>;
  published_at: Timestamp;
  published_by: string | null;
}

export interface JourneyRunsTable {
  workspace_id: string;
  id: string;
  journey_id: string;
  version: number;
  customer_id: string;
  status: RunStatus;
  step_id: string | null;
  seq: Int;
  entered_at: Timestamp;
  next_at: Timestamp | null;
  wait_event: Json<WaitEvent | null> | null;
  finished_at: Timestamp | null;
  exit_reason: string | null;
  holdout: ColumnType<boolean, boolean | undefined, boolean>;
  arm: string | null;
  context: Json<RunContext>;
  converted_at: Timestamp | null;
  conversion_value_fen: ColumnType<string | number | null, number | null | undefined, number | null>;
  attempts: Int;
  claimed_until: Timestamp | null;
  trigger_key: string | null;
}

/** What a run waiting on an event looks for; `matched` is set by the event scanner. */
export interface WaitEvent {
  event: string;
  where?: unknown[];
  since: string;
  matched?: { at: string; messageId: string };
}

/** Data a run carries between steps: the triggering event, what was granted, visits per step. */
export interface RunContext {
  event?: { name: string; properties: Record<string, unknown>; messageId?: string };
  grant?: { coupon?: { amount: number; code: string; expires: string }; points?: number };
  visits?: Record<string, number>;
  error?: string;
}

export interface JourneyStepsTable {
  workspace_id: string;
  run_id: string;
  journey_id: string;
  step_id: string;
  seq: number;
  entered_at: Timestamp;
  left_at: Timestamp | null;
  outcome: string | null;
}

export interface JourneyMarksTable {
  workspace_id: string;
  name: string;
  at: Timestamp;
  value: string | null;
}

export interface JourneyEffectsTable {
  workspace_id: string;
  id: string;
  kind: string;
  target: string;
  customer_id: string;
  created_at: Timestamp;
  done_at: Timestamp | null;
  error: string | null;
}

export interface StaffTasksTable {
  workspace_id: string;
  id: string;
  customer_id: string;
  assignee: string | null;
  title: string;
  detail: string;
  status: 'open' | 'done';
  due_at: Timestamp;
  created_at: Timestamp;
  done_at: Timestamp | null;
  done_by: string | null;
  journey_id: string | null;
  run_id: string | null;
  step_id: string | null;
  idempotency_key: string;
}

declare module '../store/schema.js' {
  interface StateDB {
    journeys: JourneysTable;
    journey_versions: JourneyVersionsTable;
    journey_runs: JourneyRunsTable;
    journey_steps: JourneyStepsTable;
    journey_marks: JourneyMarksTable;
    journey_effects: JourneyEffectsTable;
    staff_tasks: StaffTasksTable;
  }
}
