import fs from 'node:fs';
import { createLogger, type Clock, type Config, ConfigError, fileClock, loadConfig } from '../core/index.js';
import { DataDirBusyError, openStores, type Stores } from '../store/index.js';

/** One line on stderr and exit 1: how every CLI failure a user can fix is reported. */
export function fail(message: string): never {
  process.stderr.write(`siyu: ${message}\n`);
  process.exit(1);
}

export function cliConfig(overrides: Partial<Config> = {}): Config {
  try {
    return loadConfig(process.env, overrides);
  } catch (err) {
    if (err instanceof ConfigError) fail(err.message);
    throw err;
  }
}

/** SIYU_CLOCK_FILE (tests only): the process reads its time from that file, so a test can move it. */
export function cliClock(): Clock | undefined {
  const file = process.env.SIYU_CLOCK_FILE;
  return file ? fileClock(file, (f) => fs.readFileSync(f, 'utf8')) : undefined;
}

/** Opens both stores for a CLI command, turning known failures into one plain sentence. */
export async function openForCli(command: string, config = cliConfig()): Promise<Stores> {
  try {
    return await openStores(config, { log: createLogger(process.env.LOG_LEVEL ?? 'warn'), command, clock: cliClock() });
  } catch (err) {
    if (err instanceof ConfigError || err instanceof DataDirBusyError) fail(err.message);
    throw err;
  }
}

/** Runs `fn` with open stores and always closes them, so the embedded data is flushed. */
export async function withStores<T>(command: string, fn: (stores: Stores) => Promise<T>): Promise<T> {
  const stores = await openForCli(command);
  try {
    return await fn(stores);
  } catch (err) {
    const e = err as { message?: string; issues?: { path: PropertyKey[]; message: string }[]; detail?: string };
    if (e.issues) fail(e.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
    if (err instanceof Error && 'status' in err) fail(e.detail ?? e.message ?? String(err));
    throw err;
  } finally {
    await stores.close();
  }
}
