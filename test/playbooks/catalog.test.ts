import { describe, expect, it } from 'vitest';
import { journeyGraph, structuralErrors, successors } from '../../src/journeys/index.js';
import { rule } from '../../src/segments/index.js';
import { parseContent, sourceVariables } from '../../src/messages/index.js';
import { PLAYBOOKS, placeholderRefs, playbookSummary } from '../../src/playbooks/index.js';

const KEYS = ['new_customer_7d', 'first_order_group_invite', 'silent_3d_wakeup', 'browse_no_buy_coupon', 'winback_30d_tiered', 'points_expiry_reminder', 'birthday_perks', 'tier_upgrade_congrats'];

describe('playbook templates as data', () => {
  it('ships the eight SOPs of the playbook, in gallery order, with zh-CN names', () => {
    expect(PLAYBOOKS.map((p) => p.key)).toEqual(KEYS);
    expect(PLAYBOOKS.map((p) => p.name)).toEqual(['新客7天培育', '首单后入群邀请', '沉默3天唤醒', '浏览未购送20元无门槛券', '30天流失分层召回', '积分到期3天提醒', '生日特权', '会员升级祝贺']);
    for (const p of PLAYBOOKS) {
      expect(p.description).toMatch(/[\u4e00-\u9fff]/);
      expect(p.triggerSummary).toMatch(/[\u4e00-\u9fff]/);
    }
  });

  it.each(PLAYBOOKS.map((p) => [p.key, p] as const))('%s: a valid graph whose references are all declared', (_key, p) => {
    const used = { message: new Set<string>(), tag: new Set<string>(), segment: new Set<string>() };
    const refs = placeholderRefs();
    const graph = journeyGraph.parse(
      p.graph({
        message: (k) => (used.message.add(k), refs.message(k)),
        tag: (k) => (used.tag.add(k), refs.tag(k)),
        segment: (k) => (used.segment.add(k), refs.segment(k)),
        groupCode: refs.groupCode,
      }),
    );
    expect(structuralErrors(graph)).toEqual([]);
    // Every declared item is used, and nothing undeclared is.
    expect([...used.message].sort()).toEqual(p.messages.map((m) => m.key).sort());
    expect([...used.tag].sort()).toEqual(p.tags.map((t) => t.key).sort());
    expect([...used.segment].sort()).toEqual(p.segments.map((s) => s.key).sort());
    // Unique names, valid content for the channel, segment rules that parse.
    expect(new Set(p.messages.map((m) => m.name)).size).toBe(p.messages.length);
    for (const m of p.messages) {
      const content = m.channel === 'sms' ? { text: m.body } : { text: m.body, attachments: [] };
      expect(parseContent(m.channel, content).ok).toBe(true);
      for (const v of sourceVariables(m.body)) expect(v).toMatch(/^(customer|event|grant|staff|brand|group)\./);
    }
    for (const s of p.segments) expect(rule.safeParse(s.rule).success).toBe(true);
    // Coupons granted are the ones the gallery lists.
    const grants = graph.steps.flatMap((s) => (s.kind === 'grant' && s.reward.type === 'coupon' ? [s.reward] : []));
    expect(grants.map((g) => ({ couponKey: g.couponKey, amountFen: g.amountFen, thresholdFen: g.thresholdFen, validDays: g.validDays }))).toEqual(
      p.coupons.map((c) => ({ couponKey: c.couponKey, amountFen: c.amountFen, thresholdFen: c.thresholdFen, validDays: c.validDays })),
    );
    // A branch on reachability sends SMS on its "no" arm or ends: never WeCom to a non-contact.
    for (const s of graph.steps) {
      if (s.kind === 'branch' && s.condition.type === 'reachable') {
        const no = graph.steps.find((x) => x.id === s.no)!;
        expect(no.kind === 'exit' || (no.kind === 'send' && no.channel === 'sms')).toBe(true);
      }
    }
  });

  it('follows the SOP numbers: 7-day plan on days 0/1/3/5/7 in golden windows, 20元 no-threshold coupon after 24h, 3 days before points expire', () => {
    const refs = placeholderRefs();
    const nurture = journeyGraph.parse(PLAYBOOKS[0].graph(refs));
    expect(nurture.trigger.kind).toBe('contact_added');
    expect(nurture.goal).toEqual({ event: 'Order Completed', withinDays: 8 });
    const waits = nurture.steps.filter((s) => s.kind === 'wait').map((s) => (s.kind === 'wait' ? s.duration.days : 0));
    expect(waits).toEqual([1, 2, 2, 2]);
    // every send comes right after a wait for the golden window
    for (const s of nurture.steps) {
      if (s.kind !== 'send') continue;
      const before = nurture.steps.find((x) => successors(x).includes(s.id))!;
      expect(before.kind).toBe('wait_golden');
      expect(s.golden).toBe(true);
    }
    const browse = journeyGraph.parse(PLAYBOOKS[3].graph(refs));
    expect(browse.trigger).toEqual({ kind: 'event', event: 'Product Viewed', where: [{ property: 'category', op: 'eq', value: '面霜' }] });
    expect(browse.reentry).toEqual({ mode: 'once' });
    expect(browse.steps[0]).toMatchObject({ kind: 'wait_event', event: 'Order Completed', timeout: { hours: 24 } });
    expect(browse.steps.find((s) => s.kind === 'grant')).toMatchObject({ reward: { type: 'coupon', amountFen: 2000, thresholdFen: 0 } });
    expect(journeyGraph.parse(PLAYBOOKS[5].graph(refs)).trigger).toMatchObject({ kind: 'date', trait: 'points_expire_at', offsetDays: -3 });
    expect(journeyGraph.parse(PLAYBOOKS[6].graph(refs)).trigger).toMatchObject({ kind: 'date', trait: 'birthday', offsetDays: 0, yearly: true });
  });

  it('summarizes each template for the gallery: trigger, steps, what it creates', () => {
    const list = PLAYBOOKS.map(playbookSummary);
    expect(list).toHaveLength(8);
    const browse = list.find((p) => p.key === 'browse_no_buy_coupon')!;
    expect([browse.triggerKind, browse.triggerSummary]).toEqual(['event', '浏览商品（Product Viewed），品类为面霜']);
    expect(browse.requires).toEqual(['events']);
    expect(browse.creates.coupons).toEqual([{ couponKey: 'browse_no_buy_20', name: '20元无门槛券', amountFen: 2000, thresholdFen: 0, validDays: 7 }]);
    expect(browse.creates.messageTemplates.map((m) => m.channel)).toEqual(['wecom_1v1', 'sms']);
    expect(list.find((p) => p.key === 'first_order_group_invite')!.requires).toEqual(['wecom', 'groupCode', 'events']);
    expect(list.find((p) => p.key === 'winback_30d_tiered')!.creates.segments.map((s) => s.name)).toEqual(['30天未购买', '高价值客户（LTV/RFM）']);
  });
});
