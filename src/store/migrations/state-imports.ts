import type { Kysely, Migration } from 'kysely';
import { execScript } from './script.js';

/** State-store tables of the imports module: jobs, their uploaded files and their per-row errors. */
export const stateImportsMigrations: Record<string, Migration> = {
  '0030_imports': {
    async up(db: Kysely<any>) {
      await execScript(db, `
        -- One bulk import. line_done is the checkpoint: every row up to it has its outcome counted,
        -- so a job taken over after a crash resumes after it. A running job holds a lease.
        CREATE TABLE imports (
          workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
          id uuid NOT NULL,
          kind text NOT NULL,
          format text NOT NULL,
          encoding text NOT NULL,
          filename text NOT NULL,
          mapping jsonb NOT NULL,
          source text NOT NULL,
          status text NOT NULL,
          total_bytes bigint NOT NULL DEFAULT 0,
          bytes_done bigint NOT NULL DEFAULT 0,
          line_done integer NOT NULL DEFAULT 0,
          rows_read integer NOT NULL DEFAULT 0,
          imported integer NOT NULL DEFAULT 0,
          duplicates integer NOT NULL DEFAULT 0,
          failed integer NOT NULL DEFAULT 0,
          error_rows integer NOT NULL DEFAULT 0,
          message text,
          created_by text,
          created_at timestamptz NOT NULL,
          started_at timestamptz,
          finished_at timestamptz,
          lease_owner text,
          lease_until timestamptz,
          PRIMARY KEY (workspace_id, id)
        );
        CREATE INDEX imports_pending ON imports (created_at) WHERE status IN ('queued', 'running', 'uploading');

        -- An uploaded file, sealed (it carries personal data), in order; deleted once imported.
        CREATE TABLE import_chunks (
          workspace_id uuid NOT NULL,
          import_id uuid NOT NULL,
          seq integer NOT NULL,
          data text NOT NULL,
          PRIMARY KEY (workspace_id, import_id, seq),
          FOREIGN KEY (workspace_id, import_id) REFERENCES imports (workspace_id, id) ON DELETE CASCADE
        );

        -- The error report: values only for fields that are not personal data.
        CREATE TABLE import_errors (
          workspace_id uuid NOT NULL,
          import_id uuid NOT NULL,
          line integer NOT NULL,
          field text NOT NULL,
          column_name text,
          reason text NOT NULL,
          value text,
          PRIMARY KEY (workspace_id, import_id, line, field),
          FOREIGN KEY (workspace_id, import_id) REFERENCES imports (workspace_id, id) ON DELETE CASCADE
        );
      `);
    },
  },
};
