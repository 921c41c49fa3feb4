import type { Kysely, Migration } from 'kysely';
import { execScript } from './script.js';
import { stateImportsMigrations } from './state-imports.js';
import { wecomStateMigrations } from './state-wecom.js';
import { stateSegmentsMigrations } from './state-segments.js';
import { stateCampaignsMigrations } from './state-campaigns.js';
import { stateJourneysMigrations } from './state-journeys.js';
import { stateMessagesMigrations } from './state-messages.js';
import { stateIngestMigrations } from './state-ingest.js';

/**
 * State store migrations, in order. Never edit one that has shipped: add the next.
 * Tables lead with workspace_id so they distribute on Citus by workspace.
 */
export const stateMigrations: Record<string, Migration> = {
  '0001_foundation': {
    async up(db: Kysely<any>) {
      await execScript(db, `
        CREATE TABLE system_settings (key text PRIMARY KEY, value text NOT NULL);

        CREATE TABLE workspaces (
          id uuid PRIMARY KEY,
          slug text NOT NULL UNIQUE,
          name text NOT NULL,
          timezone text NOT NULL DEFAULT 'Asia/Shanghai',
          settings jsonb NOT NULL DEFAULT '{}',
          created_at timestamptz NOT NULL DEFAULT now()
        );

        CREATE TABLE operators (
          id uuid PRIMARY KEY,
          email text NOT NULL UNIQUE,
          name text NOT NULL,
          password_hash text NOT NULL,
          created_at timestamptz NOT NULL DEFAULT now(),
          disabled_at timestamptz
        );

        CREATE TABLE memberships (
          workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
          operator_id uuid NOT NULL REFERENCES operators(id) ON DELETE CASCADE,
          role text NOT NULL,
          created_at timestamptz NOT NULL DEFAULT now(),
          PRIMARY KEY (workspace_id, operator_id)
        );
        CREATE INDEX memberships_operator ON memberships (operator_id);

        CREATE TABLE sessions (
          token_hash text PRIMARY KEY,
          operator_id uuid NOT NULL REFERENCES operators(id) ON DELETE CASCADE,
          workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
          created_at timestamptz NOT NULL DEFAULT now(),
          expires_at timestamptz NOT NULL,
          ip text,
          user_agent text
        );
        CREATE INDEX sessions_expiry ON sessions (expires_at);

        CREATE TABLE api_keys (
          workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
          id uuid NOT NULL,
          name text NOT NULL,
          role text NOT NULL,
          prefix text NOT NULL,
          key_hash text NOT NULL UNIQUE,
          created_by uuid,
          created_at timestamptz NOT NULL DEFAULT now(),
          last_used_at timestamptz,
          revoked_at timestamptz,
          PRIMARY KEY (workspace_id, id)
        );

        CREATE TABLE write_keys (
          workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
          id uuid NOT NULL,
          name text NOT NULL,
          prefix text NOT NULL,
          key_hash text NOT NULL UNIQUE,
          created_by uuid,
          created_at timestamptz NOT NULL DEFAULT now(),
          revoked_at timestamptz,
          PRIMARY KEY (workspace_id, id)
        );

        CREATE TABLE audit_log (
          workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
          id uuid NOT NULL,
          at timestamptz NOT NULL,
          actor_type text NOT NULL,
          actor_id text,
          actor_name text,
          action text NOT NULL,
          entity text NOT NULL,
          entity_id text,
          before jsonb,
          after jsonb,
          request_id text,
          PRIMARY KEY (workspace_id, id)
        );

        CREATE TABLE customers (
          workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
          id uuid NOT NULL,
          name_enc text,
          phone_enc text,
          email_enc text,
          phone_index text,
          phone_tail_index text,
          email_index text,
          name_tokens text[] NOT NULL DEFAULT '{}',
          gender text,
          birthday text,
          city text,
          channel text,
          staff_userid text,
          traits jsonb NOT NULL DEFAULT '{}',
          first_seen_at timestamptz NOT NULL,
          last_seen_at timestamptz NOT NULL,
          created_at timestamptz NOT NULL DEFAULT now(),
          updated_at timestamptz NOT NULL,
          PRIMARY KEY (workspace_id, id)
        );
        CREATE INDEX customers_phone ON customers (workspace_id, phone_index);
        CREATE INDEX customers_phone_tail ON customers (workspace_id, phone_tail_index);
        CREATE INDEX customers_email ON customers (workspace_id, email_index);
        CREATE INDEX customers_name_tokens ON customers USING gin (name_tokens);

        CREATE TABLE identities (
          workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
          type text NOT NULL,
          collection text NOT NULL DEFAULT '',
          value text NOT NULL,
          value_enc text,
          customer_id uuid NOT NULL,
          created_at timestamptz NOT NULL DEFAULT now(),
          PRIMARY KEY (workspace_id, type, collection, value)
        );
        CREATE INDEX identities_customer ON identities (workspace_id, customer_id);

        CREATE TABLE products (
          workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
          sku text NOT NULL,
          name text NOT NULL,
          category text NOT NULL,
          price_fen bigint NOT NULL,
          PRIMARY KEY (workspace_id, sku)
        );

        CREATE TABLE staff (
          workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
          userid text NOT NULL,
          name text NOT NULL,
          department text,
          PRIMARY KEY (workspace_id, userid)
        );

        CREATE TABLE channels (
          workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
          key text NOT NULL,
          name text NOT NULL,
          PRIMARY KEY (workspace_id, key)
        );
      `);
    },
  },
  '0002_identity': {
    async up(db: Kysely<any>) {
      await execScript(db, `
        -- OneID: a merged customer points at the customer it was merged into (a tree, never rewritten
        -- in place); identities always point at a live root. remap_version counts changes of the
        -- root a customer resolves to; remap_pushed is the version already copied to the events
        -- store's customer_aliases, so a crash between the two is repaired by the next push.
        ALTER TABLE customers ADD COLUMN merged_into uuid;
        ALTER TABLE customers ADD COLUMN merged_at timestamptz;
        ALTER TABLE customers ADD COLUMN remap_version bigint NOT NULL DEFAULT 0;
        ALTER TABLE customers ADD COLUMN remap_pushed bigint NOT NULL DEFAULT 0;
        CREATE INDEX customers_merged_into ON customers (workspace_id, merged_into) WHERE merged_into IS NOT NULL;
        CREATE INDEX customers_remap_pending ON customers (workspace_id) WHERE remap_version > remap_pushed;

        -- Profile: event time of every trait (last write wins by event time), other personal
        -- traits (address, first/last name) encrypted as one JSON, consent per channel, last channel.
        ALTER TABLE customers ADD COLUMN trait_times jsonb NOT NULL DEFAULT '{}';
        ALTER TABLE customers ADD COLUMN pii_enc text;
        ALTER TABLE customers ADD COLUMN consent jsonb NOT NULL DEFAULT '{}';
        ALTER TABLE customers ADD COLUMN channel_at timestamptz;
        ALTER TABLE customers ADD COLUMN last_channel text;
        ALTER TABLE customers ADD COLUMN last_channel_at timestamptz;

        CREATE TABLE identity_rules (
          workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
          type text NOT NULL,
          identifying boolean NOT NULL,
          priority integer NOT NULL,
          max_per_customer integer,
          updated_at timestamptz NOT NULL,
          PRIMARY KEY (workspace_id, type)
        );

        CREATE TABLE identity_merges (
          workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
          id uuid NOT NULL,
          at timestamptz NOT NULL,
          survivor_id uuid NOT NULL,
          merged_id uuid NOT NULL,
          cause_type text NOT NULL,
          cause_collection text NOT NULL,
          cause_value text NOT NULL,
          cause_value_enc text,
          cause_message_id text,
          actor_type text NOT NULL,
          actor_id text,
          actor_name text,
          moved jsonb NOT NULL,
          adopted_enc text,
          unmerged_at timestamptz,
          unmerged_by text,
          PRIMARY KEY (workspace_id, id)
        );
        CREATE INDEX identity_merges_survivor ON identity_merges (workspace_id, survivor_id);
        CREATE INDEX identity_merges_merged ON identity_merges (workspace_id, merged_id);

        -- A link the rules refused; one open row per (customer, identifier), counted on repeats.
        CREATE TABLE identity_conflicts (
          workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
          id uuid NOT NULL,
          first_at timestamptz NOT NULL,
          last_at timestamptz NOT NULL,
          occurrences integer NOT NULL DEFAULT 1,
          type text NOT NULL,
          collection text NOT NULL,
          value text NOT NULL,
          value_enc text,
          customer_id uuid NOT NULL,
          other_customer_id uuid,
          reason text NOT NULL,
          message_id text,
          status text NOT NULL DEFAULT 'open',
          resolution text,
          resolved_at timestamptz,
          resolved_by text,
          PRIMARY KEY (workspace_id, id)
        );
        CREATE UNIQUE INDEX identity_conflicts_open ON identity_conflicts (workspace_id, customer_id, type, collection, value) WHERE status = 'open';
        CREATE INDEX identity_conflicts_status ON identity_conflicts (workspace_id, status, id);

        -- Collection API inbox: an event is stored here (sealed, as it contains personal data)
        -- before the 200, de-duplicated by messageId; workers move it to the events store.
        CREATE TABLE ingest_inbox (
          workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
          message_id text NOT NULL,
          received_at timestamptz NOT NULL,
          payload text NOT NULL,
          processed_at timestamptz,
          attempts integer NOT NULL DEFAULT 0,
          error text,
          PRIMARY KEY (workspace_id, message_id)
        );
        CREATE INDEX ingest_inbox_pending ON ingest_inbox (received_at) WHERE processed_at IS NULL;
        CREATE INDEX ingest_inbox_processed ON ingest_inbox (processed_at) WHERE processed_at IS NOT NULL;
      `);
    },
  },
  ...stateSegmentsMigrations,
  ...wecomStateMigrations,
  ...stateImportsMigrations,
  ...stateCampaignsMigrations,
  ...stateJourneysMigrations,
  ...stateMessagesMigrations,
  ...stateIngestMigrations,
};
