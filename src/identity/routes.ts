import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { Ctx } from '../store/index.js';
import { isoDate, pageQuery, wire } from '../api/wire.js';
import { listConflicts, resolveConflict, resolveConflictInput } from './conflicts.js';
import { identifierType } from './identifiers.js';
import { customerByIdentifier, customerMerges } from './lookup.js';
import { unmerge } from './merge.js';
import { identityRule, loadIdentityRules, setIdentityRules } from './rules.js';

const identifierView = z.object({ type: z.string(), value: z.string(), collection: z.string().optional() });
const byIdentifier = z.object({
  id: z.string(),
  identifiers: z.array(identifierView),
  traits: z.record(z.string(), z.unknown()),
  computed: z.object({
    firstSeenAt: isoDate,
    lastSeenAt: isoDate,
    firstChannel: z.string().nullable(),
    lastChannel: z.string().nullable(),
    ordersCount: z.number().int(),
    totalSpentFen: z.number().int(),
    aovFen: z.number().int(),
    lastOrderAt: isoDate.nullable(),
  }),
  consent: z.record(z.string(), z.object({ granted: z.boolean(), at: isoDate })),
});
const mergeView = z.object({
  id: z.string(),
  at: isoDate,
  survivorId: z.string(),
  mergedId: z.string(),
  cause: z.object({ type: z.string(), collection: z.string(), value: z.string(), messageId: z.string().nullable() }),
  actor: z.object({ type: z.string(), id: z.string().nullable(), name: z.string().nullable() }),
  unmergedAt: isoDate.nullable(),
  unmergedBy: z.string().nullable(),
});
const conflictView = z.object({
  id: z.string(),
  firstAt: isoDate,
  lastAt: isoDate,
  occurrences: z.number().int(),
  identifier: z.object({ type: z.string(), collection: z.string(), value: z.string() }),
  customerId: z.string(),
  otherCustomerId: z.string().nullable(),
  reason: z.string().describe('limit:<type>: the link would give a customer more ids of that type than the rules allow'),
  status: z.enum(['open', 'resolved']),
  resolution: z.string().nullable(),
  resolvedAt: isoDate.nullable(),
  resolvedBy: z.string().nullable(),
});
const idParams = z.object({ id: z.string().uuid() });

export const identityRoutes: FastifyPluginAsyncZod<{ ctx: Ctx }> = async (app, { ctx }) => {
  app.get(
    '/api/customers/by-identifier/:type/:value',
    {
      config: { permission: 'customers:read' },
      schema: {
        tags: ['identity'],
        summary: 'The customer holding an identifier (user_id, phone, wechat_unionid, …), with identifiers, traits and computed traits',
        params: z.object({ type: identifierType, value: z.string().min(1).max(400) }),
        querystring: z.object({ collection: z.string().max(100).optional().describe('app id of an openid; any collection when absent') }),
        response: { 200: byIdentifier },
      },
    },
    async (req) => wire(await customerByIdentifier(ctx, req.principal, req.params.type, req.params.value, req.query.collection)),
  );

  app.get(
    '/api/customers/:id/merges',
    { config: { permission: 'customers:read' }, schema: { tags: ['identity'], summary: 'Merge history of a customer, newest first', params: z.object({ id: z.string().max(100) }), response: { 200: z.object({ items: z.array(mergeView) }) } } },
    async (req) => ({ items: wire(await customerMerges(ctx, req.principal, req.params.id)) }),
  );

  app.post(
    '/api/identity/merges/:id/unmerge',
    { config: { permission: 'customers:write' }, schema: { tags: ['identity'], summary: 'Split a wrong merge: the merged customer gets its identifiers and history back', params: idParams } },
    async (req, reply) => {
      await unmerge(ctx, req.principal.workspace.id, req.params.id, { actor: req.principal.actor, requestId: req.id });
      return reply.code(204).send();
    },
  );

  app.get(
    '/api/identity/conflicts',
    {
      config: { permission: 'customers:read' },
      schema: {
        tags: ['identity'],
        summary: 'Links OneID refused because a per-customer limit would break, newest first',
        querystring: pageQuery.extend({ status: z.enum(['open', 'resolved']).optional() }),
        response: { 200: z.object({ items: z.array(conflictView), nextCursor: z.string().nullable() }) },
      },
    },
    async (req) => wire(await listConflicts(ctx, req.principal, req.query)),
  );

  app.post(
    '/api/identity/conflicts/:id/resolve',
    { config: { permission: 'customers:write' }, schema: { tags: ['identity'], summary: 'Decide a conflict: merge, assign the identifier, or dismiss', params: idParams, body: resolveConflictInput } },
    async (req, reply) => {
      await resolveConflict(ctx, req.principal.workspace.id, req.params.id, req.body, { actor: req.principal.actor, requestId: req.id });
      return reply.code(204).send();
    },
  );

  app.get(
    '/api/identity/rules',
    { config: { permission: 'settings:read' }, schema: { tags: ['identity'], summary: 'OneID rules: identifier types, priority, per-customer limit', response: { 200: z.object({ rules: z.array(identityRule) }) } } },
    async (req) => ({ rules: (await loadIdentityRules(ctx.db, req.principal.workspace.id)).list() }),
  );

  app.put(
    '/api/identity/rules',
    {
      config: { permission: 'settings:write' },
      schema: { tags: ['identity'], summary: 'Set the rules of the given identifier types (others keep theirs)', body: z.object({ rules: z.array(identityRule).min(1).max(100) }), response: { 200: z.object({ rules: z.array(identityRule) }) } },
    },
    async (req) => ({ rules: (await setIdentityRules(ctx, req.principal.workspace.id, req.body.rules, { actor: req.principal.actor, requestId: req.id })).list() }),
  );
};
