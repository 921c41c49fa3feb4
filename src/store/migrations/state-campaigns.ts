import type { Kysely, Migration } from 'kysely';
import { execScript } from './script.js';

/** State-store tables of the campaigns module (群发): definitions, approval and the recipient snapshot. */
export const stateCampaignsMigrations: Record<string, Migration> = {
  '0060_campaigns': {
    async up(db: Kysely<any>) {
      await execScript(db, `
        -- One campaign. status: draft -> pending_approval -> approved -> scheduled -> sending -> sent,
        -- or rejected (back to draft when edited) / cancelled. send_at null = send as soon as /send is
        -- called; due_at is when the worker starts it. send_cursor is the last customer id handled,
        -- so a send that dies resumes after it; claimed_until is the sending worker's lease.
        CREATE TABLE campaigns (
          workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
          id uuid NOT NULL,
          name text NOT NULL,
          description text NOT NULL DEFAULT '',
          segment_id uuid NOT NULL,
          channel text NOT NULL,
          variants jsonb NOT NULL,
          holdout_percent integer NOT NULL DEFAULT 0,
          send_at timestamptz,
          golden boolean NOT NULL DEFAULT false,
          attribution_days integer NOT NULL DEFAULT 7,
          status text NOT NULL,
          created_at timestamptz NOT NULL,
          created_by text,
          created_by_name text,
          updated_at timestamptz NOT NULL,
          submitted_at timestamptz,
          submitted_by text,
          approved_at timestamptz,
          approved_by text,
          rejected_at timestamptz,
          rejected_by text,
          reject_reason text,
          due_at timestamptz,
          started_at timestamptz,
          sent_at timestamptz,
          cancelled_at timestamptz,
          cancelled_by text,
          send_cursor uuid,
          claimed_until timestamptz,
          recipients integer NOT NULL DEFAULT 0,
          PRIMARY KEY (workspace_id, id)
        );
        CREATE INDEX campaigns_due ON campaigns (due_at) WHERE status IN ('scheduled', 'sending');
        CREATE INDEX campaigns_list ON campaigns (workspace_id, created_at);

        -- The audience snapshot: who the campaign reached, in which variant ('holdout' = control).
        CREATE TABLE campaign_recipients (
          workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
          campaign_id uuid NOT NULL,
          customer_id uuid NOT NULL,
          variant text NOT NULL,
          message_id uuid,
          assigned_at timestamptz NOT NULL,
          PRIMARY KEY (workspace_id, campaign_id, customer_id)
        );
        CREATE INDEX campaign_recipients_message ON campaign_recipients (workspace_id, message_id) WHERE message_id IS NOT NULL;
      `);
    },
  },
};
