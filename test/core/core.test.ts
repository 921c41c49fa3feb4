import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  ConfigError,
  createSecrets,
  formatDateInZone,
  loadConfig,
  maskName,
  maskPhone,
  nameSearchTokens,
  newId,
  normalizePhone,
  pickLocale,
  yuanToFen,
  zonedDayStart,
} from '../../src/core/index.js';

describe('phones', () => {
  it('normalizes Chinese mobiles to E.164 and rejects the rest', () => {
    expect(normalizePhone('138 0013 8000')).toBe('+8613800138000');
    expect(normalizePhone('+86 138-0013-8000')).toBe('+8613800138000');
    expect(normalizePhone('008613800138000')).toBe('+8613800138000');
    expect(normalizePhone('8613800138000')).toBe('+8613800138000');
    expect(normalizePhone('+14155550100')).toBe('+14155550100');
    expect(normalizePhone('12800138000')).toBeNull();
    expect(normalizePhone('+8612345')).toBeNull();
    expect(normalizePhone('hello')).toBeNull();
  });

  it('masks phones and names for roles without PII access', () => {
    expect(maskPhone('+8613800138000')).toBe('138****8000');
    expect(maskName('张三')).toBe('张*');
    expect(maskName('欧阳娜娜')).toBe('欧阳**');
    expect(maskName('Jane')).toBe('J***');
  });
});

describe('secrets', () => {
  const secrets = createSecrets(randomBytes(32));
  it('round-trips ciphertext that never contains the clear text', () => {
    const sealed = secrets.encrypt('+8613800138000');
    expect(sealed).not.toContain('13800138000');
    expect(secrets.decrypt(sealed)).toBe('+8613800138000');
    expect(secrets.encrypt('x')).not.toBe(secrets.encrypt('x'));
  });

  it('never reuses an IV, across refills of the random pool', () => {
    // 1,000 IVs of 12 bytes draw the 4 KiB pool three times over.
    const ivs = Array.from({ length: 1000 }, () => Buffer.from(secrets.encrypt('+8613800138000').slice(3), 'base64').subarray(0, 12).toString('hex'));
    expect(new Set(ivs).size).toBe(1000);
    const ids = Array.from({ length: 1000 }, () => newId());
    expect(new Set(ids).size).toBe(1000);
  });

  it('detects tampering', () => {
    const sealed = secrets.encrypt('张三');
    const raw = Buffer.from(sealed.slice(3), 'base64');
    raw[raw.length - 1] ^= 1;
    expect(() => secrets.decrypt(`v1:${raw.toString('base64')}`)).toThrow();
  });

  it('blind indexes are deterministic per key and kind', () => {
    expect(secrets.blindIndex('phone', 'a')).toBe(secrets.blindIndex('phone', 'a'));
    expect(secrets.blindIndex('phone', 'a')).not.toBe(secrets.blindIndex('email', 'a'));
    expect(createSecrets(randomBytes(32)).blindIndex('phone', 'a')).not.toBe(secrets.blindIndex('phone', 'a'));
  });

  it('name tokens are unigrams and bigrams', () => {
    expect(nameSearchTokens('张小凡').sort()).toEqual(['凡', '小', '小凡', '张', '张小'].sort());
  });
});

describe('time zones', () => {
  it('finds local midnight in Asia/Shanghai', () => {
    expect(zonedDayStart(new Date('2026-06-14T16:30:00Z'), 'Asia/Shanghai').toISOString()).toBe('2026-06-14T16:00:00.000Z');
    expect(zonedDayStart(new Date('2026-06-14T15:59:59Z'), 'Asia/Shanghai').toISOString()).toBe('2026-06-13T16:00:00.000Z');
    expect(formatDateInZone(new Date('2026-06-14T16:30:00Z'), 'Asia/Shanghai')).toBe('2026-06-15');
    expect(zonedDayStart(new Date('2026-03-08T12:00:00Z'), 'America/New_York').toISOString()).toBe('2026-03-08T05:00:00.000Z');
  });
});

describe('config', () => {
  it('defaults and overrides', () => {
    const c = loadConfig({} as NodeJS.ProcessEnv);
    expect(c.port).toBe(3000);
    expect(c.timezone).toBe('Asia/Shanghai');
    expect(loadConfig({ PORT: '8080' } as NodeJS.ProcessEnv).port).toBe(8080);
  });

  it('says in one line what is wrong', () => {
    expect(() => loadConfig({ DATABASE_URL: 'mysql://x' } as NodeJS.ProcessEnv)).toThrow(ConfigError);
    expect(() => loadConfig({ DATABASE_URL: 'mysql://x' } as NodeJS.ProcessEnv)).toThrow(/DATABASE_URL must start with postgres/);
    expect(() => loadConfig({ PORT: 'abc' } as NodeJS.ProcessEnv)).toThrow(/PORT/);
    expect(() => loadConfig({ SIYU_TIMEZONE: 'Mars/Base' } as NodeJS.ProcessEnv)).toThrow(/SIYU_TIMEZONE/);
  });
});

describe('money and locale', () => {
  it('converts yuan to integer fen without float drift', () => {
    expect(yuanToFen(19.99)).toBe(1999);
    expect(yuanToFen('0.1')).toBe(10);
    expect(() => yuanToFen('abc')).toThrow(RangeError);
  });

  it('defaults to zh-CN', () => {
    expect(pickLocale(undefined)).toBe('zh-CN');
    expect(pickLocale('en-US,en;q=0.9')).toBe('en-US');
    expect(pickLocale('zh-CN,zh;q=0.9,en;q=0.8')).toBe('zh-CN');
  });
});
