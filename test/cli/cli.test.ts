import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliEnv, siyu, startServer } from '../support/cli.js';

let inst: Awaited<ReturnType<typeof cliEnv>>;
beforeAll(async () => {
  inst = await cliEnv();
});
afterAll(() => inst?.cleanup());

describe('siyu CLI', () => {
  it('creates a workspace and prints new keys alone on the last line', () => {
    expect(siyu(['workspace', 'create', '--slug', 'acme', '--name', 'Acme'], inst.env).code).toBe(0);
    const api = siyu(['apikey', 'create', '--workspace', 'acme', '--role', 'analyst'], inst.env);
    expect(api.code).toBe(0);
    expect(api.lastLine).toMatch(/^sk_[A-Za-z0-9_-]{20,}$/);
    const write = siyu(['writekey', 'create', '--workspace', 'acme'], inst.env);
    expect(write.lastLine).toMatch(/^wk_[A-Za-z0-9_-]{20,}$/);
    const op = siyu(['operator', 'create', '--email', 'ops@acme.test', '--workspace', 'acme', '--role', 'operator'], inst.env);
    expect(op.code).toBe(0);
    expect(op.lastLine.length).toBeGreaterThanOrEqual(12);
  });

  it('says plainly what is wrong', () => {
    const noWs = siyu(['apikey', 'create', '--workspace', 'nope', '--role', 'viewer'], inst.env);
    expect(noWs.code).toBe(1);
    expect(noWs.stderr.trim()).toBe('siyu: there is no workspace "nope" (create it with: siyu workspace create --slug nope --name …)');
    const badRole = siyu(['apikey', 'create', '--workspace', 'acme', '--role', 'king'], inst.env);
    expect(badRole.code).toBe(1);
    expect(badRole.stderr).toContain('--role must be one of');
    const badUrl = siyu(['migrate'], { ...inst.env, DATABASE_URL: 'mysql://localhost/x' });
    expect(badUrl.code).toBe(1);
    expect(badUrl.stderr.trim().split('\n')).toEqual(['siyu: DATABASE_URL must start with postgres:// or postgresql://']);
    const deadPg = siyu(['migrate'], { ...inst.env, DATABASE_URL: 'postgres://postgres@127.0.0.1:1/none' });
    expect(deadPg.code).toBe(1);
    expect(deadPg.stderr.trim().split('\n')).toHaveLength(1);
    expect(deadPg.stderr).toContain('cannot open the state store at DATABASE_URL');
    const badDir = siyu(['migrate'], { ...inst.env, DATA_DIR: '/dev/null/siyu' });
    expect(badDir.code).toBe(1);
    expect(badDir.stderr.trim()).toBe('siyu: DATA_DIR /dev/null/siyu is not writable: create it or point DATA_DIR at a writable directory');
  });

  it('serves, refuses a second process on the same embedded stores and keeps data across restarts', async () => {
    const fresh = await cliEnv();
    const server = await startServer(['--port', '0'], fresh.env);
    try {
      expect(server.output()).toMatch(/Sign in with admin@siyu\.local \/ \S+/);
      const health = await fetch(`${server.url}/healthz`);
      expect(await health.json()).toEqual({ status: 'ok' });
      // The events store is embedded in both projects, so the lock applies even with DATABASE_URL.
      const second = siyu(['apikey', 'create', '--workspace', 'main', '--role', 'viewer'], fresh.env);
      expect(second.code).toBe(1);
      expect(second.stderr).toMatch(/in use by siyu serve .*pid \d+.*http:\/\/127\.0\.0\.1:\d+/);
      const doctor = siyu(['doctor'], fresh.env);
      expect(doctor.stdout).toContain('answers ok');
    } finally {
      await server.stop();
    }
    // Restarted: the workspace made before is still there, and no second owner is generated.
    const again = await startServer(['--port', '0'], fresh.env);
    try {
      expect(again.output()).not.toContain('Sign in with admin@siyu.local /');
      expect(again.output()).toContain('siyu operator password');
    } finally {
      await again.stop();
    }
    expect(siyu(['apikey', 'create', '--workspace', 'main', '--role', 'viewer'], fresh.env).code).toBe(0);
    await fresh.cleanup();
  });

  it('exits with one clear line when the port is taken', async () => {
    const blocker = net.createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    const port = (blocker.address() as net.AddressInfo).port;
    try {
      const r = siyu(['serve', '--port', String(port)], inst.env);
      expect(r.code).toBe(1);
      expect(r.stderr.trim()).toBe(`siyu: port ${port} on 127.0.0.1 is in use: stop the program using it or set PORT to a free port`);
    } finally {
      blocker.close();
    }
  });
});
