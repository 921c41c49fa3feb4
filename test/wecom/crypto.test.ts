import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import * as official from '@wecom/crypto';
import { CallbackCryptoError, decrypt, encrypt, isEncodingAesKey, openSigned, seal, signature, withinReplayWindow } from '../../src/wecom/crypto.js';
import { buildXml, parseXml } from '../../src/wecom/xml.js';

// The official sample vector (WeCom's published WXBizMsgCrypt sample code, see shared/WECOM.md).
const sample = {
  token: 'QDG6eK',
  encodingAesKey: 'jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C',
  receiveId: 'wx5823bf96d3bd56c7',
  msgSignature: '5c45ff5e21c57e6ad56bac8758b79b1d9ac89fd3',
  timestamp: '1409659589',
  nonce: '263014780',
  echostr: 'P9nAzCzyDtyTWESHep1vC5X9xho/qYX3Zpb4yKa9SKld1DsH3Iyt3tP3zNdtp+4RPcs8TgAE7OaBO+FZXvnaqQ==',
};

describe('WXBizMsgCrypt', () => {
  it('passes the official URL-verification sample vector', () => {
    expect(signature(sample.token, sample.timestamp, sample.nonce, sample.echostr)).toBe(sample.msgSignature);
    expect(openSigned(sample, sample, sample.echostr)).toBe('1616140317555161061');
    expect(isEncodingAesKey(sample.encodingAesKey)).toBe(true);
  });

  it('agrees with the official @wecom/crypto both ways', () => {
    const message = buildXml({ ToUserName: sample.receiveId, Event: 'change_external_contact', ChangeType: 'add_external_contact', State: '小红书' });
    const random = randomBytes(16);
    const ours = encrypt(sample, message, random);
    expect(ours).toBe(official.encrypt(sample.encodingAesKey, message, sample.receiveId, random));
    expect(official.decrypt(sample.encodingAesKey, ours)).toMatchObject({ message, id: sample.receiveId });
    const theirs = official.encrypt(sample.encodingAesKey, '你好 WeCom', sample.receiveId);
    expect(decrypt(sample, theirs)).toBe('你好 WeCom');
    expect(signature('t', '1', '2', theirs)).toBe(official.getSignature('t', '1', '2', theirs));
  });

  it('pads to 32-byte blocks for every message length', () => {
    for (let n = 0; n < 70; n++) {
      const msg = 'x'.repeat(n);
      expect(decrypt(sample, encrypt(sample, msg))).toBe(msg);
      expect(official.decrypt(sample.encodingAesKey, encrypt(sample, msg)).message).toBe(msg);
    }
  });

  it('refuses a wrong signature, a foreign receive id and garbage, each with its reason', () => {
    const reason = (fn: () => unknown) => {
      try {
        fn();
      } catch (err) {
        return (err as CallbackCryptoError).reason;
      }
      return 'accepted';
    };
    const { encrypted, msgSignature } = seal(sample, 'hello', '1700000000', 'n1');
    expect(openSigned(sample, { msgSignature, timestamp: '1700000000', nonce: 'n1' }, encrypted)).toBe('hello');
    expect(reason(() => openSigned(sample, { msgSignature, timestamp: '1700000001', nonce: 'n1' }, encrypted))).toBe('signature');
    expect(reason(() => openSigned({ ...sample, token: 'other' }, { msgSignature, timestamp: '1700000000', nonce: 'n1' }, encrypted))).toBe('signature');
    expect(reason(() => decrypt({ ...sample, receiveId: 'ww_other' }, encrypted))).toBe('receive_id');
    expect(reason(() => decrypt(sample, 'bm90IGJsb2Nrcw=='))).toBe('malformed');
    expect(reason(() => decrypt(sample, ''))).toBe('malformed');
    const flipped = Buffer.from(encrypted, 'base64');
    flipped[flipped.length - 1] ^= 0xff;
    expect(reason(() => decrypt(sample, flipped.toString('base64')))).not.toBe('accepted');
  });

  it('checks the replay window apart from the crypto', () => {
    const now = new Date('2026-06-15T04:00:00Z');
    const ts = String(now.getTime() / 1000);
    expect(withinReplayWindow(ts, now)).toBe(true);
    expect(withinReplayWindow(String(Number(ts) - 301), now)).toBe(false);
    expect(withinReplayWindow(sample.timestamp, now)).toBe(false);
    expect(withinReplayWindow('abc', now)).toBe(false);
  });
});

describe('WeCom XML', () => {
  it('round-trips fields, CDATA text and Item lists', () => {
    const xml = buildXml({ ChatId: 'wr1', MemChangeCnt: 2, MemChangeList: ['wm1', 'wm2'], Note: 'a<b]]>' });
    expect(parseXml(xml)).toEqual({ ChatId: 'wr1', MemChangeCnt: '2', MemChangeList: { Item: ['wm1', 'wm2'] }, Note: 'a<b]]>' });
    expect(parseXml('not xml')).toBeNull();
    expect(parseXml('<other>1</other>')).toBeNull();
  });
});
