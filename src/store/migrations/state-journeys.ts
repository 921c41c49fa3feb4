import type { Kysely, Migration } from 'kysely';
import { execScript } from './script.js';

/** State-store tables of the journeys engine, its loyalty grants and staff follow-up tasks (0040–0049). */
export const stateJourneysMigrations: Record<string, Migration> = {
  '0040_journeys': {
    async up(db: Kysely<any>) {
      await execScript(db, `
        CREATE TABLE journeys (
          workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
          id uuid NOT NULL,
          name text NOT NULL,
          description text NOT NULL DEFAULT '',
          status text NOT NULL,
          draft jsonb NOT NULL,
          live_version integer,
          trigger_kind text,
          published_at timestamptz,
          created_at timestamptz NOT NULL,
          created_by text,
          updated_at timestamptz NOT NULL,
          template_key text,
          PRIMARY KEY (workspace_id, id)
        );
        CREATE INDEX journeys_live ON journeys (workspace_id, status);

        CREATE TABLE journey_versions (
          workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
          journey_id uuid NOT NULL,
          version integer NOT NULL,
          graph jsonb NOT NULL,
          published_at timestamptz NOT NULL,
          published_by text,
          PRIMARY KEY (workspace_id, journey_id, version)
        );

        -- One customer's pass through one version of a journey. next_at is the due time of its
        -- next step (null when it waits on an event only or has finished); seq numbers its step
        -- visits (journey_steps). trigger_key de-duplicates entries (event message id, schedule tick).
        CREATE TABLE journey_runs (
          workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
          id uuid NOT NULL,
          journey_id uuid NOT NULL,
          version integer NOT NULL,
          customer_id uuid NOT NULL,
          status text NOT NULL,
          step_id text,
          seq integer NOT NULL DEFAULT 0,
          entered_at timestamptz NOT NULL,
          next_at timestamptz,
          wait_event jsonb,
          finished_at timestamptz,
          exit_reason text,
          holdout boolean NOT NULL DEFAULT false,
          arm text,
          context jsonb NOT NULL DEFAULT '{}',
          converted_at timestamptz,
          conversion_value_fen bigint,
          attempts integer NOT NULL DEFAULT 0,
          claimed_until timestamptz,
          trigger_key text,
          PRIMARY KEY (workspace_id, id)
        );
        -- Due work, across workspaces: what workers claim.
        CREATE INDEX journey_runs_due ON journey_runs (next_at) WHERE status IN ('active', 'waiting') AND next_at IS NOT NULL;
        -- At most one run of a journey in flight per customer.
        CREATE UNIQUE INDEX journey_runs_in_flight ON journey_runs (workspace_id, journey_id, customer_id) WHERE status IN ('active', 'waiting');
        CREATE UNIQUE INDEX journey_runs_trigger ON journey_runs (workspace_id, journey_id, customer_id, trigger_key) WHERE trigger_key IS NOT NULL;
        CREATE INDEX journey_runs_customer ON journey_runs (workspace_id, customer_id, journey_id, entered_at);
        CREATE INDEX journey_runs_journey ON journey_runs (workspace_id, journey_id, status, step_id);

        CREATE TABLE journey_steps (
          workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
          run_id uuid NOT NULL,
          journey_id uuid NOT NULL,
          step_id text NOT NULL,
          seq integer NOT NULL,
          entered_at timestamptz NOT NULL,
          left_at timestamptz,
          outcome text,
          PRIMARY KEY (workspace_id, run_id, seq)
        );
        CREATE INDEX journey_steps_journey ON journey_steps (workspace_id, journey_id, step_id);

        -- How far each trigger source has been read, per workspace or journey.
        CREATE TABLE journey_marks (
          workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
          name text NOT NULL,
          at timestamptz NOT NULL,
          value text,
          PRIMARY KEY (workspace_id, name)
        );

        -- Side effects applied to the events store after the run's transaction (tags), in batches.
        CREATE TABLE journey_effects (
          workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
          id uuid NOT NULL,
          kind text NOT NULL,
          target text NOT NULL,
          customer_id uuid NOT NULL,
          created_at timestamptz NOT NULL,
          done_at timestamptz,
          error text,
          PRIMARY KEY (workspace_id, id)
        );
        CREATE INDEX journey_effects_pending ON journey_effects (created_at) WHERE done_at IS NULL;

        CREATE TABLE coupon_grants (
          workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
          id uuid NOT NULL,
          customer_id uuid NOT NULL,
          coupon_key text NOT NULL,
          code text NOT NULL,
          amount_fen bigint NOT NULL,
          threshold_fen bigint NOT NULL DEFAULT 0,
          granted_at timestamptz NOT NULL,
          expires_at timestamptz NOT NULL,
          redeemed_at timestamptz,
          idempotency_key text NOT NULL,
          source text,
          PRIMARY KEY (workspace_id, id)
        );
        CREATE UNIQUE INDEX coupon_grants_key ON coupon_grants (workspace_id, idempotency_key);
        CREATE INDEX coupon_grants_customer ON coupon_grants (workspace_id, customer_id);

        CREATE TABLE points_ledger (
          workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
          id uuid NOT NULL,
          customer_id uuid NOT NULL,
          points bigint NOT NULL,
          reason text NOT NULL,
          at timestamptz NOT NULL,
          idempotency_key text NOT NULL,
          source text,
          PRIMARY KEY (workspace_id, id)
        );
        CREATE UNIQUE INDEX points_ledger_key ON points_ledger (workspace_id, idempotency_key);
        CREATE INDEX points_ledger_customer ON points_ledger (workspace_id, customer_id);

        CREATE TABLE staff_tasks (
          workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
          id uuid NOT NULL,
          customer_id uuid NOT NULL,
          assignee text,
          title text NOT NULL,
          detail text NOT NULL DEFAULT '',
          status text NOT NULL DEFAULT 'open',
          due_at timestamptz NOT NULL,
          created_at timestamptz NOT NULL,
          done_at timestamptz,
          done_by text,
          journey_id uuid,
          run_id uuid,
          step_id text,
          idempotency_key text NOT NULL,
          PRIMARY KEY (workspace_id, id)
        );
        CREATE UNIQUE INDEX staff_tasks_key ON staff_tasks (workspace_id, idempotency_key);
        CREATE INDEX staff_tasks_open ON staff_tasks (workspace_id, status, due_at);
      `);
    },
  },
};
