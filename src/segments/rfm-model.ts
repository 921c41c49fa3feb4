import { z } from 'zod';
import type { Ctx } from '../store/index.js';
import { type Actor, recordAudit } from '../audit/index.js';

/**
 * The RFM model: scores R, F and M from 1 to 5, each "high" when above the center (mean or
 * median) of that score, and the 8 classic segments from the three high/low bits.
 */
const cutPoints = z
  .array(z.number().int().min(0))
  .length(4)
  .refine((c) => c.every((v, i) => i === 0 || v > c[i - 1]), 'four strictly ascending values');

export const rfmSettings = z
  .object({
    windowDays: z.number().int().min(1).max(3650).describe('orders of the last N local days (today included) count'),
    scoring: z
      .enum(['quintile', 'thresholds'])
      .describe('quintile: cut points are the 20/40/60/80% quantiles of the customers; thresholds: the values below'),
    thresholds: z
      .object({
        recencyDays: cutPoints.describe('R is 1 + how many of these the days since the last purchase are at or under'),
        frequency: cutPoints.describe('F is 1 + how many of these the number of purchases reaches'),
        monetaryFen: cutPoints.describe('M is 1 + how many of these the net amount (fen) reaches'),
      })
      .describe('used when scoring is thresholds'),
    compareTo: z.enum(['mean', 'median']).describe('a score is high when above the mean or median of that score'),
  })
  .strict();
export type RfmSettings = z.infer<typeof rfmSettings>;

export const DEFAULT_RFM_SETTINGS: RfmSettings = {
  windowDays: 365,
  scoring: 'quintile',
  thresholds: { recencyDays: [30, 60, 120, 240], frequency: [2, 3, 5, 8], monetaryFen: [30_000, 80_000, 150_000, 300_000] },
  compareTo: 'mean',
};

export const RFM_SEGMENT_KEYS = [
  'important_value',
  'important_develop',
  'important_retain',
  'important_winback',
  'general_value',
  'general_develop',
  'general_retain',
  'general_winback',
] as const;
export type RfmSegmentKey = (typeof RFM_SEGMENT_KEYS)[number];

interface SegmentInfo {
  r: boolean;
  f: boolean;
  m: boolean;
  zh: string;
  en: string;
  strategyZh: string;
  strategyEn: string;
}

/** R high = bought recently. Strategies follow the operators' playbook. */
export const RFM_SEGMENTS: Record<RfmSegmentKey, SegmentInfo> = {
  important_value: {
    r: true, f: true, m: true, zh: '重要价值客户', en: 'Champions',
    strategyZh: 'VIP 专属服务：专属顾问、新品优先体验、线下沙龙，维持高黏性，避免过度打扰',
    strategyEn: 'VIP care: a dedicated adviser, early access to launches, offline salons; keep them close without over-messaging',
  },
  important_develop: {
    r: true, f: false, m: true, zh: '重要发展客户', en: 'High-value newcomers',
    strategyZh: '提升购买频次：拼团、组合套装、会员积分加速，引导加入会员群',
    strategyEn: 'Raise frequency: group buys, bundles, faster points; invite them to the member group',
  },
  important_retain: {
    r: false, f: true, m: true, zh: '重要保持客户', en: 'Loyal, slipping away',
    strategyZh: '导购 1 对 1 回访，了解原因，给予定制补偿或专属福利，唤回复购',
    strategyEn: 'Staff 1-to-1 call-back, ask why, tailored compensation or a private offer to bring them back',
  },
  important_winback: {
    r: false, f: false, m: true, zh: '重要挽留客户', en: 'Big spenders at risk',
    strategyZh: '高价值流失预警：专属大额券 + 新品试用，召回群重点运营',
    strategyEn: 'Churn warning for big spenders: a generous private coupon plus a new-product trial, in the win-back group',
  },
  general_value: {
    r: true, f: true, m: false, zh: '一般价值客户', en: 'Frequent, low spend',
    strategyZh: '提升客单价：满减、加价购、组合推荐，推荐高价值单品',
    strategyEn: 'Raise order value: spend thresholds, add-on deals, bundle and premium recommendations',
  },
  general_develop: {
    r: true, f: false, m: false, zh: '一般发展客户', en: 'New customers',
    strategyZh: '新客 7 天培育：使用教程 + 新人券，引导二次购买，邀请进福利群',
    strategyEn: '7-day nurture: tutorials and a new-customer coupon toward the second order; invite to the perks group',
  },
  general_retain: {
    r: false, f: true, m: false, zh: '一般保持客户', en: 'Habitual, cooling down',
    strategyZh: '定期触达：社群活动、签到积分、限时折扣，保持互动',
    strategyEn: 'Regular touches: community activities, check-in points, time-limited discounts',
  },
  general_winback: {
    r: false, f: false, m: false, zh: '一般挽留客户', en: 'Lost, low value',
    strategyZh: '低成本召回：短信 + 9.9 尝鲜、无门槛小额券，无回应则降低触达频率',
    strategyEn: 'Low-cost win-back: SMS with a 9.9 trial or a small coupon; reduce touches if there is no response',
  },
};

/** Segment of the high/low bits, indexed by 4·R + 2·F + M (the order the SQL uses). */
export const SEGMENT_BY_BITS: RfmSegmentKey[] = Array.from({ length: 8 }, (_, bits) => {
  const [r, f, m] = [(bits & 4) > 0, (bits & 2) > 0, (bits & 1) > 0];
  return RFM_SEGMENT_KEYS.find((k) => RFM_SEGMENTS[k].r === r && RFM_SEGMENTS[k].f === f && RFM_SEGMENTS[k].m === m)!;
});

export async function loadRfmSettings(ctx: Pick<Ctx, 'db'>, workspaceId: string): Promise<RfmSettings> {
  const row = await ctx.db.selectFrom('rfm_settings').select('settings').where('workspace_id', '=', workspaceId).executeTakeFirst();
  return row ? rfmSettings.parse(row.settings) : DEFAULT_RFM_SETTINGS;
}

export async function saveRfmSettings(ctx: Ctx, workspaceId: string, input: RfmSettings, by: { actor: Actor; requestId?: string }): Promise<RfmSettings> {
  const settings = rfmSettings.parse(input);
  const before = await loadRfmSettings(ctx, workspaceId);
  await ctx.db.transaction().execute(async (trx) => {
    const row = { settings: JSON.stringify(settings), updated_at: ctx.clock.now() };
    await trx
      .insertInto('rfm_settings')
      .values({ workspace_id: workspaceId, ...row })
      .onConflict((oc) => oc.column('workspace_id').doUpdateSet(row))
      .execute();
    await recordAudit(ctx, trx, { workspaceId, actor: by.actor, action: 'rfm.settings.update', entity: 'rfm_settings', before, after: settings, requestId: by.requestId });
  });
  return settings;
}
