import type { Kysely, Migration } from 'kysely';
import { execScript } from './script.js';

/** State-store tables that let the ingest path keep its hot data in memory (issue 4's throughput). */
export const stateIngestMigrations: Record<string, Migration> = {
  '0090_ingest_memory': {
    async up(db: Kysely<any>) {
      await execScript(db, `
        -- The messageIds processed from the collection API, one row a processed batch of a
        -- workspace (a JSON array): each process keeps the recent ones in memory as its
        -- de-duplication window, reloads them on start and reads the other processes' rows before
        -- each batch. Rows older than the window are deleted.
        CREATE TABLE ingest_message_ids (
          workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
          seq bigserial NOT NULL,
          at timestamptz NOT NULL,
          n integer NOT NULL,
          message_ids text NOT NULL,
          PRIMARY KEY (workspace_id, seq)
        );
        CREATE INDEX ingest_message_ids_at ON ingest_message_ids (at);

        -- Customers whose identifier → customer links changed (merged away, unmerged, an identifier
        -- reassigned or deleted): processes that remember such links drop them before their next
        -- batch. A NULL customer means every customer of the workspace.
        CREATE TABLE identity_changes (
          workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
          seq bigserial NOT NULL,
          customer_id uuid,
          at timestamptz NOT NULL DEFAULT now(),
          PRIMARY KEY (workspace_id, seq)
        );
        CREATE INDEX identity_changes_at ON identity_changes (at);
      `);
    },
  },
  '0091_customer_search_partial_indexes': {
    async up(db: Kysely<any>) {
      // Most customers come from an identifier (a device, an openid, a member id) with no phone or
      // email in their profile: the search indexes skip them instead of indexing a NULL for each
      // new customer. Equality searches imply NOT NULL, so they still use these indexes.
      await execScript(db, `
        CREATE INDEX customers_phone_known ON customers (workspace_id, phone_index) WHERE phone_index IS NOT NULL;
        CREATE INDEX customers_phone_tail_known ON customers (workspace_id, phone_tail_index) WHERE phone_tail_index IS NOT NULL;
        CREATE INDEX customers_email_known ON customers (workspace_id, email_index) WHERE email_index IS NOT NULL;
        DROP INDEX customers_phone;
        DROP INDEX customers_phone_tail;
        DROP INDEX customers_email;
      `);
    },
  },
};
