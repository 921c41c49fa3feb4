import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { AppError } from '../core/index.js';
import type { Ctx } from '../store/index.js';
import { listAudit } from '../audit/index.js';
import { isoDate, pageQuery, wire } from '../api/wire.js';
import { apiKeyInput, createApiKey, createWriteKey, listApiKeys, listWriteKeys, revokeApiKey, revokeWriteKey, writeKeyInput } from './keys.js';
import { listMemberships } from './operators.js';
import { type Principal, principalFor } from './principal.js';
import { ROLES, rolePermissions } from './roles.js';
import { SESSION_COOKIE, SESSION_TTL_MS, login, logout, switchWorkspace } from './sessions.js';

const membership = z.object({ id: z.string(), slug: z.string(), name: z.string(), role: z.enum(ROLES), timezone: z.string() });
const meResponse = z.object({
  operator: z.object({ id: z.string(), email: z.string(), name: z.string() }).nullable(),
  workspace: membership,
  workspaces: z.array(membership),
  permissions: z.array(z.string()),
});
const apiKeyView = z.object({ id: z.string(), name: z.string(), role: z.enum(ROLES), prefix: z.string(), createdAt: isoDate, lastUsedAt: isoDate.nullable(), revokedAt: isoDate.nullable() });
const writeKeyView = z.object({ id: z.string(), name: z.string(), prefix: z.string(), createdAt: isoDate, revokedAt: isoDate.nullable() });
const idParams = z.object({ id: z.string().uuid() });

async function me(ctx: Ctx, p: Principal): Promise<z.infer<typeof meResponse>> {
  const current = { ...p.workspace, role: p.role };
  if (!p.operatorId) return { operator: null, workspace: current, workspaces: [current], permissions: [...p.permissions] };
  const op = await ctx.db.selectFrom('operators').select(['id', 'email', 'name']).where('id', '=', p.operatorId).executeTakeFirstOrThrow();
  return { operator: op, workspace: current, workspaces: await listMemberships(ctx, p.operatorId), permissions: [...p.permissions] };
}

export const authRoutes: FastifyPluginAsyncZod<{ ctx: Ctx }> = async (app, { ctx }) => {
  const secure = ctx.config.publicUrl?.startsWith('https://') ?? false;

  app.post(
    '/api/auth/login',
    {
      config: { public: true, rateLimit: { max: 20, timeWindow: '1 minute' } },
      schema: {
        tags: ['auth'],
        summary: 'Sign in with email and password; sets the session cookie',
        body: z.object({ email: z.string().email(), password: z.string().min(1).max(200), workspace: z.string().optional() }),
        response: { 200: meResponse },
      },
    },
    async (req, reply) => {
      const s = await login(ctx, req.body.email, req.body.password, { ip: req.ip, userAgent: req.headers['user-agent'], workspace: req.body.workspace });
      reply.setCookie(SESSION_COOKIE, s.token, { path: '/', httpOnly: true, sameSite: 'lax', secure, maxAge: SESSION_TTL_MS / 1000 });
      return { operator: s.operator, workspace: s.workspace, workspaces: s.workspaces, permissions: [...rolePermissions[s.workspace.role]] };
    },
  );

  app.post('/api/auth/logout', { schema: { tags: ['auth'], summary: 'Sign out' } }, async (req, reply) => {
    const token = req.cookies[SESSION_COOKIE];
    if (token) await logout(ctx, token);
    reply.clearCookie(SESSION_COOKIE, { path: '/' });
    return reply.code(204).send();
  });

  app.get('/api/auth/me', { schema: { tags: ['auth'], summary: 'The caller, its workspace and permissions', response: { 200: meResponse } } }, (req) => me(ctx, req.principal));

  app.post(
    '/api/auth/switch',
    { schema: { tags: ['auth'], summary: 'Switch the session to another workspace', body: z.object({ workspace: z.string().min(1) }), response: { 200: meResponse } } },
    async (req) => {
      const token = req.cookies[SESSION_COOKIE];
      if (!token || !req.principal.operatorId) throw new AppError('bad_request', 'only a signed-in session can switch workspaces');
      const target = await switchWorkspace(ctx, token, req.principal.operatorId, req.body.workspace);
      return me(ctx, principalFor(target, target.role, req.principal.actor, req.principal.operatorId));
    },
  );

  app.get('/api/apikeys', { config: { permission: 'apikeys:read' }, schema: { tags: ['keys'], response: { 200: z.object({ items: z.array(apiKeyView) }) } } }, async (req) => ({
    items: wire(await listApiKeys(ctx, req.principal.workspace.id)),
  }));

  app.post(
    '/api/apikeys',
    { config: { permission: 'apikeys:write' }, schema: { tags: ['keys'], summary: 'Create an API key; the key is shown only in this response', body: apiKeyInput, response: { 201: apiKeyView.extend({ key: z.string() }) } } },
    async (req, reply) => {
      const created = await createApiKey(ctx, req.principal.workspace.id, req.body, { actor: req.principal.actor, role: req.principal.role, requestId: req.id });
      return reply.code(201).send(wire(created));
    },
  );

  app.delete('/api/apikeys/:id', { config: { permission: 'apikeys:write' }, schema: { tags: ['keys'], params: idParams } }, async (req, reply) => {
    await revokeApiKey(ctx, req.principal.workspace.id, req.params.id, { actor: req.principal.actor, requestId: req.id });
    return reply.code(204).send();
  });

  app.get('/api/writekeys', { config: { permission: 'writekeys:read' }, schema: { tags: ['keys'], response: { 200: z.object({ items: z.array(writeKeyView) }) } } }, async (req) => ({
    items: wire(await listWriteKeys(ctx, req.principal.workspace.id)),
  }));

  app.post(
    '/api/writekeys',
    { config: { permission: 'writekeys:write' }, schema: { tags: ['keys'], summary: 'Create an ingestion write key; shown only in this response', body: writeKeyInput, response: { 201: writeKeyView.extend({ key: z.string() }) } } },
    async (req, reply) => {
      const created = await createWriteKey(ctx, req.principal.workspace.id, req.body, { actor: req.principal.actor, requestId: req.id });
      return reply.code(201).send(wire(created));
    },
  );

  app.delete('/api/writekeys/:id', { config: { permission: 'writekeys:write' }, schema: { tags: ['keys'], params: idParams } }, async (req, reply) => {
    await revokeWriteKey(ctx, req.principal.workspace.id, req.params.id, { actor: req.principal.actor, requestId: req.id });
    return reply.code(204).send();
  });

  app.get(
    '/api/audit',
    { config: { permission: 'audit:read' }, schema: { tags: ['audit'], summary: 'Audit log, newest first', querystring: pageQuery } },
    async (req) => wire(await listAudit(ctx, req.principal.workspace.id, req.query)),
  );
};
