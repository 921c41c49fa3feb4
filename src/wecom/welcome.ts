import { z } from 'zod';
import type { Attachment, WelcomeRequest } from './protocol.js';

/**
 * Welcome messages (新客户欢迎语, doc 92137): text with variables plus at most 9 attachments.
 * Variables are written {{客户昵称}} / {{员工姓名}} / {{渠道}} in the console (or the English names).
 */
export const welcomeAttachment = z.discriminatedUnion('type', [
  z.object({ type: z.literal('image'), picUrl: z.string().url() }),
  z.object({ type: z.literal('link'), title: z.string().min(1).max(128), url: z.string().url(), desc: z.string().max(512).optional(), picUrl: z.string().url().optional() }),
  z.object({ type: z.literal('miniprogram'), title: z.string().min(1).max(64), appid: z.string().min(1).max(64), page: z.string().min(1).max(256), picMediaId: z.string().min(1).max(256) }),
]);

export const welcomeMessage = z.object({
  text: z
    .string()
    .max(4000)
    .default('')
    .superRefine((text, ctx) => {
      const unknown = unknownVariables(text);
      if (unknown.length) ctx.addIssue({ code: 'custom', message: `unknown variable {{${unknown[0]}}}: use {{客户昵称}}, {{员工姓名}} or {{渠道}}` });
    }),
  attachments: z.array(welcomeAttachment).max(9).default([]),
});
export type WelcomeMessage = z.infer<typeof welcomeMessage>;

export interface WelcomeVars {
  customerName: string;
  staffName: string;
  channelName: string;
}

const VARIABLES: Record<string, keyof WelcomeVars> = {
  客户昵称: 'customerName',
  customer_name: 'customerName',
  员工姓名: 'staffName',
  staff_name: 'staffName',
  渠道: 'channelName',
  channel: 'channelName',
};

export function renderText(text: string, vars: WelcomeVars): string {
  return text.replace(/\{\{\s*([^{}\s]+)\s*\}\}/g, (whole, name: string) => (VARIABLES[name] ? vars[VARIABLES[name]] : whole));
}

/** Unknown {{…}} names: shown to the operator before they save. */
export function unknownVariables(text: string): string[] {
  return [...text.matchAll(/\{\{\s*([^{}\s]+)\s*\}\}/g)].map((m) => m[1]).filter((n) => !VARIABLES[n]);
}

const toWire: { [K in z.infer<typeof welcomeAttachment>['type']]: (a: Extract<z.infer<typeof welcomeAttachment>, { type: K }>) => Attachment } = {
  image: (a) => ({ msgtype: 'image', image: { pic_url: a.picUrl } }),
  link: (a) => ({ msgtype: 'link', link: { title: a.title, url: a.url, ...(a.desc ? { desc: a.desc } : {}), ...(a.picUrl ? { picurl: a.picUrl } : {}) } }),
  miniprogram: (a) => ({ msgtype: 'miniprogram', miniprogram: { title: a.title, appid: a.appid, page: a.page, pic_media_id: a.picMediaId } }),
};

export function welcomeRequest(message: WelcomeMessage, vars: WelcomeVars, welcomeCode: string): WelcomeRequest | null {
  const text = renderText(message.text, vars).trim();
  const attachments = message.attachments.map((a) => (toWire[a.type] as (x: typeof a) => Attachment)(a));
  if (!text && attachments.length === 0) return null;
  return { welcome_code: welcomeCode, ...(text ? { text: { content: text } } : {}), ...(attachments.length ? { attachments } : {}) };
}

/**
 * The playbook's three elements of a welcome message — value preview, action prompt, urgency —
 * as starting points the console inserts and the operator edits.
 */
export const WELCOME_TEMPLATES: { element: 'value' | 'action' | 'urgency'; text: string }[] = [
  { element: 'value', text: '{{客户昵称}}你好，我是你的专属美妆顾问{{员工姓名}}～本群每周三晚8点美妆师在线答疑，新品试用第一时间通知你。' },
  { element: 'value', text: '欢迎来自{{渠道}}的{{客户昵称}}！每周为你精选护肤干货和会员专享福利。' },
  { element: 'action', text: '回复【肤质】获取专属护理方案。' },
  { element: 'action', text: '回复【福利】领取新人专享券，首单9.9包邮。' },
  { element: 'urgency', text: '群内仅限200人，满员即止。' },
  { element: 'urgency', text: '新人券仅限今日领取，24小时后失效。' },
];
