import QRCode from 'qrcode';
import { sql } from 'kysely';
import type { Ctx } from '../store/index.js';
import { localTime, workspaceZone } from './local.js';

/**
 * Short links and the H5 landing page (聚合活码) for SMS and parcel cards: /s/{short} shows the
 * code's WeCom QR, counting opens per day and channel tag (?ch=); the code's state then
 * attributes the add or join to its channel.
 */
export interface Landing {
  workspaceId: string;
  codeId: string;
  kind: 'contact' | 'group';
  name: string;
  channelName: string;
  qrUrl: string;
}

export async function findByShort(ctx: Ctx, short: string): Promise<Landing | null> {
  const row = await ctx.db.selectFrom('wecom_codes').select(['workspace_id', 'id', 'kind', 'name', 'channel', 'qr_url', 'config']).where('short', '=', short).where('deleted_at', 'is', null).executeTakeFirst();
  if (!row) return null;
  const channelName = (row.config as { channelName?: string }).channelName ?? row.channel;
  return { workspaceId: row.workspace_id, codeId: row.id, kind: row.kind, name: row.name, channelName, qrUrl: row.qr_url };
}

export async function countClick(ctx: Ctx, landing: Landing, ch: string): Promise<void> {
  const day = localTime(ctx.clock.now(), await workspaceZone(ctx, landing.workspaceId)).day;
  await ctx.db
    .insertInto('wecom_link_clicks')
    .values({ workspace_id: landing.workspaceId, code_id: landing.codeId, day, ch, clicks: 1 })
    .onConflict((oc) => oc.columns(['workspace_id', 'code_id', 'day', 'ch']).doUpdateSet({ clicks: sql`wecom_link_clicks.clicks + 1` }))
    .execute();
}

export async function clickStats(ctx: Ctx, workspaceId: string, codeId: string): Promise<{ day: string; ch: string; clicks: number }[]> {
  const rows = await ctx.db
    .selectFrom('wecom_link_clicks')
    .select([sql<string>`to_char(day, 'YYYY-MM-DD')`.as('day'), 'ch', 'clicks'])
    .where('workspace_id', '=', workspaceId)
    .where('code_id', '=', codeId)
    .orderBy('day')
    .orderBy('ch')
    .execute();
  return rows.map((r) => ({ ...r, clicks: Number(r.clicks) }));
}

const escape = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export function landingPage(l: Landing): string {
  const hint = l.kind === 'contact' ? '长按识别二维码，添加专属顾问' : '长按识别二维码，加入社群';
  return `<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${escape(l.name)}</title>
<style>body{margin:0;font-family:-apple-system,"PingFang SC",sans-serif;background:#f2f7f4;color:#1f2d26;text-align:center}
main{max-width:420px;margin:0 auto;padding:40px 24px}h1{font-size:22px;margin:0 0 8px}p{color:#5b6b63;margin:0 0 24px}
img{width:260px;height:260px;background:#fff;padding:12px;border-radius:12px;box-shadow:0 2px 12px rgba(0,0,0,.08)}
small{display:block;margin-top:24px;color:#8a9a92}</style></head>
<body><main><h1>${escape(l.name)}</h1><p>${hint}</p>
<img src="${escape(l.qrUrl)}" alt="二维码"><small>来自${escape(l.channelName)}</small></main></body></html>`;
}

/** A QR image of a URL (the short link: scanning it opens the landing page). */
export function qrPng(url: string): Promise<Buffer> {
  return QRCode.toBuffer(url, { type: 'png', width: 512, margin: 2, errorCorrectionLevel: 'M' });
}

/** A printable poster (SVG): title, the QR and a call to action, for parcel cards and stores. */
export async function posterSvg(title: string, subtitle: string, url: string): Promise<string> {
  const qr = await QRCode.toString(url, { type: 'svg', margin: 1, errorCorrectionLevel: 'M' });
  const inner = qr.replace(/^<svg[^>]*>/, '').replace(/<\/svg>\s*$/, '');
  const viewBox = qr.match(/viewBox="([^"]+)"/)?.[1] ?? '0 0 33 33';
  return `<svg xmlns="http://www.w3.org/2000/svg" width="750" height="1334" viewBox="0 0 750 1334">
<rect width="750" height="1334" fill="#07c160"/>
<rect x="60" y="260" width="630" height="860" rx="32" fill="#fff"/>
<text x="375" y="160" font-size="56" font-weight="bold" fill="#fff" text-anchor="middle" font-family="PingFang SC, sans-serif">${escape(title)}</text>
<text x="375" y="225" font-size="30" fill="#eafff3" text-anchor="middle" font-family="PingFang SC, sans-serif">${escape(subtitle)}</text>
<svg x="135" y="330" width="480" height="480" viewBox="${viewBox}">${inner}</svg>
<text x="375" y="900" font-size="34" fill="#1f2d26" text-anchor="middle" font-family="PingFang SC, sans-serif">扫码添加专属顾问</text>
<text x="375" y="960" font-size="26" fill="#5b6b63" text-anchor="middle" font-family="PingFang SC, sans-serif">领取新人专享福利</text>
</svg>`;
}
