import { z } from 'zod';
import os from 'node:os';
import path from 'node:path';

/** Every setting comes from the environment, validated once at start. */
const envSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().min(1).default('127.0.0.1'),
  DATA_DIR: z.string().min(1).default('./data'),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must start with postgres:// or postgresql://')
    .optional(),
  CLICKHOUSE_URL: z.string().url('must be a URL such as http://127.0.0.1:8123').optional(),
  CLICKHOUSE_DATABASE: z
    .string()
    .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be a plain identifier')
    .default('siyu'),
  SIYU_SECRET_KEY: z
    .string()
    .regex(/^[A-Za-z0-9+/=_-]{43,}$/, 'must be 32 random bytes, base64 encoded (openssl rand -base64 32)')
    .optional(),
  SIYU_ADMIN_EMAIL: z.string().email().optional(),
  SIYU_ADMIN_PASSWORD: z.string().min(8, 'must have at least 8 characters').optional(),
  SIYU_TIMEZONE: z.string().default('Asia/Shanghai'),
  PUBLIC_URL: z.string().url().optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  RATE_LIMIT_PER_MINUTE: z.coerce.number().int().positive().default(1200),
  INGEST_BACKLOG_MAX: z.coerce.number().int().positive().default(200_000),
  INGEST_WINDOW_IDS: z.coerce.number().int().positive().default(500_000),
  INGEST_MEMORY_CUSTOMERS: z.coerce.number().int().positive().default(250_000),
  INGEST_THREADS: z.coerce.number().int().min(0).max(64).optional(),
});

export type Env = z.infer<typeof envSchema>;

export interface Config {
  port: number;
  host: string;
  dataDir: string;
  databaseUrl?: string;
  clickhouseUrl?: string;
  clickhouseDatabase: string;
  secretKey?: string;
  adminEmail?: string;
  adminPassword?: string;
  timezone: string;
  publicUrl?: string;
  logLevel: Env['LOG_LEVEL'];
  rateLimitPerMinute: number;
  /** Acknowledged events waiting for processing (in memory) at most, before the collection API answers 503. */
  ingestBacklogMax: number;
  /** messageIds per generation (two are kept), all workspaces together, in the de-duplication window. */
  ingestWindowIds: number;
  /** Identifier links and customers' activity remembered per generation (two are kept) by the ingest path. */
  ingestIdentityMemory: number;
  /** Threads that decode, parse and validate collection requests (0: the main thread does). */
  ingestThreads: number;
}

export class ConfigError extends Error {}

/** Reads the environment; a bad value becomes one line that says what to fix. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, overrides: Partial<Config> = {}): Config {
  const parsed = envSchema.safeParse(Object.fromEntries(Object.entries(env).filter(([, v]) => v !== '')));
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ConfigError(`${issue.path.join('.')} ${issue.message}`);
  }
  const e = parsed.data;
  if (!isValidTimezone(e.SIYU_TIMEZONE)) throw new ConfigError(`SIYU_TIMEZONE is not an IANA time zone: ${e.SIYU_TIMEZONE}`);
  return {
    port: e.PORT,
    host: e.HOST,
    dataDir: path.resolve(e.DATA_DIR),
    databaseUrl: e.DATABASE_URL,
    clickhouseUrl: e.CLICKHOUSE_URL,
    clickhouseDatabase: e.CLICKHOUSE_DATABASE,
    secretKey: e.SIYU_SECRET_KEY,
    adminEmail: e.SIYU_ADMIN_EMAIL,
    adminPassword: e.SIYU_ADMIN_PASSWORD,
    timezone: e.SIYU_TIMEZONE,
    publicUrl: e.PUBLIC_URL,
    logLevel: e.LOG_LEVEL,
    rateLimitPerMinute: e.RATE_LIMIT_PER_MINUTE,
    ingestBacklogMax: e.INGEST_BACKLOG_MAX,
    ingestWindowIds: e.INGEST_WINDOW_IDS,
    ingestIdentityMemory: e.INGEST_MEMORY_CUSTOMERS,
    ingestThreads: e.INGEST_THREADS ?? Math.min(4, os.availableParallelism() - 1),
    ...overrides,
  };
}

export function isValidTimezone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}
