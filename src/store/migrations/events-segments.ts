/**
 * Events-store tables of the segments and tags modules: the customer dimension the rule SQL
 * filters on, RFM score snapshots, and materialized audiences (segments, rule and manual tags,
 * lifecycle stages, LTV tiers) with their change history.
 */
export const eventsSegmentsMigrations: Record<string, (db: string) => string[]> = {
  '0020_segments': (db) => [
    // A copy of the state store's customers without personal data, so one ClickHouse query can
    // combine traits and consent with events and orders. live = 0 once merged into another.
    `CREATE TABLE IF NOT EXISTS ${db}.customer_profiles (
      workspace_id UUID,
      customer_id UUID,
      live UInt8,
      gender LowCardinality(String),
      birthday String,
      city LowCardinality(String),
      channel LowCardinality(String),
      staff_userid String,
      traits Map(String, String),
      consent Map(String, UInt8),
      first_seen_at DateTime64(3, 'UTC'),
      last_seen_at DateTime64(3, 'UTC'),
      version UInt64
    ) ENGINE = ReplacingMergeTree(version)
    ORDER BY (workspace_id, customer_id)`,
    // One row per customer and RFM snapshot; the snapshot's settings, cut points and centers are
    // in the state store's rfm_snapshots.
    `CREATE TABLE IF NOT EXISTS ${db}.rfm_scores (
      workspace_id UUID,
      snapshot_id UUID,
      customer_id UUID,
      recency_days UInt32,
      frequency UInt32,
      monetary_fen Int64,
      r UInt8,
      f UInt8,
      m UInt8,
      segment LowCardinality(String)
    ) ENGINE = MergeTree
    ORDER BY (workspace_id, snapshot_id, customer_id)`,
    // Current value of every materialized audience per customer ('' = not in it). audience is
    // 'segment:<id>', 'tag:<id>', 'lifecycle' or 'ltv'; version is the run that wrote the row.
    `CREATE TABLE IF NOT EXISTS ${db}.audience_state (
      workspace_id UUID,
      audience String,
      customer_id UUID,
      value LowCardinality(String),
      changed_at DateTime64(3, 'UTC'),
      version UInt64
    ) ENGINE = ReplacingMergeTree(version)
    ORDER BY (workspace_id, audience, customer_id)`,
    // Every change of an audience value: the history of segments, tags and stages, and the
    // source of the Segment Entered / Exited (and stage change) events of its run.
    `CREATE TABLE IF NOT EXISTS ${db}.audience_changes (
      workspace_id UUID,
      audience String,
      run_id UUID,
      version UInt64,
      customer_id UUID,
      before LowCardinality(String),
      after LowCardinality(String),
      at DateTime64(3, 'UTC'),
      source LowCardinality(String),
      actor String
    ) ENGINE = ReplacingMergeTree
    ORDER BY (workspace_id, audience, run_id, customer_id)`,
  ],
};
