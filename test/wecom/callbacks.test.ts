import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encrypt, seal, signature } from '../../src/wecom/crypto.js';
import { buildXml } from '../../src/wecom/xml.js';
import { connectedBrand } from './setup.js';

let t: Awaited<ReturnType<typeof connectedBrand>>;
beforeAll(async () => {
  t = await connectedBrand('cb-brand');
  await t.connect();
});
afterAll(() => t?.close());

const inbox = async () => (await t.ctx.db.selectFrom('wecom_inbox').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n;
const now = () => String(Math.floor(t.clock.now().getTime() / 1000));
const keys = () => ({ token: t.settings.token, encodingAesKey: t.settings.encodingAesKey, receiveId: t.settings.corpId });
const event = buildXml({ ToUserName: 'x', FromUserName: 'sys', CreateTime: 1781496000, MsgType: 'event', Event: 'change_external_tag', ChangeType: 'create', Id: 'et1', TagType: 'tag' });

function post(query: Record<string, string>, body: string, slug = 'cb-brand') {
  return t.app.inject({ method: 'POST', url: `/wecom/${slug}/callback?${new URLSearchParams(query)}`, headers: { 'content-type': 'text/xml' }, payload: body });
}
const envelope = (encrypted: string) => buildXml({ ToUserName: t.settings.corpId, AgentID: '1000002', Encrypt: encrypted });

describe('callbacks', () => {
  it('verifies the URL by echoing the decrypted echostr, and refuses a bad signature', async () => {
    const echostr = encrypt(keys(), 'echo-123');
    const q = { msg_signature: signature(t.settings.token, now(), 'n1', echostr), timestamp: now(), nonce: 'n1', echostr };
    const ok = await t.app.inject({ url: `/wecom/cb-brand/callback?${new URLSearchParams(q)}` });
    expect([ok.statusCode, ok.body]).toEqual([200, 'echo-123']);
    const bad = await t.app.inject({ url: `/wecom/cb-brand/callback?${new URLSearchParams({ ...q, nonce: 'n2' })}` });
    expect(bad.statusCode).toBe(403);
  });

  it('stores a good event once, however often WeCom retries it', async () => {
    const before = await inbox();
    const { encrypted, msgSignature } = seal(keys(), event, now(), 'n1');
    const first = await post({ msg_signature: msgSignature, timestamp: now(), nonce: 'n1' }, envelope(encrypted));
    expect(first.statusCode).toBe(200);
    expect(first.body).toBe('success');
    // A retry is the same message encrypted again, with a new nonce.
    const again = seal(keys(), event, now(), 'n9');
    expect((await post({ msg_signature: again.msgSignature, timestamp: now(), nonce: 'n9' }, envelope(again.encrypted))).statusCode).toBe(200);
    await t.sim.adminAddTag('活动', '双11');
    const delivery = t.sim.callbacks.deliveries.at(-1)!;
    await t.sim.callbacks.redeliver(delivery);
    await t.settle();
    expect(await inbox()).toBe(before + 2);
    expect(delivery.attempts).toBe(2);
    const tags = await t.ctx.db.selectFrom('wecom_tags').select('name').where('name', '=', '双11').execute();
    expect(tags).toHaveLength(1);
  });

  it('rejects a wrong signature, a replay and malformed requests, changing nothing', async () => {
    const before = await inbox();
    const { encrypted, msgSignature } = seal(keys(), event.replace('et1', 'et2'), now(), 'n1');
    const good = { msg_signature: msgSignature, timestamp: now(), nonce: 'n1' };
    const rejected: [string, number][] = [];
    const attempt = async (what: string, res: Promise<{ statusCode: number }>) => rejected.push([what, (await res).statusCode]);

    await attempt('wrong signature', post({ ...good, msg_signature: 'f'.repeat(40) }, envelope(encrypted)));
    const old = String(Number(now()) - 600);
    const replay = seal(keys(), event, old, 'n1');
    await attempt('replay', post({ msg_signature: replay.msgSignature, timestamp: old, nonce: 'n1' }, envelope(replay.encrypted)));
    await attempt('not xml', post(good, 'hello'));
    await attempt('no Encrypt', post(good, buildXml({ ToUserName: 'x' })));
    await attempt('missing signature', post({ timestamp: now(), nonce: 'n1' }, envelope(encrypted)));
    const garbage = 'AAAA';
    await attempt('garbage ciphertext', post({ msg_signature: signature(t.settings.token, now(), 'n1', garbage), timestamp: now(), nonce: 'n1' }, envelope(garbage)));
    const foreign = seal({ ...keys(), receiveId: 'wwsomeoneelse' }, event, now(), 'n1');
    await attempt('other corp', post({ msg_signature: foreign.msgSignature, timestamp: now(), nonce: 'n1' }, envelope(foreign.encrypted)));
    const notEvent = seal(keys(), '<xml><Hello>1</Hello></xml>', now(), 'n1');
    await attempt('not an event', post({ msg_signature: notEvent.msgSignature, timestamp: now(), nonce: 'n1' }, envelope(notEvent.encrypted)));
    await attempt('unknown workspace', post(good, envelope(encrypted), 'nobody'));

    expect(rejected).toEqual([
      ['wrong signature', 403],
      ['replay', 403],
      ['not xml', 400],
      ['no Encrypt', 400],
      ['missing signature', 400],
      ['garbage ciphertext', 400],
      ['other corp', 403],
      ['not an event', 400],
      ['unknown workspace', 404],
    ]);
    expect(await inbox()).toBe(before);
  });
});

describe('connection test', () => {
  it('names the wrong credential and saves nothing', async () => {
    const put = (patch: Record<string, string>) => t.app.inject({ method: 'PUT', url: '/api/wecom/settings', headers: t.headers, payload: { ...t.settings, ...patch } });
    const wrong = async (patch: Record<string, string>) => {
      const res = await put(patch);
      expect(res.statusCode).toBe(400);
      return res.json().errors.map((e: { path: string }) => e.path);
    };
    expect(await wrong({ contactSecret: 'not-the-contact-secret' })).toEqual(['contactSecret']);
    expect(await wrong({ agentSecret: 'not-the-agent-secret' })).toEqual(['agentSecret']);
    expect(await wrong({ agentId: '999' })).toEqual(['agentId']);
    expect(await wrong({ corpId: 'wwunknown1' })).toEqual(['corpId']);
    expect(await wrong({ apiBaseUrl: 'http://127.0.0.1:9' })).toEqual(['apiBaseUrl']);
    const res = await put({ contactSecret: 'not-the-contact-secret' });
    expect(res.json().detail).toContain('客户联系 secret is wrong');

    const test = await t.app.inject({ method: 'POST', url: '/api/wecom/settings/test', headers: t.headers, payload: { ...t.settings, agentSecret: 'nope-nope-nope' } });
    expect(test.json()).toMatchObject({ ok: false, checks: [{ field: 'contactSecret', ok: true }, { field: 'agentSecret', ok: false }] });

    const view = (await t.app.inject({ url: '/api/wecom/settings', headers: t.headers })).json();
    expect(view).toMatchObject({ connected: true, settings: { corpId: t.settings.corpId, apiBaseUrl: t.settings.apiBaseUrl, callbackPath: '/wecom/cb-brand/callback' } });
    expect(JSON.stringify(view)).not.toContain(t.settings.contactSecret);
    const row = await t.ctx.db.selectFrom('wecom_settings').selectAll().executeTakeFirstOrThrow();
    expect(JSON.stringify(row)).not.toContain(t.settings.contactSecret);
    expect(JSON.stringify(row)).not.toContain(t.settings.encodingAesKey);
  });

  it('keeps stored secrets when they are left out, and rejects a malformed EncodingAESKey', async () => {
    const { contactSecret: _c, agentSecret: _a, token: _t, encodingAesKey: _e, ...rest } = t.settings;
    expect((await t.app.inject({ method: 'PUT', url: '/api/wecom/settings', headers: t.headers, payload: rest })).statusCode).toBe(200);
    const bad = await t.app.inject({ method: 'PUT', url: '/api/wecom/settings', headers: t.headers, payload: { ...rest, encodingAesKey: 'short' } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().errors[0].path).toContain('encodingAesKey');
  });
});
