import { z } from 'zod';
import { CHANNELS } from '../journeys/model.js';

/** Wire shapes of campaigns (群发). */

const variantKey = z
  .string()
  .regex(/^[A-Za-z0-9_-]{1,32}$/, 'a variant key: letters, digits, _ or -, at most 32')
  .refine((k) => k !== 'holdout', "'holdout' names the control group; pick another key");

export const campaignVariant = z
  .object({
    key: variantKey,
    templateId: z.string().uuid(),
    weight: z.number().int().positive('a weight greater than zero').max(1000),
  })
  .strict();

/**
 * When to send: as soon as it is released with /send, or at a time. A time without a zone offset
 * (2026-06-20T20:00) is read in the workspace's zone.
 */
export const campaignSchedule = z.discriminatedUnion('mode', [
  z.object({ mode: z.literal('now') }).strict(),
  z
    .object({
      mode: z.literal('at'),
      at: z
        .string()
        .regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})?$/, 'a date and time, e.g. 2026-06-20T20:00 (workspace zone) or 2026-06-20T12:00:00Z'),
    })
    .strict(),
]);
export type CampaignSchedule = z.infer<typeof campaignSchedule>;

export const campaignInput = z
  .object({
    name: z.string().trim().min(1).max(100),
    description: z.string().max(2000).default(''),
    segmentId: z.string().uuid().describe('the audience: members of this segment when the send starts'),
    channel: z.enum(CHANNELS),
    variants: z.array(campaignVariant).min(1).max(10).describe('A/B variants; customers are split by weight'),
    holdoutPercent: z.number().int().min(0).max(50).default(0).describe('this share of the audience gets nothing (control group)'),
    schedule: campaignSchedule.default({ mode: 'now' }),
    golden: z.boolean().default(false).describe('defer each message to the next golden window'),
    attributionDays: z.number().int().min(1).max(90).default(7).describe('orders within this many days after the send count as conversions'),
  })
  // No component id: its input (defaults optional) and output shapes differ, which OpenAPI components can't share.
  .strict();
export type CampaignInput = z.input<typeof campaignInput>;
export type CampaignData = z.output<typeof campaignInput>;
