import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError, createLogger, loadConfig } from '../core/index.js';
import { isAlive, openStores, pingStores, readLock, usesEmbeddedStores } from '../store/index.js';

type Check = { name: string; ok: boolean; detail: string };

/** Checks configuration and both stores and says, in plain words, what is wrong. */
export async function doctor(): Promise<void> {
  const checks: Check[] = [];
  const push = (name: string, ok: boolean, detail: string) => checks.push({ name, ok, detail });
  const [major, minor] = process.versions.node.split('.').map(Number);
  push('Node.js', major > 20 || (major === 20 && minor >= 19), `v${process.versions.node} (needs 20.19 or newer)`);
  let config;
  try {
    config = loadConfig();
    push('configuration', true, `DATA_DIR=${config.dataDir}, PORT=${config.port}`);
  } catch (err) {
    push('configuration', false, (err as Error).message);
  }
  if (config) {
    const lock = readLock(config.dataDir);
    const running = lock && isAlive(lock.pid);
    if (running && usesEmbeddedStores(config)) {
      push('stores', true, `in use by ${lock.command} (pid ${lock.pid}${lock.url ? `, ${lock.url}` : ''}); checking through it`);
      if (lock.url) {
        const res = await fetch(`${lock.url}/healthz`).then((r) => r.status, () => 0);
        push('running server', res === 200, res === 200 ? `${lock.url}/healthz answers ok` : `${lock.url}/healthz does not answer ok`);
      }
    } else {
      try {
        const stores = await openStores(config, { log: createLogger('silent'), command: 'siyu doctor' });
        const ping = await pingStores(stores);
        push('state store', ping.state, config.databaseUrl ? 'PostgreSQL at DATABASE_URL' : `PGlite in ${path.join(config.dataDir, 'state')}`);
        push('events store', ping.events, config.clickhouseUrl ? 'ClickHouse at CLICKHOUSE_URL' : `chDB in ${path.join(config.dataDir, 'events')}`);
        await stores.close();
      } catch (err) {
        push('stores', false, err instanceof ConfigError ? err.message : String((err as Error).message ?? err));
      }
    }
  }
  const consoleBuilt = fs.existsSync(path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../console/dist/index.html'));
  push('console', consoleBuilt, consoleBuilt ? 'built' : 'not built: run npm run build:console');
  for (const c of checks) process.stdout.write(`${c.ok ? 'ok  ' : 'FAIL'}  ${c.name}: ${c.detail}\n`);
  if (checks.some((c) => !c.ok)) process.exit(1);
}

