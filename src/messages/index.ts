import './schema.js';

export { enqueueMessage, type EnqueueInput, type EnqueueResult } from './outbox.js';
export type { MessageStatus } from './schema.js';
