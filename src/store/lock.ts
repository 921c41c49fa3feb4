import fs from 'node:fs';
import path from 'node:path';

/**
 * Embedded stores (PGlite, chDB) belong to one process. The process that opens them holds
 * DATA_DIR/siyu.lock; any other process is told who has them instead of corrupting them.
 */
export interface LockInfo {
  pid: number;
  command: string;
  url?: string;
  startedAt: string;
}

export class DataDirBusyError extends Error {
  constructor(readonly holder: LockInfo) {
    super(
      `the embedded stores in this DATA_DIR are in use by ${holder.command} (pid ${holder.pid}${holder.url ? `, ${holder.url}` : ''}); ` +
        'stop it first, or use the API / console of the running server',
    );
  }
}

export interface DataDirLock {
  update(info: Partial<LockInfo>): void;
  release(): void;
}

export function lockDataDir(dataDir: string, command: string): DataDirLock {
  const file = path.join(dataDir, 'siyu.lock');
  const info: LockInfo = { pid: process.pid, command, startedAt: new Date().toISOString() };
  const write = (flag: 'wx' | 'w') => fs.writeFileSync(file, JSON.stringify(info), { flag });
  try {
    write('wx');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    const holder = readLock(dataDir);
    if (holder && holder.pid !== process.pid && isAlive(holder.pid)) throw new DataDirBusyError(holder);
    write('w'); // stale lock of a process that is gone
  }
  return {
    update(patch) {
      Object.assign(info, patch);
      write('w');
    },
    release() {
      if (readLock(dataDir)?.pid === process.pid) fs.rmSync(file, { force: true });
    },
  };
}

export function readLock(dataDir: string): LockInfo | null {
  try {
    return JSON.parse(fs.readFileSync(path.join(dataDir, 'siyu.lock'), 'utf8')) as LockInfo;
  } catch {
    return null;
  }
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
