import type { Kysely, Migration } from 'kysely';
import { execScript } from './script.js';

/** State store tables of the WeCom module (src/wecom). Types: src/wecom/schema.ts. */
export const wecomStateMigrations: Record<string, Migration> = {
  '0010_wecom': {
    async up(db: Kysely<any>) {
      await execScript(db, `
        -- One connected corp per workspace. Secrets, the callback token and the EncodingAESKey are
        -- sealed with the workspace key ring (ctx.secrets), never stored in clear.
        CREATE TABLE wecom_settings (
          workspace_id uuid PRIMARY KEY REFERENCES workspaces(id) ON DELETE CASCADE,
          corp_id text NOT NULL,
          agent_id text,
          contact_secret_enc text NOT NULL,
          agent_secret_enc text,
          token_enc text NOT NULL,
          aes_key_enc text NOT NULL,
          api_base_url text NOT NULL,
          options jsonb NOT NULL DEFAULT '{}',
          connected_at timestamptz NOT NULL,
          updated_at timestamptz NOT NULL,
          sync jsonb NOT NULL DEFAULT '{}'
        );

        -- Callbacks, durable before WeCom gets its answer; dedupe_key (a hash of the decrypted
        -- message) makes WeCom's retries of one event land once.
        CREATE TABLE wecom_inbox (
          workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
          id uuid NOT NULL,
          dedupe_key text NOT NULL,
          received_at timestamptz NOT NULL,
          kind text NOT NULL,
          event jsonb NOT NULL,
          processed_at timestamptz,
          attempts integer NOT NULL DEFAULT 0,
          error text,
          PRIMARY KEY (workspace_id, id),
          UNIQUE (workspace_id, dedupe_key)
        );
        CREATE INDEX wecom_inbox_pending ON wecom_inbox (workspace_id, id) WHERE processed_at IS NULL;

        CREATE TABLE wecom_tags (
          workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
          tag_id text NOT NULL,
          group_id text NOT NULL,
          group_name text NOT NULL,
          name text NOT NULL,
          PRIMARY KEY (workspace_id, tag_id)
        );

        -- Channel live codes (kind contact: a 联系我 config) and group live codes (kind group: a
        -- 加入群聊 config). state attributes an add or a join; short is the /s/{short} link.
        CREATE TABLE wecom_codes (
          workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
          id uuid NOT NULL,
          kind text NOT NULL,
          name text NOT NULL,
          channel text NOT NULL,
          state text NOT NULL,
          short text NOT NULL UNIQUE,
          config_id text NOT NULL,
          qr_url text NOT NULL,
          config jsonb NOT NULL,
          runtime jsonb NOT NULL DEFAULT '{}',
          created_at timestamptz NOT NULL,
          updated_at timestamptz NOT NULL,
          deleted_at timestamptz,
          PRIMARY KEY (workspace_id, id),
          UNIQUE (workspace_id, state)
        );

        -- Staff ↔ customer relations (follow users). The remark may name or number the person: sealed.
        CREATE TABLE wecom_relations (
          workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
          external_userid text NOT NULL,
          userid text NOT NULL,
          customer_id uuid NOT NULL,
          remark_enc text,
          description text,
          add_way integer,
          state text,
          code_id uuid,
          tags jsonb NOT NULL DEFAULT '[]',
          half boolean NOT NULL DEFAULT false,
          added_at timestamptz NOT NULL,
          deleted_at timestamptz,
          deleted_by text,
          welcome_status text,
          updated_at timestamptz NOT NULL,
          PRIMARY KEY (workspace_id, external_userid, userid)
        );
        CREATE INDEX wecom_relations_customer ON wecom_relations (workspace_id, customer_id);
        CREATE INDEX wecom_relations_code ON wecom_relations (workspace_id, code_id, added_at);
        CREATE INDEX wecom_relations_staff ON wecom_relations (workspace_id, userid, added_at);

        CREATE TABLE wecom_groups (
          workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
          chat_id text NOT NULL,
          name text NOT NULL,
          owner text NOT NULL,
          code_id uuid,
          member_count integer NOT NULL DEFAULT 0,
          code_joins integer NOT NULL DEFAULT 0,
          created_at timestamptz NOT NULL,
          updated_at timestamptz NOT NULL,
          dismissed_at timestamptz,
          PRIMARY KEY (workspace_id, chat_id)
        );
        CREATE INDEX wecom_groups_code ON wecom_groups (workspace_id, code_id);

        -- Short-link opens per code, day (workspace zone) and channel tag (?ch=).
        CREATE TABLE wecom_link_clicks (
          workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
          code_id uuid NOT NULL,
          day date NOT NULL,
          ch text NOT NULL,
          clicks integer NOT NULL,
          PRIMARY KEY (workspace_id, code_id, day, ch)
        )
      `);
    },
  },
  '0011_wecom_inbox_lease': {
    async up(db: Kysely<any>) {
      await execScript(db, `
        -- One process at a time drains a workspace's callbacks, in order; a lease left by a process
        -- that died expires and another takes over.
        CREATE TABLE wecom_inbox_leases (
          workspace_id uuid PRIMARY KEY REFERENCES workspaces(id) ON DELETE CASCADE,
          owner text NOT NULL,
          until timestamptz NOT NULL
        )
      `);
    },
  },
  '0080_wecom_tag_sync': {
    async up(db: Kysely<any>) {
      await execScript(db, `
        -- (Numbered after 0020_segments, which creates tags.) The corp tag ids a relation carries in WeCom (tags keeps their names for display): tag
        -- sync compares them with the Siyu tags linked to corp tags.
        ALTER TABLE wecom_relations ADD COLUMN tag_ids jsonb NOT NULL DEFAULT '[]';
        -- A corp tag mirrors one Siyu tag at most.
        CREATE UNIQUE INDEX tags_wecom_tag ON tags (workspace_id, wecom_tag_id) WHERE wecom_tag_id IS NOT NULL;
      `);
    },
  },
};
