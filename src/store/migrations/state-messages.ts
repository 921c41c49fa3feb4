import type { Kysely, Migration } from 'kysely';
import { execScript } from './script.js';

/** State-store tables of the messages and channels modules: templates, the outbox, policies, channel settings, unsubscribes, tracked links. */
export const stateMessagesMigrations: Record<string, Migration> = {
  '0050_messages': {
    async up(db: Kysely<any>) {
      await execScript(db, `
        CREATE TABLE message_templates (
          workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
          id uuid NOT NULL,
          name text NOT NULL,
          channel text NOT NULL,
          content jsonb NOT NULL,
          variables jsonb NOT NULL DEFAULT '[]',
          created_at timestamptz NOT NULL,
          created_by text,
          updated_at timestamptz NOT NULL,
          deleted_at timestamptz,
          PRIMARY KEY (workspace_id, id)
        );
        CREATE UNIQUE INDEX message_templates_name ON message_templates (workspace_id, name) WHERE deleted_at IS NULL;

        -- The outbox. One row per (customer, send); idempotency_key makes retries and crashes harmless.
        -- not_before is the next attempt, the end of a deferral, or (status 'sending') the lease after
        -- which an unanswered send is looked at again.
        CREATE TABLE messages (
          workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
          id uuid NOT NULL,
          customer_id uuid NOT NULL,
          channel text NOT NULL,
          template_id uuid NOT NULL,
          idempotency_key text NOT NULL,
          source_kind text NOT NULL,
          source_id text NOT NULL,
          run_id uuid,
          step_id text,
          variant text,
          vars jsonb NOT NULL DEFAULT '{}',
          golden boolean NOT NULL DEFAULT false,
          marketing boolean NOT NULL DEFAULT true,
          status text NOT NULL,
          reason text,
          reason_code text,
          attempts integer NOT NULL DEFAULT 0,
          not_before timestamptz NOT NULL,
          created_at timestamptz NOT NULL,
          sent_at timestamptz,
          delivered_at timestamptz,
          clicked_at timestamptz,
          replied_at timestamptz,
          rendered jsonb,
          provider_ref text,
          PRIMARY KEY (workspace_id, id)
        );
        CREATE UNIQUE INDEX messages_idempotency ON messages (workspace_id, idempotency_key);
        CREATE INDEX messages_due ON messages (not_before) WHERE status IN ('queued', 'deferred', 'sending');
        CREATE INDEX messages_customer ON messages (workspace_id, customer_id, created_at);
        CREATE INDEX messages_source ON messages (workspace_id, source_kind, source_id);
        CREATE INDEX messages_provider_ref ON messages (workspace_id, channel, provider_ref) WHERE provider_ref IS NOT NULL;

        CREATE TABLE message_policies (
          workspace_id uuid PRIMARY KEY REFERENCES workspaces(id) ON DELETE CASCADE,
          policies jsonb NOT NULL,
          updated_at timestamptz NOT NULL
        );

        CREATE TABLE channel_settings (
          workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
          channel text NOT NULL,
          settings jsonb NOT NULL,
          updated_at timestamptz NOT NULL,
          PRIMARY KEY (workspace_id, channel)
        );

        -- 退订: one row per customer and channel; consent on the customer row is updated too.
        CREATE TABLE unsubscribes (
          workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
          customer_id uuid NOT NULL,
          channel text NOT NULL,
          at timestamptz NOT NULL,
          source text NOT NULL,
          message_id uuid,
          PRIMARY KEY (workspace_id, customer_id, channel)
        );

        -- Tracked links: /m/:token redirects to url and records a click on the message.
        CREATE TABLE message_links (
          token text PRIMARY KEY,
          workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
          message_id uuid NOT NULL,
          name text NOT NULL,
          url text NOT NULL,
          clicks integer NOT NULL DEFAULT 0,
          first_clicked_at timestamptz
        );
        CREATE INDEX message_links_message ON message_links (workspace_id, message_id);
      `);
    },
  },
  // WeCom mass sends waiting for the staff member's confirmation: not_before is the next delivery check.
  '0051_messages_wecom_delivery': {
    async up(db: Kysely<any>) {
      await execScript(db, `
        CREATE INDEX messages_wecom_pending ON messages (not_before) WHERE status = 'sent' AND channel IN ('wecom_1v1', 'wecom_group');
      `);
    },
  },
};
