import type { z } from 'zod';
import type { Rule } from '../segments/index.js';
import type { Channel, journeyGraph, step } from '../journeys/index.js';

/**
 * The seed playbook's SOPs (/work/shared/PLAYBOOK.md) as installable journey templates: data only.
 * A template names what it needs by local keys (a message template `welcome`, a tag `hesitant`, a
 * segment `lapsed30`); installing resolves those keys to ids in the workspace, creating what is
 * missing (idempotent by name), and the graph is built from the resolved ids.
 *
 * Brand voice: 花漾美妆's consultants (美妆顾问) talk like a friend who knows skincare: warm, short,
 * one emoji at most, one clear action per message. SMS texts carry no signature or 退订 footer: the
 * SMS channel appends 【品牌】 and 退订回T itself.
 */

export interface PlaybookMessage {
  key: string;
  /** Unique in the workspace: installing again reuses the template with this name. */
  name: string;
  channel: Channel;
  /** Email subject or card title; unused by plain-text channels. */
  title?: string;
  /** Mustache text; variables as in the outbox contract (customer.*, event.*, grant.*, staff.name, brand.name, group.qr_url). */
  body: string;
  description: string;
}

export interface PlaybookTag {
  key: string;
  /** Tag group, created when missing (not exclusive). */
  group: string;
  name: string;
}

export interface PlaybookSegment {
  key: string;
  name: string;
  description: string;
  rule: Rule;
}

/** Coupons the template grants, for the gallery's "what it will create" (the grant step carries the same numbers). */
export interface PlaybookCoupon {
  couponKey: string;
  name: string;
  amountFen: number;
  thresholdFen: number;
  validDays: number;
}

/** What a template relies on in the workspace's data, checked against the demo brand in tests. */
export interface PlaybookRelies {
  events?: string[];
  traits?: string[];
  /** Needs a WeCom group live code (群活码) to invite to. */
  groupCode?: boolean;
  /** Needs WeCom contacts (企微好友). */
  wecom?: boolean;
}

export interface PlaybookRefs {
  message(key: string): string;
  tag(key: string): string;
  segment(key: string): string;
  /** The group live code to invite to (only for templates with relies.groupCode). */
  groupCode(): string;
}

export type JourneyGraphInput = z.input<typeof journeyGraph>;

export interface Playbook {
  key: string;
  name: string;
  description: string;
  /** One line for the gallery: how customers enter. */
  triggerSummary: string;
  messages: PlaybookMessage[];
  tags: PlaybookTag[];
  segments: PlaybookSegment[];
  coupons: PlaybookCoupon[];
  relies: PlaybookRelies;
  graph(refs: PlaybookRefs): JourneyGraphInput;
}

const ORDER_COMPLETED = 'Order Completed';
const BEHAVIOUR_GROUP = '行为标签';
const JOURNEY_GROUP = '旅程标签';

type StepInput = z.input<typeof step>;

/** Reachable on WeCom 1v1 → the WeCom text; otherwise the SMS text. Both then go to `next`. */
function sendByReach(refs: PlaybookRefs, id: string, wecomKey: string, smsKey: string, opts: { marketing: boolean; next?: string }): StepInput[] {
  return [
    { id: `${id}_reach`, kind: 'branch', label: '企微可触达？', condition: { type: 'reachable', channel: 'wecom_1v1' }, yes: `${id}_wecom`, no: `${id}_sms` },
    { id: `${id}_wecom`, kind: 'send', label: '企微1对1', channel: 'wecom_1v1', templateId: refs.message(wecomKey), golden: true, marketing: opts.marketing, next: opts.next },
    { id: `${id}_sms`, kind: 'send', label: '短信', channel: 'sms', templateId: refs.message(smsKey), golden: true, marketing: opts.marketing, next: opts.next },
  ];
}

// ---------------------------------------------------------------------------------------------
// 1. 新客7天培育
// ---------------------------------------------------------------------------------------------

/** The 7-day plan's touches: day after entry, message key, marketing or content (721 rule). */
export const NEW_CUSTOMER_TOUCHES = [
  { day: 0, key: 'd0', marketing: true },
  { day: 1, key: 'd1', marketing: false },
  { day: 3, key: 'd3', marketing: true },
  { day: 5, key: 'd5', marketing: false },
  { day: 7, key: 'd7', marketing: true },
] as const;

const newCustomer7d: Playbook = {
  key: 'new_customer_7d',
  name: '新客7天培育',
  description:
    '企微加好友后的7天培育计划：当天发新人礼（20元新人券，满99可用），第1、3、5、7天在黄金时段（07–09、12–13、19–22）各触达一次，内容与福利交替（721原则）。首单即视为转化并退出旅程。',
  triggerSummary: '通过任一渠道活码添加企业微信好友',
  messages: [
    {
      key: 'd0',
      name: '新客培育·D0 新人礼',
      channel: 'wecom_1v1',
      description: '第0天：见面礼与新人券',
      body: '{{customer.name}}你好呀～我是你的专属美妆顾问{{staff.name}}🌸 送你一张{{grant.coupon.amount}}元新人券（满99可用，{{grant.coupon.expires}}前有效），首单9.9元小样也能用。有任何肌肤问题随时问我！',
    },
    {
      key: 'd1',
      name: '新客培育·D1 护肤小课堂',
      channel: 'wecom_1v1',
      description: '第1天：干货内容，不推销',
      body: '{{customer.name}}，今天分享一个小技巧：洁面后3分钟内上保湿，锁水效果翻倍。不确定自己是什么肤质？回复【肤质】，我帮你一对一分析～',
    },
    {
      key: 'd3',
      name: '新客培育·D3 首单福利提醒',
      channel: 'wecom_1v1',
      description: '第3天：提醒新人券，推荐入门单品',
      body: '{{customer.name}}，你的新人券还没用哦～ 很多姐妹的第一单是积雪草修护面霜，敏感肌也能放心用。券在{{grant.coupon.expires}}到期，别错过啦！',
    },
    {
      key: 'd5',
      name: '新客培育·D5 肤质测试',
      channel: 'wecom_1v1',
      description: '第5天：互动内容，收集肤质',
      body: '{{customer.name}}，花1分钟做个肤质小测试吧：油皮、干皮、混合还是敏感？回复对应的字，我给你配一套专属早晚护肤步骤✨',
    },
    {
      key: 'd7',
      name: '新客培育·D7 最后一天福利',
      channel: 'wecom_1v1',
      description: '第7天：新人券最后提醒，制造紧迫感',
      body: '{{customer.name}}，新人专享最后一天啦！{{grant.coupon.amount}}元新人券今晚过期，9.9元明星小样体验装也仅限新人。需要帮你挑的话直接回我就好～',
    },
  ],
  tags: [{ key: 'nurturing', group: JOURNEY_GROUP, name: '新客7天培育' }],
  segments: [],
  coupons: [{ couponKey: 'new_customer_20', name: '新人券 20元（满99可用）', amountFen: 2000, thresholdFen: 9900, validDays: 7 }],
  relies: { wecom: true, events: ['WeCom Contact Added', ORDER_COMPLETED] },
  graph: (refs) => {
    const steps: StepInput[] = [
      { id: 'tag', kind: 'tag', label: '打标签：新客7天培育', op: 'add', tagId: refs.tag('nurturing'), next: 'grant' },
      { id: 'grant', kind: 'grant', label: '发新人券', reward: { type: 'coupon', couponKey: 'new_customer_20', amountFen: 2000, thresholdFen: 9900, validDays: 7 }, next: 'd0_golden' },
    ];
    NEW_CUSTOMER_TOUCHES.forEach((t, i) => {
      const prev = i > 0 ? NEW_CUSTOMER_TOUCHES[i - 1] : null;
      const nextTouch = NEW_CUSTOMER_TOUCHES[i + 1];
      if (prev) steps.push({ id: `${t.key}_wait`, kind: 'wait', label: `等待${t.day - prev.day}天`, duration: { days: t.day - prev.day }, next: `${t.key}_golden` });
      steps.push({ id: `${t.key}_golden`, kind: 'wait_golden', label: '等到黄金时段', next: `${t.key}_send` });
      steps.push({
        id: `${t.key}_send`,
        kind: 'send',
        label: `第${t.day}天触达`,
        channel: 'wecom_1v1',
        templateId: refs.message(t.key),
        golden: true,
        marketing: t.marketing,
        next: nextTouch ? `${nextTouch.key}_wait` : 'untag',
      });
    });
    steps.push({ id: 'untag', kind: 'tag', label: '培育结束：移除标签', op: 'remove', tagId: refs.tag('nurturing') });
    return { trigger: { kind: 'contact_added' }, reentry: { mode: 'once' }, start: 'tag', steps, goal: { event: ORDER_COMPLETED, withinDays: 8 } };
  },
};

// ---------------------------------------------------------------------------------------------
// 2. 首单后入群邀请
// ---------------------------------------------------------------------------------------------

const firstOrderGroupInvite: Playbook = {
  key: 'first_order_group_invite',
  name: '首单后入群邀请',
  description: '客户完成首单后，在下一个黄金时段由专属顾问发送会员福利群的群活码邀请（入群≤3步），并打上“首单客户”标签。非企微好友不发送。',
  triggerSummary: '完成订单（Order Completed），且累计订单数为1',
  messages: [
    {
      key: 'invite',
      name: '首单后入群邀请·企微',
      channel: 'wecom_1v1',
      description: '携带群活码的入群邀请',
      body: '{{customer.name}}，谢谢你的第一单💐 邀请你加入花漾会员福利群：每周三晚8点美妆师在线答疑，群内专享秒杀和新品试用。扫码即可入群，群内仅限200人，满员即止～',
    },
  ],
  tags: [{ key: 'first_order', group: BEHAVIOUR_GROUP, name: '首单客户' }],
  segments: [],
  coupons: [],
  relies: { wecom: true, groupCode: true, events: [ORDER_COMPLETED] },
  graph: (refs) => ({
    trigger: { kind: 'event', event: ORDER_COMPLETED },
    reentry: { mode: 'once' },
    start: 'is_first',
    steps: [
      { id: 'is_first', kind: 'branch', label: '是首单？', condition: { type: 'trait', trait: 'order_count', op: 'eq', value: 1 }, yes: 'tag', no: 'not_first' },
      { id: 'not_first', kind: 'exit', label: '非首单' },
      { id: 'tag', kind: 'tag', label: '打标签：首单客户', op: 'add', tagId: refs.tag('first_order'), next: 'reach' },
      { id: 'reach', kind: 'branch', label: '企微可触达？', condition: { type: 'reachable', channel: 'wecom_1v1' }, yes: 'golden', no: 'unreachable' },
      { id: 'unreachable', kind: 'exit', label: '非企微好友' },
      { id: 'golden', kind: 'wait_golden', label: '等到黄金时段', next: 'invite' },
      { id: 'invite', kind: 'group_invite', label: '发送群活码', groupCodeId: refs.groupCode(), templateId: refs.message('invite') },
    ],
  }),
};

// ---------------------------------------------------------------------------------------------
// 3. 沉默3天唤醒
// ---------------------------------------------------------------------------------------------

const silent3d: Playbook = {
  key: 'silent_3d_wakeup',
  name: '沉默3天唤醒',
  description: '企微好友连续3天没有任何互动（浏览、下单、消息）时，由专属顾问在黄金时段发一条1对1的关怀消息，不推销，只问近况。同一客户30天内最多一次。',
  triggerSummary: '进入分群“3天未互动”（最近互动在3–30天前）',
  messages: [
    {
      key: 'wakeup',
      name: '沉默唤醒·1对1关怀',
      channel: 'wecom_1v1',
      description: '顾问口吻的个人问候',
      body: '{{customer.name}}，好几天没见你啦～最近换季皮肤还好吗？我这边整理了一份换季护肤清单，需要的话回复【清单】发你，有问题也可以随时问我哦。——{{staff.name}}',
    },
  ],
  tags: [],
  segments: [
    {
      key: 'silent3',
      name: '3天未互动',
      description: '最近一次互动在3到30天前（更久的由30天流失召回处理）',
      rule: {
        type: 'and',
        rules: [
          { type: 'computed', field: 'days_since_last_seen', op: 'gte', value: 3 },
          { type: 'computed', field: 'days_since_last_seen', op: 'lte', value: 30 },
        ],
      },
    },
  ],
  coupons: [],
  relies: { wecom: true },
  graph: (refs) => ({
    trigger: { kind: 'segment', segmentId: refs.segment('silent3'), on: 'entered' },
    reentry: { mode: 'every', days: 30 },
    start: 'reach',
    steps: [
      { id: 'reach', kind: 'branch', label: '企微可触达？', condition: { type: 'reachable', channel: 'wecom_1v1' }, yes: 'golden', no: 'unreachable' },
      { id: 'unreachable', kind: 'exit', label: '非企微好友' },
      { id: 'golden', kind: 'wait_golden', label: '等到黄金时段', next: 'wakeup' },
      { id: 'wakeup', kind: 'send', label: '1对1唤醒', channel: 'wecom_1v1', templateId: refs.message('wakeup'), golden: true, marketing: false },
    ],
  }),
};

// ---------------------------------------------------------------------------------------------
// 4. 浏览未购送20元无门槛券
// ---------------------------------------------------------------------------------------------

const BROWSE_COUPON = { couponKey: 'browse_no_buy_20', amountFen: 2000, thresholdFen: 0, validDays: 7 } as const;

const browseNoBuyCoupon: Playbook = {
  key: 'browse_no_buy_coupon',
  name: '浏览未购送20元无门槛券',
  description: '浏览面霜后24小时内没有下单的客户，打上“犹豫用户”标签，发一张20元无门槛券（7天有效），企微好友走1对1，其余走短信。期间下单即算转化并退出；每位客户只参加一次。',
  triggerSummary: '浏览商品（Product Viewed），品类为面霜',
  messages: [
    {
      key: 'coupon_wecom',
      name: '浏览未购·20元券·企微',
      channel: 'wecom_1v1',
      description: '券到账提醒，点名看过的商品',
      body: '{{customer.name}}，看你最近在看{{event.category}}～ 给你申请了一张{{grant.coupon.amount}}元无门槛券，已放进你的账户，{{grant.coupon.expires}}前下单直接抵扣。有肤质上的顾虑也可以先问我哦！',
    },
    {
      key: 'coupon_sms',
      name: '浏览未购·20元券·短信',
      channel: 'sms',
      description: '券到账短信',
      body: '{{customer.name}}，您关注的{{event.category}}送您{{grant.coupon.amount}}元无门槛券，{{grant.coupon.expires}}前有效，小程序下单自动抵扣。',
    },
  ],
  tags: [{ key: 'hesitant', group: BEHAVIOUR_GROUP, name: '犹豫用户' }],
  segments: [],
  coupons: [{ couponKey: BROWSE_COUPON.couponKey, name: '20元无门槛券', amountFen: 2000, thresholdFen: 0, validDays: 7 }],
  relies: { events: ['Product Viewed', ORDER_COMPLETED] },
  graph: (refs) => ({
    trigger: { kind: 'event', event: 'Product Viewed', where: [{ property: 'category', op: 'eq', value: '面霜' }] },
    reentry: { mode: 'once' },
    start: 'wait_buy',
    steps: [
      { id: 'wait_buy', kind: 'wait_event', label: '24小时内下单？', event: ORDER_COMPLETED, timeout: { hours: 24 }, timeoutNext: 'tag' },
      { id: 'tag', kind: 'tag', label: '打标签：犹豫用户', op: 'add', tagId: refs.tag('hesitant'), next: 'grant' },
      { id: 'grant', kind: 'grant', label: '发20元无门槛券', reward: { type: 'coupon', ...BROWSE_COUPON }, next: 'coupon_reach' },
      ...sendByReach(refs, 'coupon', 'coupon_wecom', 'coupon_sms', { marketing: true, next: 'wait_use' }),
      { id: 'wait_use', kind: 'wait_event', label: '7天内用券下单？', event: ORDER_COMPLETED, timeout: { days: 7 } },
    ],
    goal: { event: ORDER_COMPLETED, withinDays: 8 },
  }),
};

// ---------------------------------------------------------------------------------------------
// 5. 30天流失分层召回
// ---------------------------------------------------------------------------------------------

const VIP_COUPON = { couponKey: 'winback_vip_50', amountFen: 5000, thresholdFen: 30000, validDays: 14 } as const;

const winback30d: Playbook = {
  key: 'winback_30d_tiered',
  name: '30天流失分层召回',
  description:
    '每天10:00把30–90天未购买的老客分层召回：高价值客户（LTV高价值或RFM重要客户）发50元专属券（满300可用）并给专属顾问派1对1回访任务；其余低频客户推新品试用装。14天内下单算转化；同一客户60天内只召回一次。',
  triggerSummary: '每天10:00，分群“30天未购买”的客户',
  messages: [
    {
      key: 'trial_wecom',
      name: '流失召回·新品试用·企微',
      channel: 'wecom_1v1',
      description: '低频客户：新品试用装',
      body: '{{customer.name}}，好久不见～花漾新出了二裂酵母修护精华，先给老朋友留了试用装：9.9元包邮尝鲜，用得好再入正装。要的话回我【试用】就行🌿',
    },
    {
      key: 'trial_sms',
      name: '流失召回·新品试用·短信',
      channel: 'sms',
      description: '低频客户：新品试用装',
      body: '{{customer.name}}，花漾新品二裂酵母修护精华试用装，老客9.9元包邮尝鲜，小程序搜索“花漾美妆”领取。',
    },
  ],
  tags: [{ key: 'winback', group: JOURNEY_GROUP, name: '流失召回中' }],
  segments: [
    {
      key: 'lapsed30',
      name: '30天未购买',
      description: '买过、但最近一次购买在30到90天前',
      rule: {
        type: 'and',
        rules: [
          { type: 'orders', metric: 'count', op: 'gte', value: 1 },
          { type: 'computed', field: 'days_since_last_order', op: 'gte', value: 30 },
          { type: 'computed', field: 'days_since_last_order', op: 'lte', value: 90 },
        ],
      },
    },
    {
      key: 'high_value',
      name: '高价值客户（LTV/RFM）',
      description: 'LTV分层为高价值，或RFM为重要价值/重要发展/重要保持/重要挽留',
      rule: {
        type: 'or',
        rules: [
          { type: 'ltv', tiers: ['high_value'] },
          { type: 'rfm', segments: ['important_value', 'important_develop', 'important_retain', 'important_winback'] },
        ],
      },
    },
  ],
  coupons: [{ name: '高价值老客专属券 50元（满300可用）', ...VIP_COUPON }],
  relies: { events: [ORDER_COMPLETED] },
  graph: (refs) => ({
    trigger: { kind: 'schedule', cron: '0 10 * * *', segmentId: refs.segment('lapsed30') },
    reentry: { mode: 'every', days: 60 },
    start: 'tag',
    steps: [
      { id: 'tag', kind: 'tag', label: '打标签：流失召回中', op: 'add', tagId: refs.tag('winback'), next: 'tier' },
      { id: 'tier', kind: 'branch', label: '高价值客户？', condition: { type: 'segment', segmentId: refs.segment('high_value') }, yes: 'vip_grant', no: 'trial_reach' },
      { id: 'vip_grant', kind: 'grant', label: '发50元专属券', reward: { type: 'coupon', ...VIP_COUPON }, next: 'vip_task' },
      {
        id: 'vip_task',
        kind: 'task',
        label: '顾问1对1回访',
        title: '高价值老客流失召回：1对1回访',
        detail: '该客户30天以上未复购。已发放50元专属券（满300可用，14天有效）。请在48小时内电话或企微1对1回访：询问上次购买的使用感受，按肤质推荐复购单品，并提醒专属券。',
        dueHours: 48,
        next: 'wait_order',
      },
      ...sendByReach(refs, 'trial', 'trial_wecom', 'trial_sms', { marketing: true, next: 'wait_order' }),
      { id: 'wait_order', kind: 'wait_event', label: '14天内复购？', event: ORDER_COMPLETED, timeout: { days: 14 }, next: 'untag', timeoutNext: 'untag' },
      { id: 'untag', kind: 'tag', label: '移除标签：流失召回中', op: 'remove', tagId: refs.tag('winback') },
    ],
    goal: { event: ORDER_COMPLETED, withinDays: 14 },
  }),
};

// ---------------------------------------------------------------------------------------------
// 6. 积分到期3天提醒
// ---------------------------------------------------------------------------------------------

const pointsExpiry: Playbook = {
  key: 'points_expiry_reminder',
  name: '积分到期3天提醒',
  description: '会员积分到期前3天的中午提醒客户尽快兑换（企微好友走1对1，其余走短信），积分为0的不打扰。',
  triggerSummary: '会员属性 points_expire_at 前3天 12:00',
  messages: [
    {
      key: 'expiry_wecom',
      name: '积分到期提醒·企微',
      channel: 'wecom_1v1',
      description: '积分清零提醒',
      body: '{{customer.name}}，提醒一下：你的{{customer.points}}积分将在3天后清零～ 现在去小程序积分商城，可以兑换面霜小样或无门槛券，别浪费啦！',
    },
    {
      key: 'expiry_sms',
      name: '积分到期提醒·短信',
      channel: 'sms',
      description: '积分清零提醒',
      body: '{{customer.name}}，您的{{customer.points}}积分将在3天后清零，请尽快登录花漾美妆小程序积分商城兑换好礼。',
    },
  ],
  tags: [],
  segments: [],
  coupons: [],
  relies: { traits: ['points', 'points_expire_at'] },
  graph: (refs) => ({
    trigger: { kind: 'date', trait: 'points_expire_at', offsetDays: -3, at: '12:00', yearly: false },
    reentry: { mode: 'every', days: 30 },
    start: 'has_points',
    steps: [
      { id: 'has_points', kind: 'branch', label: '有积分？', condition: { type: 'trait', trait: 'points', op: 'gt', value: 0 }, yes: 'expiry_reach', no: 'no_points' },
      { id: 'no_points', kind: 'exit', label: '积分为0' },
      ...sendByReach(refs, 'expiry', 'expiry_wecom', 'expiry_sms', { marketing: false }),
    ],
  }),
};

// ---------------------------------------------------------------------------------------------
// 7. 生日特权
// ---------------------------------------------------------------------------------------------

const BIRTHDAY_COUPON = { couponKey: 'birthday_50', amountFen: 5000, thresholdFen: 19900, validDays: 30 } as const;

const birthday: Playbook = {
  key: 'birthday_perks',
  name: '生日特权',
  description: '会员生日当天早上8点送上祝福和50元生日礼券（满199可用，30天有效）；30天内下单算转化。每年一次。',
  triggerSummary: '会员属性 birthday 当天 08:00（每年）',
  messages: [
    {
      key: 'birthday_wecom',
      name: '生日特权·企微',
      channel: 'wecom_1v1',
      description: '生日祝福与生日券',
      body: '{{customer.name}}，生日快乐🎂！花漾给你准备了{{grant.coupon.amount}}元生日礼券（满199可用），已放进你的账户，{{grant.coupon.expires}}前有效。愿你新的一岁，越来越美！——{{staff.name}}',
    },
    {
      key: 'birthday_sms',
      name: '生日特权·短信',
      channel: 'sms',
      description: '生日祝福与生日券',
      body: '{{customer.name}}，生日快乐！花漾美妆送您{{grant.coupon.amount}}元生日礼券（满199可用），{{grant.coupon.expires}}前有效，小程序下单自动抵扣。',
    },
  ],
  tags: [],
  segments: [],
  coupons: [{ name: '生日礼券 50元（满199可用）', ...BIRTHDAY_COUPON }],
  relies: { traits: ['birthday'] },
  graph: (refs) => ({
    trigger: { kind: 'date', trait: 'birthday', offsetDays: 0, at: '08:00', yearly: true },
    reentry: { mode: 'every', days: 300 },
    start: 'grant',
    steps: [
      { id: 'grant', kind: 'grant', label: '发生日礼券', reward: { type: 'coupon', ...BIRTHDAY_COUPON }, next: 'birthday_reach' },
      ...sendByReach(refs, 'birthday', 'birthday_wecom', 'birthday_sms', { marketing: false }),
    ],
    goal: { event: ORDER_COMPLETED, withinDays: 30 },
  }),
};

// ---------------------------------------------------------------------------------------------
// 8. 会员升级祝贺
// ---------------------------------------------------------------------------------------------

const tierUpgrade: Playbook = {
  key: 'tier_upgrade_congrats',
  name: '会员升级祝贺',
  description: '客户升级为高价值客户（LTV分层变为“高价值”，即累计3单以上）时，送200积分升级礼并发祝贺消息，打上“VIP客户”标签，方便邀请进VIP群。',
  triggerSummary: 'LTV分层变化（LTV Tier Changed）到“高价值客户”',
  messages: [
    {
      key: 'congrats_wecom',
      name: '会员升级祝贺·企微',
      channel: 'wecom_1v1',
      description: '升级祝贺与积分礼',
      body: '恭喜{{customer.name}}升级为花漾VIP会员🎉 {{grant.points}}积分升级礼已到账！VIP专享：新品抢先试、专属护肤方案、线下沙龙优先报名。有需要随时找我～——{{staff.name}}',
    },
    {
      key: 'congrats_sms',
      name: '会员升级祝贺·短信',
      channel: 'sms',
      description: '升级祝贺与积分礼',
      body: '恭喜{{customer.name}}升级为花漾VIP会员，{{grant.points}}积分升级礼已到账，新品抢先试等VIP权益请在小程序查看。',
    },
  ],
  tags: [{ key: 'vip', group: BEHAVIOUR_GROUP, name: 'VIP客户' }],
  segments: [],
  coupons: [],
  relies: { events: ['LTV Tier Changed'] },
  graph: (refs) => ({
    trigger: { kind: 'event', event: 'LTV Tier Changed', where: [{ property: 'to', op: 'eq', value: 'high_value' }] },
    reentry: { mode: 'every', days: 90 },
    start: 'tag',
    steps: [
      { id: 'tag', kind: 'tag', label: '打标签：VIP客户', op: 'add', tagId: refs.tag('vip'), next: 'points' },
      { id: 'points', kind: 'grant', label: '送200积分', reward: { type: 'points', points: 200, reason: '会员升级礼' }, next: 'congrats_reach' },
      ...sendByReach(refs, 'congrats', 'congrats_wecom', 'congrats_sms', { marketing: false }),
    ],
  }),
};

/** The eight templates, in gallery order. */
export const PLAYBOOKS: readonly Playbook[] = [newCustomer7d, firstOrderGroupInvite, silent3d, browseNoBuyCoupon, winback30d, pointsExpiry, birthday, tierUpgrade];

export function findPlaybook(key: string): Playbook | undefined {
  return PLAYBOOKS.find((p) => p.key === key);
}

