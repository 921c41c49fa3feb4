/**
 * Events-store indexes for time windows over orders (segments, RFM). Order ids usually start
 * with the order date (shops number them so), so the orders table's granules are roughly
 * time-ordered and a minmax index on ordered_at lets a "last 30 days" condition skip the rest.
 * MATERIALIZE builds it for the parts of an existing database (new parts get it on insert).
 */
export const eventsOrdersWindowMigrations: Record<string, (db: string) => string[]> = {
  '0021_orders_ordered_at_index': (db) => [
    `ALTER TABLE ${db}.orders ADD INDEX IF NOT EXISTS ordered_at_minmax ordered_at TYPE minmax GRANULARITY 1`,
    `ALTER TABLE ${db}.orders MATERIALIZE INDEX ordered_at_minmax SETTINGS mutations_sync = 2`,
  ],
};
