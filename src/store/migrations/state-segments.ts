import type { Kysely, Migration } from 'kysely';
import { execScript } from './script.js';

/** State-store tables of the segments and tags modules (definitions; memberships live in the events store). */
export const stateSegmentsMigrations: Record<string, Migration> = {
  '0020_segments': {
    async up(db: Kysely<any>) {
      await execScript(db, `
        -- Profiles are copied to the events store by updated_at watermark.
        CREATE INDEX customers_updated ON customers (workspace_id, updated_at);

        CREATE TABLE rfm_settings (
          workspace_id uuid PRIMARY KEY REFERENCES workspaces(id) ON DELETE CASCADE,
          settings jsonb NOT NULL,
          updated_at timestamptz NOT NULL
        );

        -- One RFM run: the settings it used, its quintile cut points and high/low centers.
        CREATE TABLE rfm_snapshots (
          workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
          id uuid NOT NULL,
          seq bigserial NOT NULL,
          at timestamptz NOT NULL,
          status text NOT NULL,
          settings jsonb NOT NULL,
          cuts jsonb,
          centers jsonb,
          customers integer NOT NULL DEFAULT 0,
          revenue_fen bigint NOT NULL DEFAULT 0,
          PRIMARY KEY (workspace_id, id)
        );

        CREATE TABLE segments (
          workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
          id uuid NOT NULL,
          name text NOT NULL,
          description text NOT NULL DEFAULT '',
          rule jsonb NOT NULL,
          refresh_minutes integer NOT NULL,
          members integer NOT NULL DEFAULT 0,
          refreshed_at timestamptz,
          created_at timestamptz NOT NULL,
          created_by text,
          updated_at timestamptz NOT NULL,
          PRIMARY KEY (workspace_id, id)
        );
        CREATE UNIQUE INDEX segments_name ON segments (workspace_id, name);

        -- One refresh of a materialized audience. seq orders the rows it writes (their version);
        -- a run left 'diffed' by a crash is applied again before the next one starts.
        CREATE TABLE audience_runs (
          workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
          id uuid NOT NULL,
          seq bigserial NOT NULL,
          audience text NOT NULL,
          mode text NOT NULL,
          status text NOT NULL,
          started_at timestamptz NOT NULL,
          finished_at timestamptz,
          entered integer NOT NULL DEFAULT 0,
          exited integer NOT NULL DEFAULT 0,
          PRIMARY KEY (workspace_id, id)
        );
        CREATE INDEX audience_runs_open ON audience_runs (workspace_id, audience) WHERE status <> 'applied';

        -- How far profiles and events have been taken into account, per workspace.
        CREATE TABLE audience_watermarks (
          workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
          name text NOT NULL,
          at timestamptz NOT NULL,
          PRIMARY KEY (workspace_id, name)
        );

        -- Trait keys seen on customers and the type their values have, for rule validation.
        CREATE TABLE trait_keys (
          workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
          key text NOT NULL,
          type text NOT NULL,
          PRIMARY KEY (workspace_id, key)
        );

        -- Lifecycle stage and LTV tier rules, one row per kind.
        CREATE TABLE layer_settings (
          workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
          kind text NOT NULL,
          settings jsonb NOT NULL,
          updated_at timestamptz NOT NULL,
          PRIMARY KEY (workspace_id, kind)
        );

        CREATE TABLE tag_groups (
          workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
          id uuid NOT NULL,
          name text NOT NULL,
          exclusive boolean NOT NULL DEFAULT false,
          position integer NOT NULL DEFAULT 0,
          created_at timestamptz NOT NULL,
          PRIMARY KEY (workspace_id, id)
        );
        CREATE UNIQUE INDEX tag_groups_name ON tag_groups (workspace_id, name);

        -- A tag is manual (operators assign it) or computed from a rule; wecom_tag_id links it
        -- to the WeCom corp tag once tag sync exists.
        CREATE TABLE tags (
          workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
          id uuid NOT NULL,
          group_id uuid NOT NULL,
          name text NOT NULL,
          kind text NOT NULL,
          rule jsonb,
          refresh_minutes integer,
          members integer NOT NULL DEFAULT 0,
          refreshed_at timestamptz,
          wecom_tag_id text,
          created_at timestamptz NOT NULL,
          updated_at timestamptz NOT NULL,
          PRIMARY KEY (workspace_id, id),
          FOREIGN KEY (workspace_id, group_id) REFERENCES tag_groups (workspace_id, id) ON DELETE CASCADE
        );
        CREATE UNIQUE INDEX tags_name ON tags (workspace_id, group_id, name);
      `);
    },
  },
};
