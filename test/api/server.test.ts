import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestApp, testApp } from '../support/app.js';

let t: TestApp;
beforeAll(async () => {
  t = await testApp();
});
afterAll(() => t?.close());

describe('operational endpoints', () => {
  it('reports health when both stores answer', async () => {
    const res = await t.app.inject({ url: '/healthz' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: 'ok' });
    expect((await t.app.inject({ url: '/readyz' })).json().status).toBe('ready');
  });

  it('publishes OpenAPI 3.1 with the module routes, and a docs page', async () => {
    const spec = (await t.app.inject({ url: '/openapi.json' })).json();
    expect(spec.openapi).toBe('3.1.0');
    expect(Object.keys(spec.paths)).toEqual(expect.arrayContaining(['/api/auth/login', '/api/customers', '/api/customers/{id}', '/api/dashboard', '/api/apikeys', '/api/writekeys']));
    expect((await t.app.inject({ url: '/docs' })).statusCode).toBeLessThan(400);
  });

  it('exposes Prometheus metrics including request latency', async () => {
    await t.app.inject({ url: '/healthz' });
    const text = (await t.app.inject({ url: '/metrics' })).body;
    expect(text).toContain('siyu_http_request_duration_seconds_bucket');
    expect(text).toContain('route="/healthz"');
  });

  it('echoes or assigns a request id, also inside problems', async () => {
    const given = await t.app.inject({ url: '/api/customers', headers: { 'x-request-id': 'req-123' } });
    expect(given.headers['x-request-id']).toBe('req-123');
    expect(given.json().requestId).toBe('req-123');
    const assigned = await t.app.inject({ url: '/nope' });
    expect(assigned.statusCode).toBe(404);
    expect(assigned.json()).toMatchObject({ code: 'not_found', requestId: assigned.headers['x-request-id'] });
  });

  it('answers malformed JSON with a 400 problem, not a 500', async () => {
    const res = await t.app.inject({ method: 'POST', url: '/api/auth/login', headers: { 'content-type': 'application/json' }, payload: '{"email": ' });
    expect(res.statusCode).toBe(400);
    expect(res.headers['content-type']).toContain('application/problem+json');
  });
});

describe('console hosting', () => {
  it('serves index.html for client routes and 404 for missing files', async () => {
    const fs = await import('node:fs');
    if (!fs.existsSync('console/dist/index.html')) return; // built in CI before the tests run
    const { buildServer } = await import('../../src/api/index.js');
    const app = await buildServer(t.ctx, { console: true, logger: false });
    try {
      const page = await app.inject({ url: '/customers/abc' });
      expect(page.statusCode).toBe(200);
      expect(page.headers['content-type']).toContain('text/html');
      expect((await app.inject({ url: '/assets/missing-123.js' })).statusCode).toBe(404);
      expect((await app.inject({ url: '/api/nope' })).headers['content-type']).toContain('application/problem+json');
    } finally {
      await app.close();
    }
  });
});
