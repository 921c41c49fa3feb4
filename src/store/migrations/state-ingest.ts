import { type Kysely, type Migration, sql } from 'kysely';
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
  '0092_customer_graph_statement_checks': {
    async up(db: Kysely<any>) {
      // customers and identities take the most rows of any state table (an import creates a
      // customer and its ids per person). Their workspace foreign keys checked each row with a
      // key-share lock on the workspace (a third of the insert's CPU at 1,000,000 people); one
      // check and one lock per statement over the inserted rows do the same job. A row's workspace never
      // changes, and deleting a workspace still deletes its customers and identities.
      // The name-search index skips customers without a name (most of them, as for the phone index).
      // Statement by statement: the function bodies hold semicolons.
      for (const statement of [
        `CREATE FUNCTION workspace_rows_check() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          -- As the foreign key did: the rows' workspaces cannot be deleted until this transaction ends.
          PERFORM 1 FROM workspaces w WHERE w.id IN (SELECT i.workspace_id FROM inserted i) FOR KEY SHARE OF w;
          IF EXISTS (SELECT 1 FROM inserted i WHERE NOT EXISTS (SELECT 1 FROM workspaces w WHERE w.id = i.workspace_id)) THEN
            RAISE EXCEPTION 'insert on table "%" violates foreign key constraint "%_workspace_id_fkey"', TG_TABLE_NAME, TG_TABLE_NAME
              USING ERRCODE = 'foreign_key_violation', DETAIL = 'Key (workspace_id) is not present in table "workspaces".';
          END IF;
          RETURN NULL;
        END $$`,
        `CREATE FUNCTION workspace_fixed() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          RAISE EXCEPTION 'the workspace of a row of "%" cannot change', TG_TABLE_NAME USING ERRCODE = 'foreign_key_violation';
        END $$`,
        `CREATE FUNCTION workspace_customer_graph_delete() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          DELETE FROM identities WHERE workspace_id = OLD.id;
          DELETE FROM customers WHERE workspace_id = OLD.id;
          RETURN OLD;
        END $$`,
        'ALTER TABLE customers DROP CONSTRAINT customers_workspace_id_fkey',
        'ALTER TABLE identities DROP CONSTRAINT identities_workspace_id_fkey',
        ...['customers', 'identities'].flatMap((t) => [
          `CREATE TRIGGER ${t}_workspace_check AFTER INSERT ON ${t} REFERENCING NEW TABLE AS inserted FOR EACH STATEMENT EXECUTE FUNCTION workspace_rows_check()`,
          `CREATE TRIGGER ${t}_workspace_fixed BEFORE UPDATE OF workspace_id ON ${t} FOR EACH ROW WHEN (OLD.workspace_id IS DISTINCT FROM NEW.workspace_id) EXECUTE FUNCTION workspace_fixed()`,
        ]),
        'CREATE TRIGGER workspaces_customer_graph_delete BEFORE DELETE ON workspaces FOR EACH ROW EXECUTE FUNCTION workspace_customer_graph_delete()',
        "CREATE INDEX customers_name_tokens_known ON customers USING gin (name_tokens) WHERE name_tokens <> '{}'",
        'DROP INDEX customers_name_tokens',
      ])
        await sql.raw(statement).execute(db);
    },
  },
};
