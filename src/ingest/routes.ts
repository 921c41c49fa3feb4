import type { FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { AppError, newId } from '../core/index.js';
import type { Ctx } from '../store/index.js';
import { resolveWriteKey } from '../auth/index.js';
import { decodeBody, writeKeyOf } from './body.js';
import { Collector } from './collector.js';
import { ingestBatch, ingestOne } from './intake.js';
import type { InboxEvent } from './normalize.js';
import { ingestResponse, LIMITS, MESSAGE_TYPES, type MessageType } from './schema.js';

/**
 * The Segment-compatible collection API. Existing SDKs work by pointing their host at Siyu:
 * the write key is the HTTP Basic user name (or `writeKey` in the body), bodies may be gzip, and
 * every content type is read as JSON (browsers beacon with text/plain). analytics.js posts to
 * one-letter paths (/v1/t, /v1/b for batches) from any origin, so those exist too, with CORS.
 * Events are acknowledged once fsynced in this server's ingest log (see Collector).
 */
export const ingestRoutes: FastifyPluginAsyncZod<{ ctx: Ctx }> = async (app, { ctx }) => {
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: LIMITS.batchBytes }, (req, body, done) => {
    decodeBody(req.headers['content-encoding'], body as Buffer).then(
      (text) =>
        parseJson(req, text, (err, value) => {
          bodyText.set(req, text);
          if (err) done(new AppError('bad_request', `the body is not valid JSON: ${err.message}`), undefined);
          else done(null, value);
        }),
      (err: Error) => done(err, undefined),
    );
  });

  /** Server SDKs send from few addresses at high rates: the per-IP limit of the console API does not apply. */
  const config = { public: true, rateLimit: false } as const;
  const response = { 200: ingestResponse };

  const keys = new WriteKeys(ctx);
  const workspaceOf = async (req: FastifyRequest) => {
    if (req.body === undefined || req.body === null) throw new AppError('bad_request', 'the body is empty: send the event as JSON');
    const key = writeKeyOf(req.headers.authorization, req.body);
    if (!key) throw new AppError('unauthorized', 'send the write key as the HTTP Basic user name, or as writeKey in the body');
    const workspaceId = await keys.workspaceOf(key);
    if (!workspaceId) throw new AppError('unauthorized', 'the write key is unknown or revoked');
    return workspaceId;
  };
  const envelope = (req: FastifyRequest) => ({ receivedAt: ctx.clock.now(), ip: req.ip, requestId: newId(ctx.clock) });
  const collector = Collector.start(ctx);
  app.addHook('onClose', () => collector.close());
  /** Stores a request's events in the log, which keeps the request to rebuild them from. */
  const store = (req: FastifyRequest, env: ReturnType<typeof envelope>, type?: MessageType) => (ws: string, events: InboxEvent[]) =>
    collector.store(ws, events, { env, type, body: bodyText.get(req) ?? JSON.stringify(req.body) });

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
      async (req) => {
        const env = envelope(req);
        return ingestBatch(ctx, await workspaceOf(req), req.body, env, store(req, env));
      },
    );
  }
  for (const type of MESSAGE_TYPES) {
    for (const url of [`/v1/${type}`, `/v1/${type[0]}`]) {
      app.post(
        url,
        { config, bodyLimit: LIMITS.batchBytes, schema: { tags: ['collection'], summary: `Send one ${type} event (Segment HTTP API); up to 32 KB`, hide: url !== `/v1/${type}`, response } },
        async (req) => {
          const env = envelope(req);
          return ingestOne(ctx, await workspaceOf(req), type, req.body, env, store(req, env, type));
        },
      );
    }
  }
};

/** Each request's body as it came (decompressed), which the ingest log keeps. */
const bodyText = new WeakMap<FastifyRequest, string>();

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
