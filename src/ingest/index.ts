export { type InboxEvent, type OrderFact, normalizeEvent } from './normalize.js';
export { LIMITS, message, type Message, type MessageType, ingestResponse, type IngestResponse } from './schema.js';
export { ingestBatch } from './intake.js';
export { drainInbox, processEvents } from './process.js';
export { type OrderEvent, writeOrders } from './orders.js';
export { startIngestWorker, purgeProcessed, DEDUPE_WINDOW_MS } from './worker.js';
export { ingestRoutes } from './routes.js';
export { flushIngestLog } from './collector.js';
