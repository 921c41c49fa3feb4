// Who the customers are: names, phones, birthdays, cities, skin types and WeChat/WeCom ids.
import { type Rng, feistel, hash32, weighted } from './random.js';

// Surnames weighted by their approximate share of the population (王李张刘陈 ≈ 30%).
const SURNAMES = weighted<string>([
  ['王', 71], ['李', 70], ['张', 68], ['刘', 54], ['陈', 46], ['杨', 31], ['黄', 23], ['赵', 22],
  ['吴', 20], ['周', 19], ['徐', 15], ['孙', 15], ['马', 14], ['朱', 13], ['胡', 13], ['郭', 12],
  ['何', 11], ['林', 11], ['高', 11], ['罗', 10], ['郑', 10], ['梁', 9], ['谢', 8], ['宋', 7],
  ['唐', 7], ['许', 7], ['韩', 6], ['冯', 6], ['邓', 6], ['曹', 6], ['彭', 6], ['曾', 5],
  ['肖', 5], ['田', 5], ['董', 5], ['袁', 4], ['潘', 4], ['于', 4], ['蒋', 4], ['蔡', 4],
  ['余', 4], ['杜', 4], ['叶', 4], ['程', 4], ['苏', 3], ['魏', 3], ['吕', 3], ['丁', 3],
  ['任', 3], ['沈', 3], ['姚', 3], ['卢', 3], ['姜', 3], ['崔', 3], ['钟', 3], ['谭', 3],
  ['陆', 3], ['汪', 3], ['范', 3], ['金', 3], ['石', 3], ['廖', 3], ['贾', 3], ['夏', 2],
  ['韦', 2], ['方', 2], ['白', 2], ['邹', 2], ['孟', 2], ['熊', 2], ['秦', 2], ['邱', 2],
  ['江', 2], ['尹', 2], ['薛', 2], ['段', 2], ['雷', 2], ['侯', 2], ['龙', 2], ['史', 2],
  ['陶', 2], ['黎', 2], ['贺', 2], ['顾', 2], ['毛', 2], ['郝', 2], ['龚', 2], ['邵', 2],
  ['欧阳', 1], ['上官', 0.3],
]);

// Given-name characters common for women and men born 1975–2006 (the brand's buyers).
const FEMALE_CHARS = '婷雅欣怡静丽敏娜霞燕玲芳颖琳佳雪晶倩萍慧梦思涵悦可诗雨嘉蕾瑶妍璐晓月露莉婧琪媛菲蓉馨茜洁薇岚彤萱';
const MALE_CHARS = '伟强磊洋勇军杰涛斌浩鹏宇俊超辉明刚健飞鑫凯波博文华峰晨阳泽轩瑞昊然';

// Beauty buyers skew to tier-1 and new tier-1 cities.
export const CITIES = weighted<string>([
  ['上海', 12], ['北京', 10], ['广州', 8], ['深圳', 8], ['杭州', 7], ['成都', 7], ['重庆', 5],
  ['武汉', 5], ['南京', 5], ['西安', 4], ['苏州', 4], ['长沙', 4], ['天津', 3], ['郑州', 3],
  ['东莞', 2], ['青岛', 2], ['沈阳', 2], ['宁波', 2], ['昆明', 2], ['合肥', 2], ['佛山', 2],
  ['福州', 2], ['厦门', 2], ['济南', 2], ['无锡', 1.5], ['大连', 1.5], ['哈尔滨', 1.5],
  ['南昌', 1], ['石家庄', 1], ['南宁', 1], ['贵阳', 1], ['温州', 1], ['长春', 1], ['泉州', 1],
]);

export const SKIN_TYPES = weighted<string>([
  ['混合', 35],
  ['油皮', 30],
  ['干皮', 20],
  ['敏感', 15],
]);

// Consumer mobile prefixes (移动 / 联通 / 电信 / 广电) in the 13x/15x/17x/18x/19x ranges; the
// older 13x/15x/18x ranges hold most subscribers.
const PHONE_PREFIXES = weighted<string>(
  [
    '134', '135', '136', '137', '138', '139', '150', '151', '152', '157', '158', '159', '172',
    '178', '182', '183', '184', '187', '188', '198', '130', '131', '132', '155', '156', '175',
    '176', '185', '186', '133', '153', '173', '177', '180', '181', '189', '191', '193', '199',
    '192',
  ].map((p) => [p, p.startsWith('17') || p.startsWith('19') ? 1 : 3] as const),
);

// Ages of beauty buyers: most between 22 and 35.
const AGES = weighted<[number, number]>([
  [[18, 22], 18],
  [[23, 27], 30],
  [[28, 32], 25],
  [[33, 38], 17],
  [[39, 50], 10],
]);

const BASE64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

export function chineseName(rng: Rng, gender: 'female' | 'male'): string {
  const chars = gender === 'female' ? FEMALE_CHARS : MALE_CHARS;
  const given = rng.chance(0.78) ? rng.pick(chars) + rng.pick(chars) : rng.pick(chars);
  return rng.choose(SURNAMES) + given;
}

/**
 * +86 mobile: a realistic prefix and an 8-digit suffix that is a keyed bijection of the customer
 * index, so phones are unique for up to 10^8 customers without any lookup table.
 */
export function phoneFor(rng: Rng, seed: number, index: number): string {
  const suffix = feistel(index, 4, hash32(seed, 0x9add));
  return '+86' + rng.choose(PHONE_PREFIXES) + String(suffix).padStart(8, '0');
}

/** Member id 'M' + 10 digits, unique per index (keyed bijection). */
export function memberIdFor(seed: number, index: number): string {
  return 'M' + String(feistel(index, 5, hash32(seed, 0x3e3b))).padStart(10, '0');
}

export function birthdayFor(rng: Rng, now: number): string {
  const [minAge, maxAge] = rng.choose(AGES);
  const year = new Date(now).getUTCFullYear() - rng.intBetween(minAge, maxAge);
  const month = rng.int(12);
  const days = new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
  const day = rng.intBetween(1, days);
  return `${year}-${String(month + 1).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

/** Openids are 28 chars starting with 'o', one per (person, app id). */
export function openid(rng: Rng): string {
  return 'o' + rng.chars(BASE64URL, 27);
}

export function unionid(rng: Rng): string {
  return 'o' + rng.chars(BASE64URL, 28);
}

/** WeCom external contact ids are 32 chars starting with 'wm'. */
export function externalUserid(rng: Rng): string {
  return 'wm' + rng.chars(BASE64URL, 30);
}
