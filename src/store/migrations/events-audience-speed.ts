/**
 * Narrower reads for the live count of segment rules (issue 5's benchmark). Both are filled by
 * ClickHouse itself on every insert (a MATERIALIZED column, a materialized view), so every
 * writer (ingest, imports, the demo loader, the bench generator, test helpers) fills them
 * without a code change; existing parts are MATERIALIZEd and existing profiles copied here.
 *
 * - The product properties of the Segment e-commerce spec (product_id, sku, name, category) as
 *   columns of events, with the value JSONExtractString gives (so "viewed 面霜" compares a
 *   LowCardinality column instead of parsing every event's JSON).
 * - trait_index: one row per customer, trait and value, ordered by (key, value), so the
 *   customers with a trait value are a range of the primary key instead of a map lookup in
 *   every profile. A row carries traits_hash, the hash of the traits of the (newest) profile row
 *   that had the value (a MATERIALIZED column of customer_profiles): a trait test reads the
 *   index and keeps the customers whose current profile row has that hash, so a value that a
 *   newer row dropped or replaced never counts.
 */
const PRODUCT_PROPERTIES = ['product_id', 'sku', 'name', 'category'] as const;

/** Event properties stored as columns of events: property name → column. */
export const EVENT_PROPERTY_COLUMNS: Readonly<Record<string, string>> = Object.fromEntries(PRODUCT_PROPERTIES.map((p) => [p, `prop_${p}`]));

export const eventsAudienceSpeedMigrations: Record<string, (db: string) => string[]> = {
  '0072_event_product_properties': (db) => [
    `ALTER TABLE ${db}.events ${PRODUCT_PROPERTIES.map((p) => `ADD COLUMN IF NOT EXISTS prop_${p} LowCardinality(String) MATERIALIZED JSONExtractString(properties, '${p}')`).join(', ')}`,
    `ALTER TABLE ${db}.events ${PRODUCT_PROPERTIES.map((p) => `MATERIALIZE COLUMN prop_${p}`).join(', ')} SETTINGS mutations_sync = 2`,
  ],
  '0073_trait_index': (db) => [
    `ALTER TABLE ${db}.customer_profiles ADD COLUMN IF NOT EXISTS traits_hash UInt64 MATERIALIZED cityHash64(traits)`,
    `ALTER TABLE ${db}.customer_profiles MATERIALIZE COLUMN traits_hash SETTINGS mutations_sync = 2`,
    // ReplacingMergeTree: a value a customer keeps across profile rows is one row (the newest
    // version's); a value a newer row dropped stays, and fails the version and hash check.
    `CREATE TABLE IF NOT EXISTS ${db}.trait_index (
      workspace_id UUID,
      key LowCardinality(String),
      value String,
      customer_id UUID,
      version UInt64,
      traits_hash UInt64
    ) ENGINE = ReplacingMergeTree(version)
    ORDER BY (workspace_id, key, value, customer_id)`,
    `CREATE MATERIALIZED VIEW IF NOT EXISTS ${db}.trait_index_mv TO ${db}.trait_index AS
      SELECT workspace_id, key, value, customer_id, version, cityHash64(traits) AS traits_hash
      FROM ${db}.customer_profiles ARRAY JOIN mapKeys(traits) AS key, mapValues(traits) AS value`,
    // Profiles stored before the view existed (rows the view copied meanwhile are the same rows).
    `INSERT INTO ${db}.trait_index (workspace_id, key, value, customer_id, version, traits_hash)
      SELECT workspace_id, key, value, customer_id, version, cityHash64(traits)
      FROM ${db}.customer_profiles ARRAY JOIN mapKeys(traits) AS key, mapValues(traits) AS value`,
  ],
};
