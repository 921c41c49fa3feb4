import { eventsSegmentsMigrations } from './events-segments.js';
import { eventsOrdersWindowMigrations } from './events-orders-window.js';
import { eventsRuleSpeedMigrations } from './events-rule-speed.js';
import { eventsAudienceSpeedMigrations } from './events-audience-speed.js';

/**
 * Events store (ClickHouse dialect) migrations, in order; each returns its statements for a database.
 * Statements are idempotent (IF NOT EXISTS) because ClickHouse DDL is not transactional.
 */
export const eventsMigrations: Record<string, (db: string) => string[]> = {
  '0001_events_and_orders': (db) => [
    // Segment-spec events. customer_id is the customer resolved at ingest; merges are applied at
    // query time through the identity remap, so history never has to be rewritten.
    `CREATE TABLE IF NOT EXISTS ${db}.events (
      workspace_id UUID,
      message_id String,
      type LowCardinality(String),
      event LowCardinality(String),
      customer_id UUID,
      user_id String,
      anonymous_id String,
      timestamp DateTime64(3, 'UTC'),
      received_at DateTime64(3, 'UTC'),
      sent_at Nullable(DateTime64(3, 'UTC')),
      properties String,
      context String,
      traits String,
      INDEX customer_idx customer_id TYPE bloom_filter GRANULARITY 4
    ) ENGINE = ReplacingMergeTree(received_at)
    PARTITION BY toYYYYMM(timestamp)
    ORDER BY (workspace_id, event, toDate(timestamp), customer_id, message_id)`,
    // One row per order version; the newest version (by version) wins. Amounts in fen.
    `CREATE TABLE IF NOT EXISTS ${db}.orders (
      workspace_id UUID,
      order_id String,
      customer_id UUID,
      status LowCardinality(String),
      ordered_at DateTime64(3, 'UTC'),
      refunded_at Nullable(DateTime64(3, 'UTC')),
      total_fen Int64,
      discount_fen Int64,
      refunded_fen Int64,
      currency LowCardinality(String) DEFAULT 'CNY',
      channel LowCardinality(String),
      staff_userid String,
      products String,
      skus Array(String),
      categories Array(LowCardinality(String)),
      version UInt64,
      INDEX customer_idx customer_id TYPE bloom_filter GRANULARITY 4
    ) ENGINE = ReplacingMergeTree(version)
    ORDER BY (workspace_id, order_id)`,
  ],
  '0002_identity': (db) => [
    // Where a merged customer's history now belongs: the newest version per alias wins. Customers
    // never merged have no row; queries fall back to the customer_id stored on the row.
    `CREATE TABLE IF NOT EXISTS ${db}.customer_aliases (
      workspace_id UUID,
      alias_id UUID,
      customer_id UUID,
      version UInt64
    ) ENGINE = ReplacingMergeTree(version)
    ORDER BY (workspace_id, alias_id)`,
    // messageIds of the refunds already applied to an order, so a re-delivered refund counts once.
    `ALTER TABLE ${db}.orders ADD COLUMN IF NOT EXISTS refund_ids Array(String)`,
  ],
  ...eventsSegmentsMigrations,
  ...eventsOrdersWindowMigrations,
  ...eventsRuleSpeedMigrations,
  ...eventsAudienceSpeedMigrations,
};
