import type { FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { AppError, newId } from '../core/index.js';
import type { Ctx } from '../store/index.js';
import { resolveWriteKey } from '../auth/index.js';
import { writeKeyOf } from './body.js';
import { Collector } from './collector.js';
import { startIntakePool } from './intake-pool.js';
import { type IngestResponse, ingestResponse, LIMITS, MESSAGE_TYPES, type MessageType } from './schema.js';

/**
 * The Segment-compatible collection API. Existing SDKs work by pointing their host at Siyu:
 * the write key is the HTTP Basic user name (or `writeKey` in the body), bodies may be gzip, and
 * every content type is read as JSON (browsers beacon with text/plain). analytics.js posts to
 * one-letter paths (/v1/t, /v1/b for batches) from any origin, so those exist too, with CORS.
 * Events are acknowledged once fsynced in this server's ingest log (see Collector).
 */
export const ingestRoutes: FastifyPluginAsyncZod<{ ctx: Ctx }> = async (app, { ctx }) => {
  // Bodies are read here as bytes; the intake threads decode, parse and validate them.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: LIMITS.batchBytes }, (_req, body, done) => done(null, body));

  /** Server SDKs send from few addresses at high rates: the per-IP limit of the console API does not apply. */
  const config = { public: true, rateLimit: false } as const;
  const response = { 200: ingestResponse };

  const keys = new WriteKeys(ctx);
  const pool = startIntakePool(ctx.config.ingestThreads, ctx.log);
  const collector = Collector.start(ctx);
  app.addHook('onClose', async () => {
    await collector.close();
    await pool.close();
  });

  /** Accepts a request's events, authenticates it (a body that cannot be read is refused first), and logs them. */
  const handle = async (req: FastifyRequest, type?: MessageType): Promise<IngestResponse> => {
    const env = { receivedAt: ctx.clock.now(), ip: req.ip, requestId: newId(ctx.clock) };
    const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    const a = await pool.accept({ type, encoding: req.headers['content-encoding'], body: owned(body), env: { ...env, receivedAt: env.receivedAt.toISOString() } });
    if (!a.ok && a.refusal.stage === 'body') throw new AppError(a.refusal.code, a.refusal.detail, a.refusal.errors);
    const key = writeKeyOf(req.headers.authorization, { writeKey: a.writeKey });
    if (!key) throw new AppError('unauthorized', 'send the write key as the HTTP Basic user name, or as writeKey in the body');
    const workspaceId = await keys.workspaceOf(key);
    if (!workspaceId) throw new AppError('unauthorized', 'the write key is unknown or revoked');
    if (!a.ok) throw new AppError(a.refusal.code, a.refusal.detail, a.refusal.errors);
    const { accepted, rejected } = a.intake;
    const stored = await collector.store(workspaceId, accepted, { env, type, body: a.text });
    return { success: true, accepted: accepted.length, duplicates: accepted.length - stored, rejected };
  };

  app.addHook('onSend', async (_req, reply) => {
    reply.header('access-control-allow-origin', '*');
  });
  app.options('/v1/*', { config, schema: { hide: true } }, (_req, reply) =>
    reply
      .code(204)
      .header('access-control-allow-methods', 'POST, OPTIONS')
      .header('access-control-allow-headers', 'authorization, content-type, content-encoding')
      .header('access-control-max-age', '86400')
      .send(),
  );

  for (const url of ['/v1/batch', '/v1/b']) {
    app.post(
      url,
      { config, bodyLimit: LIMITS.batchBytes, schema: { tags: ['collection'], summary: 'Send a batch of events (Segment HTTP API); up to 500 KB, 32 KB an event', hide: url === '/v1/b', response } },
      (req) => handle(req),
    );
  }
  for (const type of MESSAGE_TYPES) {
    for (const url of [`/v1/${type}`, `/v1/${type[0]}`]) {
      app.post(
        url,
        { config, bodyLimit: LIMITS.batchBytes, schema: { tags: ['collection'], summary: `Send one ${type} event (Segment HTTP API); up to 32 KB`, hide: url !== `/v1/${type}`, response } },
        (req) => handle(req, type),
      );
    }
  }
};

/** The body's bytes in an ArrayBuffer of their own (a small Buffer may be a slice of Node's shared pool). */
function owned(body: Buffer): Uint8Array {
  return body.byteOffset === 0 && body.byteLength === body.buffer.byteLength ? body : new Uint8Array(body);
}

/** How long a valid write key is remembered: a revoked key is refused within this time. */
export const WRITE_KEY_TTL_MS = 10_000;

/**
 * Valid write keys, remembered for WRITE_KEY_TTL_MS: acknowledging then needs no state-store
 * query (on PGlite a query waits for the processing transaction that holds its one connection).
 * Unknown keys are looked up every time, so a new key works at once.
 */
class WriteKeys {
  private readonly valid = new Map<string, { workspaceId: string; until: number }>();
  constructor(private readonly ctx: Ctx) {}

  async workspaceOf(key: string): Promise<string | null> {
    const now = performance.now();
    const hit = this.valid.get(key);
    if (hit && hit.until > now) return hit.workspaceId;
    const found = await resolveWriteKey(this.ctx, key);
    if (!found) {
      this.valid.delete(key);
      return null;
    }
    if (this.valid.size >= 10_000) this.valid.clear(); // bounded: keys in use come back at once
    this.valid.set(key, { workspaceId: found.workspaceId, until: now + WRITE_KEY_TTL_MS });
    return found.workspaceId;
  }
}
