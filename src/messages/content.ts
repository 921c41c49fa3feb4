import { z } from 'zod';
import { CHANNELS, type Channel } from '../channels/index.js';

/**
 * What a template holds, per channel. Every string is a mustache template. Pushes to customers
 * carry at most 3 messages (PLAYBOOK: "at most 3 messages per push"): for WeCom the text and each
 * attachment are one message each; WeCom itself allows up to 9 attachments (WECOM.md,
 * add_msg_template), so the playbook's 3 is the tighter limit.
 */
export const MAX_PARTS = 3;

const text = (max: number) => z.string().min(1).max(max);
const links = z
  .record(z.string().regex(/^[a-z][a-z0-9_]{0,39}$/, 'a link name: lower case letters, digits, _'), z.string().url().max(2000))
  .refine((l) => Object.keys(l).length <= 20, 'at most 20 links')
  .optional()
  .describe('tracked links: {{link.<name>}} renders a /m/<token> address that records the click and redirects here');

export const wecomAttachment = z.discriminatedUnion('type', [
  z.object({ type: z.literal('image'), picUrl: z.string().min(1).max(2000) }).strict(),
  z.object({ type: z.literal('link'), title: text(128), url: z.string().min(1).max(2000), desc: z.string().max(512).optional(), picUrl: z.string().max(2000).optional() }).strict(),
  z.object({ type: z.literal('miniprogram'), title: text(64), appid: text(64), page: text(1000), picMediaId: z.string().max(200).optional() }).strict(),
]);
export type WecomAttachment = z.infer<typeof wecomAttachment>;

const wecomParts = z
  .object({ text: text(4000).optional(), attachments: z.array(wecomAttachment).max(9).default([]), links })
  .strict()
  .refine((c) => c.text || c.attachments.length, 'text or an attachment')
  .refine((c) => (c.text ? 1 : 0) + c.attachments.length <= MAX_PARTS, `at most ${MAX_PARTS} messages per push (text + attachments)`);

export const templateContent = {
  wecom_1v1: wecomParts,
  wecom_group: wecomParts,
  wecom_moments: wecomParts,
  wecom_app: z.object({ text: text(2000), links }).strict().describe('an app message to the staff member (tasks, notices)'),
  sms: z.object({ text: text(500).describe('signature 【品牌】 is prefixed and 退订回T appended when sent'), links }).strict(),
  email: z.object({ subject: text(200), html: text(200_000), text: z.string().max(100_000).optional(), links }).strict(),
  webhook: z.object({ event: text(100).describe('the event name in the payload'), data: z.record(z.string(), z.string().max(10_000)).default({}), links }).strict(),
  miniprogram: z
    .object({
      templateId: text(128).describe('the subscription message template id (订阅消息模板)'),
      page: z.string().max(1000).default(''),
      data: z.record(z.string().regex(/^[a-z_]+\d*$/), z.string().max(200)).refine((d) => Object.keys(d).length > 0, 'at least one field'),
      links,
    })
    .strict(),
} satisfies Record<Channel, z.ZodType>;

export type TemplateContent = Record<string, unknown> & { links?: Record<string, string> };

export function parseContent(channel: Channel, content: unknown): { ok: true; content: TemplateContent } | { ok: false; errors: { path: string; message: string }[] } {
  const r = templateContent[channel].safeParse(content);
  if (r.success) return { ok: true, content: r.data as TemplateContent };
  return { ok: false, errors: r.error.issues.map((i) => ({ path: ['content', ...i.path].join('.'), message: i.message })) };
}

export const isChannel = (c: string): c is Channel => (CHANNELS as readonly string[]).includes(c);

/** Every string of a content value, with its path (mustache sources). */
export function contentStrings(content: unknown, path = ''): { path: string; source: string }[] {
  if (typeof content === 'string') return [{ path, source: content }];
  if (Array.isArray(content)) return content.flatMap((v, i) => contentStrings(v, `${path}[${i}]`));
  if (content && typeof content === 'object') {
    return Object.entries(content)
      .filter(([k]) => k !== 'links' || path !== '')
      .flatMap(([k, v]) => contentStrings(v, path ? `${path}.${k}` : k));
  }
  return [];
}

/** Maps every string of a content value (links left as they are). */
export function mapStrings(content: unknown, fn: (s: string, path: string) => string, path = ''): unknown {
  if (typeof content === 'string') return fn(content, path);
  if (Array.isArray(content)) return content.map((v, i) => mapStrings(v, fn, `${path}[${i}]`));
  if (content && typeof content === 'object') {
    return Object.fromEntries(Object.entries(content).map(([k, v]) => [k, k === 'links' && path === '' ? v : mapStrings(v, fn, path ? `${path}.${k}` : k)]));
  }
  return content;
}
