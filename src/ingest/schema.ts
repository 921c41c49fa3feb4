import { z } from 'zod';
import { identifierType, MAX_IDENTIFIER_LENGTH } from '../identity/index.js';

/**
 * Wire shapes of the Segment (and RudderStack) tracking spec, as clients send them. Unknown
 * top-level fields (`_metadata`, `integrations`, …) are dropped; context keeps everything.
 */

export const LIMITS = {
  /** Segment's limits: an event, and a whole request body after decompression. */
  eventBytes: 32 * 1024,
  batchBytes: 500 * 1024,
} as const;

/** SDKs send ids as strings; some send numbers. */
const id = z.union([z.string(), z.number().finite()]).transform(String).pipe(z.string().max(MAX_IDENTIFIER_LENGTH * 4));
const time = z.string().max(64).describe('ISO 8601');
const json = z.record(z.string().max(256), z.unknown());

const campaign = z.looseObject({
  name: z.string().max(500).optional(),
  source: z.string().max(500).optional(),
  medium: z.string().max(500).optional(),
  term: z.string().max(500).optional(),
  content: z.string().max(500).optional(),
});

export const externalId = z.object({
  id,
  type: identifierType,
  collection: z.string().max(100).optional(),
  encoding: z.string().max(40).optional(),
});

const context = z.looseObject({
  ip: z.string().max(64).optional(),
  userAgent: z.string().max(2000).optional(),
  library: z.looseObject({ name: z.string().max(200), version: z.string().max(100).optional() }).optional(),
  campaign: campaign.optional(),
  externalIds: z.array(externalId).max(50).optional(),
  traits: json.optional(),
  consent: z.looseObject({ categoryPreferences: z.record(z.string().max(100), z.boolean()).optional() }).optional(),
});

const common = {
  messageId: z.string().trim().min(1).max(200).optional(),
  timestamp: time.optional(),
  originalTimestamp: time.optional(),
  sentAt: time.optional(),
  userId: id.nullish(),
  anonymousId: id.nullish(),
  context: context.optional(),
};

export const trackMessage = z.object({ ...common, type: z.literal('track'), event: z.string().trim().min(1).max(200), properties: json.optional() });
export const identifyMessage = z.object({ ...common, type: z.literal('identify'), traits: json.optional() });
export const pageMessage = z.object({
  ...common,
  type: z.literal('page'),
  name: z.string().max(500).nullish(),
  category: z.string().max(500).nullish(),
  properties: json.optional(),
});
export const screenMessage = z.object({ ...common, type: z.literal('screen'), name: z.string().max(500).nullish(), properties: json.optional() });
export const aliasMessage = z.object({ ...common, type: z.literal('alias'), previousId: id, userId: id });
export const groupMessage = z.object({ ...common, type: z.literal('group'), groupId: id, traits: json.optional() });

export const message = z.discriminatedUnion('type', [trackMessage, identifyMessage, pageMessage, screenMessage, aliasMessage, groupMessage]);
export type Message = z.infer<typeof message>;
export type MessageType = Message['type'];
export const MESSAGE_TYPES = ['track', 'identify', 'page', 'screen', 'alias', 'group'] as const satisfies readonly MessageType[];

/** A `/v1/batch` body; `context` and `sentAt` apply to every event that lacks its own. */
export const batchBody = z.object({
  batch: z.array(z.unknown()).min(1, 'the batch is empty'),
  context: z.record(z.string(), z.unknown()).optional(),
  sentAt: time.optional(),
  writeKey: z.string().max(200).optional(),
});

/** Segment e-commerce spec amounts are yuan, as numbers or numeric strings. */
const yuan = z
  .union([z.number(), z.string().trim().regex(/^\d+(\.\d+)?$/, 'must be a number').transform(Number)])
  .pipe(z.number().finite().min(0, 'must not be negative').max(100_000_000, 'is not a plausible amount'));

const product = z.looseObject({
  product_id: id.optional(),
  sku: id.optional(),
  name: z.string().max(500).optional(),
  category: z.string().max(200).optional(),
  price: yuan.optional(),
  quantity: z.number().int().min(0).max(1_000_000).optional(),
});

export const orderProperties = z.looseObject({
  order_id: id.pipe(z.string().trim().min(1, 'is empty').max(100)),
  total: yuan.optional(),
  revenue: yuan.optional(),
  discount: yuan.optional(),
  currency: z.string().regex(/^[A-Za-z]{3}$/, 'must be an ISO 4217 code such as CNY').optional(),
  products: z.array(product).max(1000).optional(),
  channel: z.string().max(100).optional(),
  staff_userid: z.string().max(100).optional(),
});

/** What the collection API answers: the events it took, duplicates it ignored, and the ones it refused. */
export const ingestResponse = z.object({
  success: z.literal(true),
  accepted: z.number().int().describe('events stored, duplicates included'),
  duplicates: z.number().int().describe('events whose messageId was seen before, ignored'),
  rejected: z
    .array(
      z.object({
        index: z.number().int(),
        messageId: z.string().nullable(),
        code: z.string(),
        detail: z.string(),
        errors: z.array(z.object({ path: z.string(), message: z.string() })),
      }),
    )
    .describe('events refused, with the reason; the rest of the batch is stored'),
});
export type IngestResponse = z.infer<typeof ingestResponse>;
