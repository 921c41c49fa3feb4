import type { FieldError } from '../core/index.js';
import type { FieldMapping, ImportKind } from './schema.js';

/**
 * The Siyu fields a file column can feed, per import kind, with the header names (English and
 * Chinese, as brands' exports spell them) that suggest each one.
 */
export type FieldGroup = 'identifier' | 'field' | 'custom';

interface FieldSpec {
  name: string;
  group: FieldGroup;
  aliases: string[];
}

/** Identifier fields are identity types of OneID (plus the app id that scopes openids). */
export const IDENTIFIER_FIELDS = ['user_id', 'wechat_unionid', 'phone', 'email', 'wecom_external_userid', 'wechat_openid', 'taobao_buyer', 'douyin_openid', 'anonymous_id'] as const;

const identifiers: FieldSpec[] = [
  { name: 'user_id', group: 'identifier', aliases: ['user_id', 'userid', 'member_id', 'memberid', 'member_no', 'member', 'customer_id', 'uid', '会员id', '会员编号', '会员号', '会员卡号', '用户id', '客户id', '客户编号'] },
  { name: 'anonymous_id', group: 'identifier', aliases: ['anonymous_id', 'anonymousid', 'anon_id', 'device_id', 'cookie_id', '设备id', '匿名id'] },
  { name: 'phone', group: 'identifier', aliases: ['phone', 'mobile', 'phone_number', 'mobile_phone', 'cellphone', 'tel', 'telephone', '手机', '手机号', '手机号码', '电话', '联系电话', '联系方式', '收货人手机', '收货人电话'] },
  { name: 'email', group: 'identifier', aliases: ['email', 'e-mail', 'mail', 'email_address', '邮箱', '电子邮箱', '邮件', '邮箱地址'] },
  { name: 'wechat_unionid', group: 'identifier', aliases: ['unionid', 'union_id', 'wechat_unionid', 'wx_unionid', '微信unionid'] },
  { name: 'wechat_openid', group: 'identifier', aliases: ['openid', 'open_id', 'wechat_openid', 'wx_openid', '微信openid', '公众号openid', '小程序openid'] },
  { name: 'wechat_appid', group: 'identifier', aliases: ['appid', 'app_id', 'wechat_appid', 'wx_appid', '公众号appid', '小程序appid'] },
  { name: 'wecom_external_userid', group: 'identifier', aliases: ['external_userid', 'externaluserid', 'wecom_external_userid', '外部联系人id', '企微外部联系人id', '企业微信外部联系人id'] },
  { name: 'taobao_buyer', group: 'identifier', aliases: ['taobao_buyer', 'buyer_nick', 'buyer_id', '买家id', '买家会员名', '买家昵称', '淘宝id', '旺旺', '旺旺号'] },
  { name: 'douyin_openid', group: 'identifier', aliases: ['douyin_openid', 'douyin_id', '抖音id', '抖音openid', '抖音号'] },
];

const customerFields: FieldSpec[] = [
  { name: 'name', group: 'field', aliases: ['name', 'full_name', 'customer_name', 'member_name', '姓名', '名字', '客户姓名', '会员姓名', '客户名称'] },
  { name: 'gender', group: 'field', aliases: ['gender', 'sex', '性别'] },
  { name: 'birthday', group: 'field', aliases: ['birthday', 'birth_date', 'birthdate', 'date_of_birth', 'dob', '生日', '出生日期'] },
  { name: 'city', group: 'field', aliases: ['city', '城市', '所在城市', '所在地'] },
  { name: 'address', group: 'field', aliases: ['address', '地址', '详细地址', '收货地址', '联系地址'] },
  { name: 'channel', group: 'field', aliases: ['channel', 'source', 'utm_source', '渠道', '来源', '来源渠道', '注册渠道'] },
  { name: 'created_at', group: 'field', aliases: ['created_at', 'createdat', 'registered_at', 'register_time', 'signup_at', 'join_date', '注册时间', '注册日期', '入会时间', '入会日期', '创建时间'] },
];

const orderFields: FieldSpec[] = [
  { name: 'order_id', group: 'field', aliases: ['order_id', 'orderid', 'order_no', 'order_number', 'order', '订单号', '订单编号', '订单id', '主订单编号', '订单号码'] },
  { name: 'ordered_at', group: 'field', aliases: ['ordered_at', 'order_time', 'order_date', 'created_at', 'paid_at', 'pay_time', 'payment_time', '下单时间', '订单时间', '订单创建时间', '创建时间', '付款时间', '支付时间', '成交时间'] },
  { name: 'total', group: 'field', aliases: ['total', 'amount', 'total_amount', 'revenue', 'paid', 'paid_amount', 'payment', 'order_amount', '金额', '订单金额', '实付金额', '实付款', '支付金额', '付款金额', '实收金额', '总金额', '买家实付金额', '订单总额'] },
  { name: 'total_fen', group: 'field', aliases: ['total_fen', 'amount_fen', 'total_cents', '金额(分)', '实付金额(分)', '订单金额(分)'] },
  { name: 'discount', group: 'field', aliases: ['discount', 'discount_amount', '优惠', '优惠金额', '折扣金额', '优惠券金额'] },
  { name: 'status', group: 'field', aliases: ['status', 'order_status', 'state', '状态', '订单状态', '交易状态'] },
  { name: 'refund', group: 'field', aliases: ['refund', 'refund_amount', 'refunded', 'refunded_amount', '退款', '退款金额', '已退款金额'] },
  { name: 'refund_fen', group: 'field', aliases: ['refund_fen', 'refund_cents', '退款金额(分)'] },
  { name: 'refunded_at', group: 'field', aliases: ['refunded_at', 'refund_time', 'refund_date', '退款时间', '退款日期'] },
  { name: 'currency', group: 'field', aliases: ['currency', '币种', '货币'] },
  { name: 'channel', group: 'field', aliases: ['channel', 'source', 'store', 'platform', '渠道', '来源', '店铺', '平台', '销售渠道'] },
  { name: 'staff_userid', group: 'field', aliases: ['staff_userid', 'staff', 'staff_id', 'seller', 'guide', '导购', '导购id', '员工id', '归属导购', '销售员'] },
  { name: 'products', group: 'field', aliases: ['products', 'items', 'line_items', '商品明细', '商品列表'] },
  { name: 'sku', group: 'field', aliases: ['sku', 'sku_id', 'product_id', 'item_id', 'product_code', '商品编码', '商品id', '商家编码', 'sku编码', '货号'] },
  { name: 'product_name', group: 'field', aliases: ['product_name', 'item_name', 'product', 'title', '商品名称', '商品', '宝贝标题', '商品标题', '品名'] },
  { name: 'category', group: 'field', aliases: ['category', 'product_category', '类目', '品类', '商品分类', '商品类目'] },
  { name: 'quantity', group: 'field', aliases: ['quantity', 'qty', 'count', 'units', '数量', '购买数量', '件数', '商品数量'] },
  { name: 'price', group: 'field', aliases: ['price', 'unit_price', '单价', '价格', '商品单价', '商品价格'] },
  { name: 'price_fen', group: 'field', aliases: ['price_fen', 'unit_price_fen', '单价(分)'] },
];

const eventFields: FieldSpec[] = [
  { name: 'event', group: 'field', aliases: ['event', 'event_name', 'action', 'name', '事件', '事件名', '事件名称', '行为', '行为名称'] },
  { name: 'timestamp', group: 'field', aliases: ['timestamp', 'time', 'event_time', 'occurred_at', 'created_at', 'datetime', '时间', '发生时间', '事件时间', '行为时间'] },
  { name: 'message_id', group: 'field', aliases: ['message_id', 'messageid', 'event_id', 'eventid', '事件id'] },
  { name: 'channel', group: 'field', aliases: ['channel', 'source', 'utm_source', '渠道', '来源'] },
  { name: 'properties', group: 'field', aliases: ['properties', 'props', '属性'] },
];

/** Customers may also take a whole `traits` object (JSONL). */
const traitsObject: FieldSpec = { name: 'traits', group: 'field', aliases: ['traits'] };

export const FIELDS: Record<ImportKind, FieldSpec[]> = {
  customers: [...identifiers, ...customerFields, traitsObject],
  orders: [...identifiers, ...orderFields],
  events: [...identifiers, ...eventFields],
};

/** Free-form fields: `traits.<key>` for customers, `properties.<key>` for events. */
const CUSTOM_PREFIX: Partial<Record<ImportKind, string>> = { customers: 'traits.', events: 'properties.' };

/** Fields that carry personal data: their values never appear in error reports. */
export const PERSONAL_FIELDS = new Set<string>([...IDENTIFIER_FIELDS, 'name', 'address', 'birthday']);

/** A trait or property key: no dots (they would read as paths) and no control characters. */
const CUSTOM_KEY = /^[^.\p{Cc}]{1,100}$/u;

/** Segment envelope keys of JSONL exports: never suggested as traits or properties. */
const ENVELOPE_KEYS = new Set(['type', 'context', 'integrations', 'sentat', 'receivedat', 'originaltimestamp', 'writekey', 'version', 'metadata', 'channel', 'projectid']);

/**
 * Header names compared loosely: width, case, spaces and punctuation do not matter; a unit in
 * brackets does only when it is fen (yuan is what amounts are in unless said otherwise).
 */
export function normalizeHeader(header: string): string {
  return header
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[([【]\s*(元|yuan|rmb|cny|¥)\s*[)\]】]/g, '')
    .replace(/[([【]\s*(分|fen|cents)\s*[)\]】]/g, 'fen')
    .replace(/[\s_\-.:/\\()[\]【】#*]/g, '');
}

const aliasIndex = Object.fromEntries(
  Object.entries(FIELDS).map(([kind, specs]) => {
    const index = new Map<string, string>();
    for (const spec of specs) for (const alias of spec.aliases) if (!index.has(normalizeHeader(alias))) index.set(normalizeHeader(alias), spec.name);
    return [kind, index];
  }),
) as Record<ImportKind, Map<string, string>>;

export function fieldList(kind: ImportKind): { name: string; required: boolean; group: FieldGroup }[] {
  const required = new Set(REQUIRED[kind]);
  const fixed = FIELDS[kind].map((f) => ({ name: f.name, required: required.has(f.name), group: f.group }));
  const prefix = CUSTOM_PREFIX[kind];
  return prefix ? [...fixed, { name: `${prefix}*`, required: false, group: 'custom' as const }] : fixed;
}

const REQUIRED: Record<ImportKind, string[]> = { customers: [], orders: ['order_id', 'ordered_at'], events: ['event', 'timestamp'] };

/**
 * A mapping guessed from the header: each column names at most one field and each field is fed
 * by its first matching column. Other customer columns become traits and other event columns
 * properties (the operator can drop them); other order columns are ignored.
 */
export function suggestMapping(kind: ImportKind, columns: readonly string[]): FieldMapping {
  const taken = new Set<string>();
  const mapping: FieldMapping = {};
  for (const column of columns) {
    const field = aliasIndex[kind].get(normalizeHeader(column));
    if (field && !taken.has(field)) {
      taken.add(field);
      mapping[column] = field;
    }
  }
  const prefix = CUSTOM_PREFIX[kind];
  if (prefix) {
    for (const column of columns) {
      const norm = normalizeHeader(column);
      if (mapping[column] || aliasIndex[kind].has(norm) || ENVELOPE_KEYS.has(norm)) continue;
      const key = column.trim().replace(/\./g, '_');
      if (CUSTOM_KEY.test(key) && !taken.has(prefix + key)) {
        taken.add(prefix + key);
        mapping[column] = prefix + key;
      }
    }
  }
  return mapping;
}

/** What a mapped field means: a fixed field, a custom key, or an openid scoped by an app id given inline. */
export type ParsedField = { field: string; custom?: string; appId?: string };

export function parseField(kind: ImportKind, name: string): ParsedField | null {
  const prefix = CUSTOM_PREFIX[kind];
  if (prefix && name.startsWith(prefix)) {
    const key = name.slice(prefix.length);
    return CUSTOM_KEY.test(key) ? { field: name, custom: key } : null;
  }
  const openid = name.match(/^wechat_openid:([A-Za-z0-9_-]{1,100})$/);
  if (openid) return { field: 'wechat_openid', appId: openid[1] };
  return FIELDS[kind].some((f) => f.name === name) ? { field: name } : null;
}

/**
 * Checks a mapping against the kind and the file's columns: every field known and fed once, the
 * required ones present, and no two columns for the same amount. Paths are `mapping.<column>`.
 */
export function checkMapping(kind: ImportKind, mapping: FieldMapping, columns: readonly string[] | null): FieldError[] {
  const errors: FieldError[] = [];
  const fed = new Map<string, string>();
  for (const [column, name] of Object.entries(mapping)) {
    const path = `mapping.${column}`;
    if (columns && !columns.includes(column)) errors.push({ path, message: `the file has no column "${column}" (columns: ${columns.join(', ')})` });
    const parsed = parseField(kind, name);
    if (!parsed) {
      errors.push({ path, message: `"${name}" is not a field of ${kind} imports (fields: ${fieldList(kind).map((f) => f.name).join(', ')})` });
      continue;
    }
    const key = parsed.custom ? name : parsed.field;
    if (fed.has(key)) errors.push({ path, message: `${parsed.field} is already fed by column "${fed.get(key)}"` });
    else fed.set(key, column);
  }
  const has = (f: string) => [...fed.keys()].some((k) => k === f);
  for (const f of REQUIRED[kind]) if (!has(f)) errors.push({ path: 'mapping', message: `map a column to ${f}` });
  if (!IDENTIFIER_FIELDS.some(has)) errors.push({ path: 'mapping', message: `map at least one identifier column (${IDENTIFIER_FIELDS.join(', ')})` });
  const openidWithoutApp = Object.values(mapping).includes('wechat_openid') && !has('wechat_appid');
  if (openidWithoutApp) errors.push({ path: 'mapping', message: 'openids are per app: map an app id column to wechat_appid, or map the openid column to wechat_openid:<appid>' });
  for (const [a, b] of [['total', 'total_fen'], ['refund', 'refund_fen'], ['price', 'price_fen']]) {
    if (has(a) && has(b)) errors.push({ path: 'mapping', message: `map either ${a} (yuan) or ${b} (fen), not both` });
  }
  if (kind === 'orders' && !['total', 'total_fen', 'price', 'price_fen', 'products'].some(has)) {
    errors.push({ path: 'mapping', message: 'map the order amount: total (yuan) or total_fen, or the product prices' });
  }
  return errors;
}
