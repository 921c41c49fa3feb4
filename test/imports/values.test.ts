import { describe, expect, it } from 'vitest';
import { checkMapping, suggestMapping } from '../../src/imports/index.js';
import { Bad, date, gender, loose, orderStatus, time, yuan } from '../../src/imports/values.js';

const reason = (v: unknown) => (v instanceof Bad ? v.reason : v);

describe('cell values', () => {
  it('reads times as exports write them, local ones in the workspace zone', () => {
    const iso = (v: unknown, tz = 'Asia/Shanghai') => {
      const t = time(v, tz);
      return t instanceof Date ? t.toISOString() : reason(t);
    };
    expect(iso('2025-05-01 12:30:00')).toBe('2025-05-01T04:30:00.000Z');
    expect(iso('2025/5/1 12:30')).toBe('2025-05-01T04:30:00.000Z');
    expect(iso('2025年5月1日 12时30分')).toBe('2025-05-01T04:30:00.000Z');
    expect(iso('2025-05-01')).toBe('2025-04-30T16:00:00.000Z');
    expect(iso('2025-05-01T12:30:00.250')).toBe('2025-05-01T04:30:00.250Z');
    expect(iso('2025-05-01T12:30:00Z')).toBe('2025-05-01T12:30:00.000Z');
    expect(iso('2025-05-01T12:30:00+09:00')).toBe('2025-05-01T03:30:00.000Z');
    expect(iso('1746073800')).toBe('2025-05-01T04:30:00.000Z');
    expect(iso(1746073800000)).toBe('2025-05-01T04:30:00.000Z');
    // Wall time in a zone with DST: the offset of that day, not of today.
    expect(iso('2025-07-01 12:00', 'America/New_York')).toBe('2025-07-01T16:00:00.000Z');
    expect(iso('2025-01-01 12:00', 'America/New_York')).toBe('2025-01-01T17:00:00.000Z');
    expect(iso('2025-02-30 10:00')).toBe('is not a valid date');
    expect(iso('2025-05-01 25:00')).toBe('is not a valid date');
    expect(iso('yesterday')).toMatch(/^is not a date and time/);
    expect(iso('')).toBeUndefined();
    expect(iso('NULL')).toBeUndefined();
  });

  it('reads yuan amounts with currency signs and separators, and refuses negative or absurd ones', () => {
    expect(yuan('1,299.00')).toBe(129_900);
    expect(yuan('¥12.5')).toBe(1250);
    expect(yuan('￥ 8')).toBe(800);
    expect(yuan('99元')).toBe(9900);
    expect(yuan(0.1 + 0.2)).toBe(30);
    expect(reason(yuan('-1'))).toBe('must not be negative');
    expect(reason(yuan('1e9'))).toBe('is not an amount');
    expect(reason(yuan('200000000'))).toMatch(/not a plausible amount/);
    expect(reason(yuan({ total: 1 }))).toMatch(/not an object/);
  });

  it('knows order statuses in English and Chinese, and refuses unpaid orders', () => {
    expect(orderStatus('已完成')).toBe('completed');
    expect(orderStatus('TRADE_FINISHED')).toBe('completed');
    expect(orderStatus('交易成功')).toBe('completed');
    expect(orderStatus('Refunded')).toBe('refunded');
    expect(orderStatus('退款成功')).toBe('refunded');
    expect(reason(orderStatus('待付款'))).toMatch(/unpaid or cancelled/);
    expect(reason(orderStatus('lost in space'))).toMatch(/not a known order status/);
    expect(orderStatus('-')).toBeUndefined();
  });

  it('reads genders, birthdays and free-form values', () => {
    expect([gender('女'), gender('M'), gender('1'), gender('未知')]).toEqual(['female', 'male', 'male', undefined]);
    expect(reason(gender('X'))).toMatch(/not a gender/);
    expect(date('1990/5/1')).toBe('1990-05-01');
    expect(reason(date('1990-05-01 10:00'))).toMatch(/not a date/);
    expect([loose('120'), loose('0123'), loose('1.50'), loose('1.5'), loose('true'), loose('金卡'), loose('')]).toEqual([120, '0123', '1.50', 1.5, true, '金卡', undefined]);
  });
});

describe('field mapping', () => {
  it('suggests fields from Chinese and English headers, whatever their width, case and units', () => {
    expect(suggestMapping('orders', ['Order No.', 'Member ID', 'Mobile', 'Order Time', 'Paid Amount', 'Status', 'SKU', 'Qty', '备注'])).toEqual({
      'Order No.': 'order_id',
      'Member ID': 'user_id',
      Mobile: 'phone',
      'Order Time': 'ordered_at',
      'Paid Amount': 'total',
      Status: 'status',
      SKU: 'sku',
      Qty: 'quantity',
    });
    expect(suggestMapping('orders', ['订单编号', '买家会员名', '付款时间', '实付金额（元）', '退款金额(元)', '宝贝标题'])).toEqual({
      订单编号: 'order_id',
      买家会员名: 'taobao_buyer',
      付款时间: 'ordered_at',
      '实付金额（元）': 'total',
      '退款金额(元)': 'refund',
      宝贝标题: 'product_name',
    });
    // The first matching column wins; a second one is left for the operator.
    expect(suggestMapping('customers', ['手机号', '联系电话', 'openid'])).toEqual({ 手机号: 'phone', openid: 'wechat_openid' });
  });

  it('refuses mappings that cannot work, with the column at fault', () => {
    const columns = ['单号', '时间', '金额', '金额分', 'openid'];
    const errors = checkMapping('orders', { 单号: 'order_id', 时间: 'ordered_at', 金额: 'total', 金额分: 'total_fen', openid: 'wechat_openid', 无: 'user_id' }, columns);
    expect(errors.map((e) => e.path)).toEqual(['mapping.无', 'mapping', 'mapping']);
    expect(errors.map((e) => e.message).join('\n')).toMatch(/no column "无"[\s\S]*openids are per app[\s\S]*either total \(yuan\) or total_fen/);
    expect(checkMapping('orders', { 单号: 'order_id', 时间: 'ordered_at', 金额: 'total', openid: 'wechat_openid:wx123' }, columns)).toEqual([]);
    expect(checkMapping('events', { 单号: 'event', 时间: 'timestamp', 金额: 'properties.amount' }, columns)).toEqual([{ path: 'mapping', message: expect.stringMatching(/at least one identifier/) }]);
    expect(checkMapping('customers', { 单号: 'price' }, columns)[0]).toEqual({ path: 'mapping.单号', message: expect.stringMatching(/"price" is not a field of customers imports/) });
  });
});
