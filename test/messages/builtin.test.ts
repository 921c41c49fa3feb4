import { describe, expect, it } from 'vitest';
import { BUILTIN_TEMPLATE_ID, renderContent, type Recipient } from '../../src/messages/index.js';
import { builtinChannel, builtinContent } from '../../src/messages/builtin.js';

const row = (channel: string, vars: Record<string, unknown>) => ({ id: 'm1', workspace_id: 'w', customer_id: 'c1', channel, source_kind: 'journey', source_id: 'j1', run_id: 'r1', step_id: 's1', vars, template_id: BUILTIN_TEMPLATE_ID });
const recipient = (o: Partial<Recipient>): Recipient => ({ customerId: 'c1', values: {}, consent: {}, phone: null, email: null, wecom: null, staffUserid: null, staffName: null, openids: {}, firstSeenAt: new Date(), lastSeenAt: new Date(), channel: null, ...o });
const group = { group: { qr_url: 'https://wework.example.com/qr/g1.png?a=1&b=2', name: '会员群' } };
const view = { customer: { nickname: '小美', name: '王小美', phone: '138', city: '上海', order_count: 2 }, brand: { name: '花漾' }, ...group };

describe('built-in messages', () => {
  it('a group invite goes to WeCom 1v1 with the QR as an image, or by SMS when there is no WeCom relation but a phone', () => {
    expect(builtinChannel(row('wecom_1v1', group), recipient({ wecom: { externalUserid: 'wm1', userid: 'u1' }, phone: '138' }))).toBe('wecom_1v1');
    expect(builtinChannel(row('wecom_1v1', group), recipient({ phone: '138' }))).toBe('sms');
    expect(builtinChannel(row('wecom_1v1', group), recipient({}))).toBe('wecom_1v1');
    const b = builtinContent(row('wecom_1v1', group), 'wecom_1v1', view);
    if ('error' in b) throw new Error(b.error);
    const out = renderContent('wecom_1v1', b.content as never, view);
    expect(out.text).toBe('小美您好！诚邀您加入花漾会员群「会员群」，新品和专属福利第一时间分享给您，扫码或点击加入：https://wework.example.com/qr/g1.png?a=1&b=2');
    expect(out.attachments).toEqual([{ type: 'image', picUrl: 'https://wework.example.com/qr/g1.png?a=1&b=2' }]);
  });

  it('a webhook carries run, step, event and no personal data; without a URL it fails', () => {
    const b = builtinContent(row('webhook', { webhook: { url: 'https://hooks.example.com/x' }, event: { name: 'Order Completed', total: 88 } }), 'webhook', view);
    expect(b).toEqual({
      render: false,
      content: {
        url: 'https://hooks.example.com/x',
        event: 'journey.step',
        data: { journey_id: 'j1', run_id: 'r1', step_id: 's1', customer: { id: 'c1', city: '上海', order_count: 2 }, event: { name: 'Order Completed', total: 88 }, grant: null },
      },
    });
    expect(builtinContent(row('webhook', {}), 'webhook', view)).toEqual({ error: 'built-in webhook message without vars.webhook.url' });
    expect('error' in builtinContent(row('email', group), 'email', view)).toBe(true);
  });
});
