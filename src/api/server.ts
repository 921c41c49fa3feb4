import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Fastify, { type FastifyError, type FastifyReply, type FastifyRequest } from 'fastify';
import cookie from '@fastify/cookie';
import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import fastifyStatic from '@fastify/static';
import {
  hasZodFastifySchemaValidationErrors,
  jsonSchemaTransform,
  serializerCompiler,
  validatorCompiler,
  type ZodTypeProvider,
} from 'fastify-type-provider-zod';
import { AppError, newId, pickLocale, toProblem } from '../core/index.js';
import { type Ctx, pingStores } from '../store/index.js';
import { authRoutes, requirePermission, resolveApiKey, resolveSession, SESSION_COOKIE } from '../auth/index.js';
import { customerRoutes } from '../customers/index.js';
import { analyticsRoutes } from '../analytics/index.js';
import { identityRoutes } from '../identity/index.js';
import { ingestRoutes } from '../ingest/index.js';
import { segmentRoutes } from '../segments/index.js';
import { wecomRoutes } from '../wecom/index.js';
import { tagRoutes } from '../tags/index.js';
import { importRoutes } from '../imports/index.js';
import { journeyRoutes } from '../journeys/index.js';
import { messageRoutes } from '../messages/index.js';
import { campaignRoutes } from '../campaigns/index.js';
import { playbookRoutes } from '../playbooks/index.js';
import { reportRoutes } from '../reports/index.js';
import { metricsPlugin } from './metrics.js';

const consoleDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../console/dist');

/** Every module's HTTP routes, registered in one place. */
const moduleRoutes = [authRoutes, customerRoutes, identityRoutes, analyticsRoutes, ingestRoutes, segmentRoutes, wecomRoutes, tagRoutes, importRoutes, playbookRoutes, campaignRoutes, reportRoutes, messageRoutes, journeyRoutes];

export interface ServerOptions {
  /** Serve the built console at / (off in most tests). */
  console?: boolean;
  logger?: boolean;
}

export async function buildServer(ctx: Ctx, opts: ServerOptions = {}) {
  const app = Fastify({
    loggerInstance: opts.logger === false ? undefined : ctx.log,
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && /^[\w.-]{1,100}$/.test(given) ? given : newId();
    },
    trustProxy: true,
    bodyLimit: 1024 * 1024,
  }).withTypeProvider<ZodTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.addHook('onSend', async (req, reply) => {
    reply.header('x-request-id', req.id);
  });

  app.setErrorHandler((err: FastifyError, req, reply) => sendProblem(err, req, reply));
  app.setNotFoundHandler((req, reply) => {
    // Client-side routes of the console get index.html; a missing file (/assets/x.js) stays a 404.
    const isFile = /\.[a-z0-9]+$/i.test(req.url.split('?')[0]);
    if (opts.console && req.method === 'GET' && !isApiPath(req.url) && !isFile && fs.existsSync(path.join(consoleDir, 'index.html'))) {
      return reply.type('text/html').sendFile('index.html');
    }
    return sendProblem(new AppError('not_found', `${req.method} ${req.url.split('?')[0]} does not exist`), req, reply);
  });

  await app.register(cookie);
  await app.register(rateLimit, {
    max: ctx.config.rateLimitPerMinute,
    timeWindow: '1 minute',
    errorResponseBuilder: () => new AppError('rate_limited'),
  });
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'Siyu API', version: '0.1.0', description: 'Siyu (私域): CDP, WeCom SCRM and marketing automation.' },
      components: {
        securitySchemes: {
          session: { type: 'apiKey', in: 'cookie', name: SESSION_COOKIE },
          apiKey: { type: 'http', scheme: 'bearer', description: 'An API key (sk_…) created in Settings or with `siyu apikey create`' },
        },
      },
      security: [{ session: [] }, { apiKey: [] }],
    },
    transform: jsonSchemaTransform,
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
  app.get('/openapi.json', { config: { public: true }, schema: { hide: true } }, () => app.swagger());
  await app.register(metricsPlugin);

  app.addHook('onRequest', async (req) => {
    if (!isApiPath(req.url) || req.routeOptions.config?.public || !req.routeOptions.url) return;
    req.principal = await authenticate(ctx, req.cookies?.[SESSION_COOKIE] ?? parseCookie(req.headers.cookie), req.headers.authorization);
    const permission = req.routeOptions.config.permission;
    if (permission) requirePermission(req.principal, permission);
  });

  app.get('/healthz', { config: { public: true }, schema: { hide: true } }, async (_req, reply) => {
    const stores = await pingStores(ctx);
    const ok = stores.state && stores.events;
    return reply.code(ok ? 200 : 503).send(ok ? { status: 'ok' } : { status: 'unavailable', stores });
  });
  app.get('/readyz', { config: { public: true }, schema: { hide: true } }, async (_req, reply) => {
    const stores = await pingStores(ctx);
    const ready = stores.state && stores.events;
    return reply.code(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not ready', stores });
  });

  for (const routes of moduleRoutes) await app.register(routes, { ctx });

  if (opts.console && fs.existsSync(consoleDir)) {
    // wildcard: files are looked up per request, so a rebuilt console is served without a restart.
    await app.register(fastifyStatic, { root: consoleDir, prefix: '/', wildcard: true });
  }
  return app;
}

async function authenticate(ctx: Ctx, sessionToken: string | undefined, authorization: string | undefined) {
  const bearer = authorization?.match(/^Bearer\s+(\S+)$/i)?.[1];
  const principal = bearer ? await resolveApiKey(ctx, bearer) : sessionToken ? await resolveSession(ctx, sessionToken) : null;
  if (!principal) throw new AppError('unauthorized', bearer ? 'the API key is unknown or revoked' : 'sign in, or send an API key as a Bearer token');
  return principal;
}

function isApiPath(url: string): boolean {
  return url.startsWith('/api/') || url === '/api';
}

function parseCookie(header: string | undefined): string | undefined {
  return header?.split(';').map((c) => c.trim().split('=')).find(([k]) => k === SESSION_COOKIE)?.[1];
}

/** Maps anything thrown to problem+json: validation to 400 with field paths, unknowns to 500. */
function sendProblem(err: unknown, req: FastifyRequest, reply: FastifyReply) {
  const appError = toAppError(err);
  if (appError.status >= 500) req.log.error({ err }, 'request failed');
  const problem = toProblem(appError, pickLocale(req.headers['accept-language']), req.id);
  return reply.code(problem.status).type('application/problem+json').send(problem);
}

function toAppError(err: unknown): AppError {
  if (err instanceof AppError) return err;
  if (hasZodFastifySchemaValidationErrors(err)) {
    return new AppError(
      'validation_failed',
      err.message,
      err.validation.map((v) => ({
        path: [err.validationContext, ...v.instancePath.split('/')].filter(Boolean).join('.'),
        message: v.message ?? 'invalid',
      })),
    );
  }
  const e = err as { name?: string; issues?: { path: PropertyKey[]; message: string }[]; statusCode?: number; code?: string; message?: string };
  if (e.name === 'ZodError' && e.issues) {
    return new AppError('validation_failed', 'the request does not match the expected shape', e.issues.map((i) => ({ path: i.path.join('.'), message: i.message })));
  }
  if (e.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return new AppError('payload_too_large', e.message);
  if (e.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') return new AppError('unsupported_media_type', e.message);
  if (e.statusCode && e.statusCode >= 400 && e.statusCode < 500) return new AppError(e.statusCode === 429 ? 'rate_limited' : 'bad_request', e.message);
  return new AppError('internal');
}
