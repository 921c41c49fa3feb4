import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiKey, bearer, customer, seedCustomers, seedOperator, seedWorkspace, type TestApp, testApp } from '../support/app.js';

let t: TestApp;
let wsA: { id: string; slug: string };
let wsB: { id: string; slug: string };
let owner: Awaited<ReturnType<typeof seedOperator>>;
let bCustomerId: string;

beforeAll(async () => {
  t = await testApp();
  wsA = await seedWorkspace(t.ctx, 'brand-a');
  wsB = await seedWorkspace(t.ctx, 'brand-b');
  owner = await seedOperator(t.ctx, wsA.id, 'owner@a.test', 'owner');
  await seedCustomers(t.ctx, wsA.id, [customer({ name: '张三', phone: '13800138000' })]);
  const [b] = await seedCustomers(t.ctx, wsB.id, [customer({ name: '李四', phone: '13900139000' })]);
  bCustomerId = b.id;
});
afterAll(() => t?.close());

async function login(email: string, password: string) {
  return t.app.inject({ method: 'POST', url: '/api/auth/login', payload: { email, password } });
}

describe('sessions', () => {
  it('signs in with email and password, sets an httpOnly cookie and answers /me', async () => {
    const res = await login('OWNER@a.test', owner.password);
    expect(res.statusCode).toBe(200);
    const cookie = res.cookies.find((c) => c.name === 'siyu_session');
    expect(cookie?.httpOnly).toBe(true);
    expect(res.json().workspace.slug).toBe('brand-a');
    const me = await t.app.inject({ url: '/api/auth/me', cookies: { siyu_session: cookie!.value } });
    expect(me.statusCode).toBe(200);
    expect(me.json()).toMatchObject({ operator: { email: 'owner@a.test' }, workspace: { slug: 'brand-a', role: 'owner' } });
    expect(me.json().permissions).toContain('pii:read');
  });

  it('rejects a wrong password with a localized problem', async () => {
    const zh = await login('owner@a.test', 'wrong password');
    expect(zh.statusCode).toBe(401);
    expect(zh.headers['content-type']).toContain('application/problem+json');
    expect(zh.json()).toMatchObject({ code: 'invalid_credentials', title: '邮箱或密码错误', status: 401 });
    const en = await t.app.inject({ method: 'POST', url: '/api/auth/login', headers: { 'accept-language': 'en-US' }, payload: { email: 'nobody@a.test', password: 'x' } });
    expect(en.json()).toMatchObject({ code: 'invalid_credentials', title: 'Wrong email or password' });
  });

  it('answers an invalid body with 400 and the field path', async () => {
    const res = await t.app.inject({ method: 'POST', url: '/api/auth/login', payload: { email: 'not-an-email', password: '' } });
    expect(res.statusCode).toBe(400);
    const body = res.json();
    expect(body.code).toBe('validation_failed');
    expect(body.errors.map((e: { path: string }) => e.path)).toEqual(expect.arrayContaining(['body.email', 'body.password']));
  });

  it('logs out: the cookie stops working', async () => {
    const cookie = (await login('owner@a.test', owner.password)).cookies.find((c) => c.name === 'siyu_session')!.value;
    expect((await t.app.inject({ method: 'POST', url: '/api/auth/logout', cookies: { siyu_session: cookie } })).statusCode).toBe(204);
    expect((await t.app.inject({ url: '/api/auth/me', cookies: { siyu_session: cookie } })).statusCode).toBe(401);
  });

  it('switches workspace only to one the operator belongs to', async () => {
    const { setMembership } = await import('../../src/auth/index.js');
    const { systemActor } = await import('../../src/audit/index.js');
    await setMembership(t.ctx, wsB.id, owner.id, 'viewer', systemActor);
    const cookie = (await login('owner@a.test', owner.password)).cookies.find((c) => c.name === 'siyu_session')!.value;
    const sw = await t.app.inject({ method: 'POST', url: '/api/auth/switch', cookies: { siyu_session: cookie }, payload: { workspace: 'brand-b' } });
    expect(sw.json()).toMatchObject({ workspace: { slug: 'brand-b', role: 'viewer' } });
    const list = await t.app.inject({ url: '/api/customers', cookies: { siyu_session: cookie } });
    expect(list.json().items.map((c: { id: string }) => c.id)).toEqual([bCustomerId]);
    const bad = await t.app.inject({ method: 'POST', url: '/api/auth/switch', cookies: { siyu_session: cookie }, payload: { workspace: 'nope' } });
    expect(bad.statusCode).toBe(404);
  });
});

describe('API keys, roles and tenant isolation', () => {
  it('requires a caller', async () => {
    const res = await t.app.inject({ url: '/api/customers' });
    expect(res.statusCode).toBe(401);
    expect(res.json().code).toBe('unauthorized');
  });

  it('a key of workspace A never reads or writes workspace B', async () => {
    const keyA = await apiKey(t.ctx, wsA.id, 'admin');
    const list = await t.app.inject({ url: '/api/customers', headers: bearer(keyA) });
    expect(list.statusCode).toBe(200);
    expect(list.json().items).toHaveLength(1);
    expect(list.json().items[0].name).toBe('张三');
    expect((await t.app.inject({ url: `/api/customers/${bCustomerId}`, headers: bearer(keyA) })).statusCode).toBe(404);
    const search = await t.app.inject({ url: '/api/customers?q=13900139000', headers: bearer(keyA) });
    expect(search.json().items).toEqual([]);

    const keyB = await apiKey(t.ctx, wsB.id, 'admin');
    const created = await t.app.inject({ method: 'POST', url: '/api/writekeys', headers: bearer(keyB), payload: { name: 'b web' } });
    expect(created.statusCode).toBe(201);
    const revokeFromA = await t.app.inject({ method: 'DELETE', url: `/api/writekeys/${created.json().id}`, headers: bearer(keyA) });
    expect(revokeFromA.statusCode).toBe(404);
    const keysA = await t.app.inject({ url: '/api/writekeys', headers: bearer(keyA) });
    expect(keysA.json().items.map((k: { id: string }) => k.id)).not.toContain(created.json().id);
  });

  it('enforces permissions per role and masks PII for roles without pii:read', async () => {
    const viewer = await apiKey(t.ctx, wsA.id, 'viewer');
    const denied = await t.app.inject({ method: 'POST', url: '/api/apikeys', headers: bearer(viewer), payload: { name: 'x', role: 'viewer' } });
    expect(denied.statusCode).toBe(403);
    expect(denied.json().code).toBe('forbidden');
    const masked = (await t.app.inject({ url: '/api/customers', headers: bearer(viewer) })).json().items[0];
    expect(masked).toMatchObject({ name: '张*', phone: '138****8000' });
    const sales = await apiKey(t.ctx, wsA.id, 'sales');
    const full = (await t.app.inject({ url: '/api/customers', headers: bearer(sales) })).json().items[0];
    expect(full).toMatchObject({ name: '张三', phone: '+8613800138000' });
  });

  it('an admin cannot mint an owner key; created keys work, are audited and can be revoked', async () => {
    const admin = await apiKey(t.ctx, wsA.id, 'admin');
    const tooStrong = await t.app.inject({ method: 'POST', url: '/api/apikeys', headers: bearer(admin), payload: { name: 'x', role: 'owner' } });
    expect(tooStrong.statusCode).toBe(403);
    const res = await t.app.inject({ method: 'POST', url: '/api/apikeys', headers: bearer(admin), payload: { name: 'crm sync', role: 'analyst' } });
    expect(res.statusCode).toBe(201);
    const { key, id } = res.json();
    expect(key).toMatch(/^sk_/);
    expect((await t.app.inject({ url: '/api/auth/me', headers: bearer(key) })).json().workspace.role).toBe('analyst');
    const audit = await t.app.inject({ url: '/api/audit', headers: bearer(admin) });
    const entry = audit.json().items.find((e: { action: string; entityId: string }) => e.action === 'apikey.create' && e.entityId === id);
    expect(entry).toMatchObject({ actor: { type: 'apikey', name: 'admin key' }, after: { name: 'crm sync', role: 'analyst' } });
    expect(JSON.stringify(audit.json())).not.toContain(key);
    expect((await t.app.inject({ method: 'DELETE', url: `/api/apikeys/${id}`, headers: bearer(admin) })).statusCode).toBe(204);
    expect((await t.app.inject({ url: '/api/auth/me', headers: bearer(key) })).statusCode).toBe(401);
    const bad = await t.app.inject({ method: 'POST', url: '/api/apikeys', headers: bearer(admin), payload: { name: '', role: 'king' } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().errors.map((e: { path: string }) => e.path)).toEqual(expect.arrayContaining(['body.name', 'body.role']));
  });
});
