// The demo brand 花漾美妆: products, WeCom staff, acquisition channels and app ids.
import { Rng, Stream, weighted } from './random.js';
import type { ChannelKey, DemoCatalog, DemoChannel, DemoProduct, DemoStaff, ProductCategory } from './types.js';

export const BRAND_NAME = '花漾美妆';

// Prices follow a mid-range domestic beauty brand: lipsticks 129–329, serums up to 699,
// and trial sizes (小样) as the 9.9 hook that public-domain ads lead with.
const PRODUCTS: readonly DemoProduct[] = [
  { sku: 'HY-LIP-001', name: '花漾丝绒雾面唇膏 #01 正红', category: '口红', priceFen: 12900 },
  { sku: 'HY-LIP-002', name: '花漾丝绒雾面唇膏 #07 枫叶棕', category: '口红', priceFen: 12900 },
  { sku: 'HY-LIP-003', name: '花漾水光镜面唇釉 #03 蜜桃', category: '口红', priceFen: 15900 },
  { sku: 'HY-LIP-004', name: '花漾水光镜面唇釉 #11 莓果', category: '口红', priceFen: 15900 },
  { sku: 'HY-LIP-005', name: '花漾臻彩缎光唇膏 #520 告白红', category: '口红', priceFen: 22900 },
  { sku: 'HY-LIP-006', name: '花漾臻彩缎光唇膏礼盒 三支装', category: '口红', priceFen: 32900 },
  { sku: 'HY-FDN-001', name: '花漾持妆控油粉底液 30ml 象牙白', category: '粉底液', priceFen: 25900 },
  { sku: 'HY-FDN-002', name: '花漾持妆控油粉底液 30ml 自然色', category: '粉底液', priceFen: 25900 },
  { sku: 'HY-FDN-003', name: '花漾水润养肤粉底液 30ml', category: '粉底液', priceFen: 29900 },
  { sku: 'HY-FDN-004', name: '花漾轻透气垫粉底 15g×2', category: '粉底液', priceFen: 23900 },
  { sku: 'HY-CRM-001', name: '花漾积雪草修护面霜 50g', category: '面霜', priceFen: 29900 },
  { sku: 'HY-CRM-002', name: '花漾玻色因紧致面霜 50g', category: '面霜', priceFen: 45900 },
  { sku: 'HY-CRM-003', name: '花漾神经酰胺保湿霜 50g', category: '面霜', priceFen: 26900 },
  { sku: 'HY-CRM-004', name: '花漾晚安修护睡眠面膜霜 80g', category: '面霜', priceFen: 19900 },
  { sku: 'HY-SER-001', name: '花漾烟酰胺亮肤精华 30ml', category: '精华', priceFen: 35900 },
  { sku: 'HY-SER-002', name: '花漾二裂酵母修护精华 50ml', category: '精华', priceFen: 49900 },
  { sku: 'HY-SER-003', name: '花漾A醇抗初老精华 30ml', category: '精华', priceFen: 59900 },
  { sku: 'HY-SER-004', name: '花漾胜肽紧致精华 50ml', category: '精华', priceFen: 69900 },
  { sku: 'HY-SER-005', name: '花漾舒缓敏感肌精华 30ml', category: '精华', priceFen: 32900 },
  { sku: 'HY-TRY-001', name: '花漾明星小样体验装（9.9元尝鲜）', category: '小样', priceFen: 990 },
  { sku: 'HY-TRY-002', name: '花漾修护精华小样 7ml', category: '小样', priceFen: 1990 },
  { sku: 'HY-TRY-003', name: '花漾面霜小样 15g', category: '小样', priceFen: 2490 },
  { sku: 'HY-TRY-004', name: '花漾唇膏迷你装三色', category: '小样', priceFen: 2990 },
];

const STAFF: readonly DemoStaff[] = [
  { userid: 'ZhouYaTing', name: '周雅婷', department: '上海静安嘉里中心店', city: '上海' },
  { userid: 'LiSiQi', name: '李思琪', department: '上海静安嘉里中心店', city: '上海' },
  { userid: 'ChenJing', name: '陈静', department: '杭州湖滨银泰店', city: '杭州' },
  { userid: 'WangXinYi', name: '王欣怡', department: '成都太古里店', city: '成都' },
  { userid: 'ZhaoMengYao', name: '赵梦瑶', department: '北京三里屯店', city: '北京' },
  { userid: 'LiuJiaHui', name: '刘佳慧', department: '私域运营部', city: '上海' },
  { userid: 'HuangShiHan', name: '黄诗涵', department: '私域运营部', city: '上海' },
  { userid: 'LinXiaoYu', name: '林晓雨', department: '私域运营部', city: '上海' },
  { userid: 'XuYuTong', name: '徐雨桐', department: '美妆顾问中心', city: '广州' },
  { userid: 'SunHao', name: '孙浩', department: '美妆顾问中心', city: '广州' },
];

const CHANNELS: readonly DemoChannel[] = [
  { key: 'xiaohongshu', name: '小红书' },
  { key: 'douyin', name: '抖音' },
  { key: 'parcel_card', name: '包裹卡' },
  { key: 'store', name: '门店' },
  { key: 'mp', name: '公众号' },
  { key: 'sms', name: '短信' },
];

/** First-touch mix: content platforms lead, parcel cards and stores follow, owned media trail. */
export const CHANNEL_MIX = weighted<ChannelKey>([
  ['douyin', 28],
  ['xiaohongshu', 24],
  ['parcel_card', 18],
  ['store', 14],
  ['mp', 10],
  ['sms', 6],
]);

export const CHANNEL_NAMES: Record<ChannelKey, string> = Object.fromEntries(
  CHANNELS.map((c) => [c.key, c.name]),
) as Record<ChannelKey, string>;

export const STORE_STAFF = STAFF.filter((s) => s.department.endsWith('店'));
export const ONLINE_STAFF = STAFF.filter((s) => !s.department.endsWith('店'));

export const PRODUCTS_BY_CATEGORY: Record<ProductCategory, readonly DemoProduct[]> = {
  口红: PRODUCTS.filter((p) => p.category === '口红'),
  粉底液: PRODUCTS.filter((p) => p.category === '粉底液'),
  面霜: PRODUCTS.filter((p) => p.category === '面霜'),
  精华: PRODUCTS.filter((p) => p.category === '精华'),
  小样: PRODUCTS.filter((p) => p.category === '小样'),
};

/** The 9.9 trial is the hook most first orders from ads use. */
export const TRIAL_HOOK = PRODUCTS_BY_CATEGORY['小样'][0];

export const FULL_SIZE_CATEGORIES = ['口红', '粉底液', '面霜', '精华'] as const;

function appId(rng: Rng): string {
  return 'wx' + rng.chars('0123456789abcdef', 16);
}

/** App ids depend on the seed (distinct demo workspaces never share openid collections). */
export function demoAppIds(seed: number): { mp: string; miniProgram: string } {
  const rng = new Rng(seed, Stream.catalog);
  return { mp: appId(rng), miniProgram: appId(rng) };
}

export function demoCatalog(seed = 42): DemoCatalog {
  return {
    brand: { name: BRAND_NAME, appIds: demoAppIds(seed) },
    products: PRODUCTS.map((p) => ({ ...p })),
    staff: STAFF.map((s) => ({ ...s })),
    channels: CHANNELS.map((c) => ({ ...c })),
  };
}
