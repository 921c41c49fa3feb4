import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createDatabase, dropDatabase, storeKind } from './stores.js';

const BIN = path.resolve('bin/siyu.js');

/** An isolated installation for CLI tests: its own DATA_DIR and, on the postgres project, its own database. */
export async function cliEnv(): Promise<{ env: NodeJS.ProcessEnv; dataDir: string; cleanup(): Promise<void> }> {
  const suffix = randomBytes(5).toString('hex');
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'siyu-cli-'));
  const env: NodeJS.ProcessEnv = { ...process.env, DATA_DIR: dataDir, LOG_LEVEL: 'warn', HOST: '127.0.0.1' };
  delete env.DATABASE_URL;
  let db: string | undefined;
  if (storeKind === 'postgres') {
    db = `siyu_cli_${suffix}`;
    env.DATABASE_URL = await createDatabase(db);
  }
  return {
    env,
    dataDir,
    async cleanup() {
      fs.rmSync(dataDir, { recursive: true, force: true });
      if (db) await dropDatabase(db);
    },
  };
}

export function siyu(args: string[], env: NodeJS.ProcessEnv) {
  const r = spawnSync(process.execPath, [BIN, ...args], { env, encoding: 'utf8', timeout: 120_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr, lastLine: r.stdout.trimEnd().split('\n').pop() ?? '' };
}

/** Starts `siyu serve` and resolves with its URL once it prints it. */
export function startServer(args: string[], env: NodeJS.ProcessEnv): Promise<{ url: string; output: () => string; proc: ChildProcess; stop(): Promise<void> }> {
  const proc = spawn(process.execPath, [BIN, 'serve', ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  return new Promise((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      out += chunk.toString();
      const m = out.match(/Siyu is running: (http:\/\/\S+)/);
      if (m)
        resolve({
          url: m[1],
          output: () => out,
          proc,
          stop: () =>
            new Promise((done) => {
              proc.once('exit', () => done());
              proc.kill('SIGTERM');
            }),
        });
    };
    proc.stdout!.on('data', onData);
    proc.stderr!.on('data', onData);
    proc.once('exit', (code) => reject(new Error(`siyu serve exited with ${code}: ${out}`)));
  });
}
