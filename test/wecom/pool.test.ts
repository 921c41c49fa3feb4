import { describe, expect, it } from 'vitest';
import { type PoolMember, type PoolState, nextStaff } from '../../src/wecom/pool.js';
import { renderText, unknownVariables, welcomeRequest } from '../../src/wecom/welcome.js';

const member = (userid: string, extra: Partial<PoolMember> = {}): PoolMember => ({ userid, weight: 1, dailyCap: null, hours: null, ...extra });
const state = (extra: Partial<PoolState> = {}): PoolState => ({ last: null, today: {}, total: {}, weekday: 1, minutes: 600, ...extra });

/** Plays n adds through a pool, returning who got each. */
function play(strategy: 'round_robin' | 'weighted' | 'scheduled', pool: PoolMember[], n: number, s = state(), backup: string | null = null): string[] {
  const got: string[] = [];
  for (let i = 0; i < n; i++) {
    const [next] = nextStaff(strategy, pool, backup, s);
    got.push(next);
    s.last = next;
    s.today[next] = (s.today[next] ?? 0) + 1;
    s.total[next] = (s.total[next] ?? 0) + 1;
  }
  return got;
}

describe('staff pool assignment', () => {
  it('takes turns round-robin, skipping members at their daily cap, then the backup', () => {
    expect(play('round_robin', [member('a'), member('b'), member('c')], 5)).toEqual(['a', 'b', 'c', 'a', 'b']);
    expect(play('round_robin', [member('a', { dailyCap: 1 }), member('b', { dailyCap: 2 })], 5, state(), 'z')).toEqual(['a', 'b', 'b', 'z', 'z']);
    expect(nextStaff('round_robin', [member('a', { dailyCap: 1 })], null, state({ today: { a: 1 } }))).toEqual(['a']);
  });

  it('shares adds by weight', () => {
    const got = play('weighted', [member('a', { weight: 3 }), member('b', { weight: 1 })], 8);
    expect(got.filter((u) => u === 'a')).toHaveLength(6);
    expect(got.filter((u) => u === 'b')).toHaveLength(2);
  });

  it('hands adds only to members on duty, overnight shifts included', () => {
    const pool = [
      member('day', { hours: { days: [1, 2, 3, 4, 5], start: '09:00', end: '18:00' } }),
      member('night', { hours: { days: [1, 2, 3, 4, 5, 6, 7], start: '18:00', end: '02:00' } }),
    ];
    expect(play('scheduled', pool, 2, state({ weekday: 1, minutes: 10 * 60 }))).toEqual(['day', 'day']);
    expect(play('scheduled', pool, 2, state({ weekday: 1, minutes: 23 * 60 }))).toEqual(['night', 'night']);
    expect(play('scheduled', pool, 1, state({ weekday: 2, minutes: 60 }))).toEqual(['night']);
    expect(play('scheduled', pool, 1, state({ weekday: 6, minutes: 10 * 60 }), 'backup')).toEqual(['backup']);
    expect(nextStaff('scheduled', pool, null, state({ weekday: 6, minutes: 10 * 60 }))).toEqual(['day', 'night']);
  });
});

describe('welcome messages', () => {
  const vars = { customerName: '王小红', staffName: '周雅婷', channelName: '小红书' };
  it('fills variables and keeps unknown ones visible', () => {
    expect(renderText('{{客户昵称}}你好，我是{{ 员工姓名 }}，欢迎来自{{渠道}}的你 {{staff_name}}', vars)).toBe('王小红你好，我是周雅婷，欢迎来自小红书的你 周雅婷');
    expect(renderText('{{优惠}}', vars)).toBe('{{优惠}}');
    expect(unknownVariables('{{客户昵称}} {{优惠}}')).toEqual(['优惠']);
  });

  it('builds send_welcome_msg with image, link and mini-program attachments', () => {
    const req = welcomeRequest(
      {
        text: '你好',
        attachments: [
          { type: 'image', picUrl: 'https://example.com/a.png' },
          { type: 'link', title: '券', url: 'https://example.com/c' },
          { type: 'miniprogram', title: '商城', appid: 'wx1', page: '/index', picMediaId: 'MEDIA' },
        ],
      },
      vars,
      'CODE',
    );
    expect(req).toEqual({
      welcome_code: 'CODE',
      text: { content: '你好' },
      attachments: [
        { msgtype: 'image', image: { pic_url: 'https://example.com/a.png' } },
        { msgtype: 'link', link: { title: '券', url: 'https://example.com/c' } },
        { msgtype: 'miniprogram', miniprogram: { title: '商城', appid: 'wx1', page: '/index', pic_media_id: 'MEDIA' } },
      ],
    });
    expect(welcomeRequest({ text: '  ', attachments: [] }, vars, 'CODE')).toBeNull();
  });
});
