import './schema.js';

export { enqueueMessage, enqueueMessages, type EnqueueInput, type EnqueueResult } from './outbox.js';
export type { MessageStatus } from './schema.js';
export { templateContent, parseContent, MAX_PARTS, type TemplateContent, type WecomAttachment } from './content.js';
export { templateVariables, checkTemplateVariables, sourceVariables, saveTimeVariables, isAvailable, GRANT_VARIABLES, BUILTIN_CUSTOMER_VARIABLES } from './variables.js';
export { type MessageTemplate, type TemplateInput, templateInput, listTemplates, getTemplate, createTemplate, updateTemplate, deleteTemplate, validateTemplate } from './templates.js';
export { type Recipient, loadRecipient, buildView, renderContent } from './render.js';
export { type Policies, policiesSchema, DEFAULT_POLICIES, getPolicies, savePolicies, nextGoldenWindow, goldenStart, quietUntil, workspaceZone } from './policies.js';
export { dispatchOnce, type DispatchResult, MAX_ATTEMPTS, backoffMs, CLAIM_MS, SEND_LEASE_MS, outboxCounts, publicBase } from './dispatch.js';
export { pollWecomDeliveries, type DeliveryPollResult, DELIVERY_POLL_MS, DELIVERY_WATCH_MS } from './delivery.js';
export { emitMessageEvent, type MessageEventName } from './events.js';
export { unsubscribe, recordClick, smsInbound, UNSUBSCRIBE_REPLIES } from './feedback.js';
export { startMessagesWorker } from './worker.js';
export { messageRoutes } from './routes.js';
export { BUILTIN_TEMPLATE_ID, GROUP_INVITE_TEXT } from './builtin.js';
