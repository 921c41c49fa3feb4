import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { type Actor } from '../audit/index.js';
import { AppError, isUuid, newId } from '../core/index.js';
import { CHANNELS, type Channel, PROVIDERS, SETTINGS_OF, channelConfig, channelSettingsInput, channelSettingsView, saveChannelSettings, verifyBody } from '../channels/index.js';
import type { Ctx } from '../store/index.js';
import { isoDate } from '../api/wire.js';
import { getPolicies, policiesSchema, savePolicies } from './policies.js';
import { buildView, loadRecipient, renderContent } from './render.js';
import { createTemplate, deleteTemplate, getTemplate, listTemplates, type MessageTemplate, templateInput, updateTemplate } from './templates.js';
import { recordClick, smsInbound, unsubscribe } from './feedback.js';

const tags = ['messages'];
const by = (req: { principal: { actor: Actor }; id: string }) => ({ actor: req.principal.actor, requestId: req.id });
const idParams = z.object({ id: z.string().max(100) });
const templateView = z.object({
  id: z.string(),
  name: z.string(),
  channel: z.enum(CHANNELS),
  content: z.record(z.string(), z.unknown()),
  variables: z.array(z.string()),
  createdAt: isoDate,
  createdBy: z.string().nullable(),
  updatedAt: isoDate,
});
const view = (t: MessageTemplate) => ({ ...t, createdAt: t.createdAt.toISOString(), updatedAt: t.updatedAt.toISOString() });
const messageView = z.object({
  id: z.string(),
  customerId: z.string(),
  channel: z.string(),
  templateId: z.string(),
  idempotencyKey: z.string(),
  sourceKind: z.string(),
  sourceId: z.string(),
  runId: z.string().nullable(),
  stepId: z.string().nullable(),
  variant: z.string().nullable(),
  golden: z.boolean(),
  marketing: z.boolean(),
  status: z.string(),
  reason: z.string().nullable(),
  reasonCode: z.string().nullable(),
  attempts: z.number().int(),
  notBefore: isoDate,
  createdAt: isoDate,
  sentAt: isoDate.nullable(),
  deliveredAt: isoDate.nullable(),
  clickedAt: isoDate.nullable(),
  repliedAt: isoDate.nullable(),
  rendered: z.record(z.string(), z.unknown()).nullable(),
  providerRef: z.string().nullable(),
});
const iso = (d: Date | null) => (d ? d.toISOString() : null);

export const messageRoutes: FastifyPluginAsyncZod<{ ctx: Ctx }> = async (app, { ctx }) => {
  // ---- templates ----
  app.get(
    '/api/messages/templates',
    { config: { permission: 'customers:read' }, schema: { tags, summary: 'Message templates', querystring: z.object({ channel: z.enum(CHANNELS).optional() }), response: { 200: z.object({ items: z.array(templateView) }) } } },
    async (req) => ({ items: (await listTemplates(ctx, req.principal.workspace.id, req.query)).map(view) }),
  );
  app.post(
    '/api/messages/templates',
    {
      config: { permission: 'campaigns:write' },
      schema: { tags, summary: 'Create a template; an unknown variable is rejected, named', body: templateInput, response: { 201: templateView } },
    },
    async (req, reply) => reply.code(201).send(view(await createTemplate(ctx, req.principal.workspace.id, req.body, by(req)))),
  );
  app.get('/api/messages/templates/:id', { config: { permission: 'customers:read' }, schema: { tags, summary: 'One template', params: idParams, response: { 200: templateView } } }, async (req) =>
    view(await getTemplate(ctx, req.principal.workspace.id, req.params.id)),
  );
  app.put(
    '/api/messages/templates/:id',
    { config: { permission: 'campaigns:write' }, schema: { tags, summary: 'Change a template', params: idParams, body: templateInput, response: { 200: templateView } } },
    async (req) => view(await updateTemplate(ctx, req.principal.workspace.id, req.params.id, req.body, by(req))),
  );
  app.delete('/api/messages/templates/:id', { config: { permission: 'campaigns:write' }, schema: { tags, summary: 'Delete a template (queued messages still use it)', params: idParams } }, async (req, reply) => {
    await deleteTemplate(ctx, req.principal.workspace.id, req.params.id, by(req));
    return reply.code(204).send();
  });
  app.post(
    '/api/messages/templates/:id/preview',
    {
      config: { permission: 'customers:read' },
      schema: {
        tags,
        summary: 'Render a template for a real customer (with an example triggering event and grant)',
        params: idParams,
        body: z.object({ customerId: z.string().uuid(), event: z.object({ name: z.string().max(200), properties: z.record(z.string(), z.unknown()).default({}) }).optional(), grant: z.record(z.string(), z.unknown()).optional() }),
        response: { 200: z.object({ channel: z.string(), rendered: z.record(z.string(), z.unknown()), variables: z.array(z.string()) }) },
      },
    },
    async (req) => {
      const ws = req.principal.workspace;
      const t = await getTemplate(ctx, ws.id, req.params.id);
      const r = await loadRecipient(ctx, ws.id, req.body.customerId);
      if (!r) throw new AppError('not_found', `no customer ${req.body.customerId}`);
      const links = Object.fromEntries(Object.entries(t.content.links ?? {}).map(([k, url]) => [k, url]));
      const v = await buildView(ctx, ws.id, r, { brandName: ws.name, timezone: ws.timezone, links, vars: { event: req.body.event, grant: req.body.grant } });
      return { channel: t.channel, rendered: renderContent(t.channel, t.content, v), variables: t.variables };
    },
  );

  // ---- policies ----
  app.get('/api/messages/policies', { config: { permission: 'settings:read' }, schema: { tags, summary: 'Sending policies (defaults until changed)', response: { 200: policiesSchema } } }, async (req) =>
    getPolicies(ctx, req.principal.workspace.id),
  );
  app.put(
    '/api/messages/policies',
    { config: { permission: 'settings:write' }, schema: { tags, summary: 'Change the sending policies', body: policiesSchema, response: { 200: policiesSchema } } },
    async (req) => savePolicies(ctx, req.principal.workspace.id, req.body, by(req)),
  );

  // ---- the outbox ----
  app.get(
    '/api/messages',
    {
      config: { permission: 'customers:read' },
      schema: {
        tags,
        summary: 'Messages of the outbox, newest first',
        querystring: z.object({
          customerId: z.string().uuid().optional(),
          sourceKind: z.enum(['journey', 'campaign', 'manual']).optional(),
          sourceId: z.string().max(100).optional(),
          status: z.enum(['queued', 'deferred', 'sending', 'sent', 'delivered', 'failed', 'suppressed', 'parked']).optional(),
          cursor: z.string().max(100).optional(),
          limit: z.coerce.number().int().min(1).max(200).default(50),
        }),
        response: { 200: z.object({ items: z.array(messageView), nextCursor: z.string().nullable() }) },
      },
    },
    async (req) => {
      const q = req.query;
      let sel = ctx.db.selectFrom('messages').selectAll().where('workspace_id', '=', req.principal.workspace.id);
      if (q.customerId) sel = sel.where('customer_id', '=', q.customerId);
      if (q.sourceKind) sel = sel.where('source_kind', '=', q.sourceKind);
      if (q.sourceId) sel = sel.where('source_id', '=', q.sourceId);
      if (q.status) sel = sel.where('status', '=', q.status);
      if (q.cursor) {
        if (!isUuid(q.cursor)) throw new AppError('validation_failed', 'bad cursor');
        sel = sel.where('id', '<', q.cursor);
      }
      const rows = await sel.orderBy('id', 'desc').limit(q.limit + 1).execute();
      const page = rows.slice(0, q.limit);
      return {
        items: page.map((m) => ({
          id: m.id,
          customerId: m.customer_id,
          channel: m.channel,
          templateId: m.template_id,
          idempotencyKey: m.idempotency_key,
          sourceKind: m.source_kind,
          sourceId: m.source_id,
          runId: m.run_id,
          stepId: m.step_id,
          variant: m.variant,
          golden: m.golden,
          marketing: m.marketing,
          status: m.status,
          reason: m.reason,
          reasonCode: m.reason_code,
          attempts: m.attempts,
          notBefore: m.not_before.toISOString(),
          createdAt: m.created_at.toISOString(),
          sentAt: iso(m.sent_at),
          deliveredAt: iso(m.delivered_at),
          clickedAt: iso(m.clicked_at),
          repliedAt: iso(m.replied_at),
          rendered: m.rendered,
          providerRef: m.provider_ref,
        })),
        nextCursor: rows.length > q.limit ? page[page.length - 1].id : null,
      };
    },
  );
  app.post(
    '/api/messages/unsubscribes',
    {
      config: { permission: 'customers:write' },
      schema: { tags, summary: '退订 through the API: no more marketing to this customer on a channel (or "*": all)', body: z.object({ customerId: z.string().uuid(), channel: z.union([z.enum(CHANNELS), z.literal('*')]) }), response: { 200: z.object({ created: z.boolean() }) } },
    },
    async (req) => unsubscribe(ctx, req.principal.workspace.id, req.body.customerId, req.body.channel, 'api'),
  );

  // ---- channels ----
  app.get('/api/channels', { config: { permission: 'settings:read' }, schema: { tags: ['channels'], summary: 'Channel settings (secrets are never returned)', response: { 200: z.record(z.string(), z.record(z.string(), z.unknown()).nullable()) } } }, async (req) =>
    channelSettingsView(ctx, req.principal.workspace.id),
  );
  app.put(
    '/api/channels',
    { config: { permission: 'settings:write' }, schema: { tags: ['channels'], summary: 'Save the settings of the channels given (a secret left out is kept)', body: channelSettingsInput, response: { 200: z.record(z.string(), z.record(z.string(), z.unknown()).nullable()) } } },
    async (req) => {
      await saveChannelSettings(ctx, req.principal.workspace.id, req.body, by(req));
      return channelSettingsView(ctx, req.principal.workspace.id);
    },
  );
  app.post(
    '/api/channels/:channel/test',
    {
      config: { permission: 'settings:write' },
      schema: {
        tags: ['channels'],
        summary: 'Send a test message to one customer now (no policies, not in the outbox)',
        params: z.object({ channel: z.enum(CHANNELS) }),
        body: z.object({ customerId: z.string().uuid(), content: z.record(z.string(), z.unknown()) }),
        response: { 200: z.object({ status: z.string(), providerRef: z.string().optional(), error: z.string().optional(), reason: z.string().optional() }) },
      },
    },
    async (req) => {
      const ws = req.principal.workspace;
      const channel = req.params.channel as Channel;
      const r = await loadRecipient(ctx, ws.id, req.body.customerId);
      if (!r) throw new AppError('not_found', `no customer ${req.body.customerId}`);
      const key = SETTINGS_OF[channel];
      const id = newId(ctx.clock);
      const o = await PROVIDERS[channel].send({
        ctx,
        workspaceId: ws.id,
        messageId: id,
        idempotencyKey: `test:${id}`,
        channel,
        recipient: r,
        content: req.body.content,
        settings: key ? await channelConfig(ctx, ws.id, key) : {},
        brandName: ws.name,
        source: { kind: 'manual', id: 'test', templateId: '' },
      });
      return o.status === 'failed' ? { status: o.status, error: o.error } : o.status === 'unreachable' ? { status: o.status, reason: o.reason } : { status: o.status, providerRef: o.providerRef };
    },
  );

  // ---- public: tracked links and provider callbacks (outside /api: no login) ----
  app.get('/m/:token', { schema: { hide: true, params: z.object({ token: z.string().max(100) }) } }, async (req, reply) => {
    const r = await recordClick(ctx, req.params.token);
    if (!r) return reply.code(404).type('text/plain; charset=utf-8').send('链接无效 / link not found');
    if (r.unsubscribed) return reply.type('text/html; charset=utf-8').send('<!doctype html><meta charset="utf-8"><p>您已退订。You are unsubscribed.</p>');
    return reply.redirect(r.url, 302);
  });
  app.register(async (pub) => {
    pub.addContentTypeParser('application/json', { parseAs: 'string', bodyLimit: 64 * 1024 }, (_req, body, done) => done(null, body));
    pub.post('/hooks/sms/:workspaceId', { schema: { hide: true, params: z.object({ workspaceId: z.string().max(100) }) } }, async (req, reply) => {
      const wsId = (req.params as { workspaceId: string }).workspaceId;
      if (!isUuid(wsId)) return reply.code(404).send({ error: 'unknown workspace' });
      const settings = await channelConfig(ctx, wsId, 'sms');
      const raw = String(req.body ?? '');
      const secret = settings.secret as string | undefined;
      if (!secret) return reply.code(404).send({ error: 'SMS is not configured with a secret' });
      const h = (n: string) => (typeof req.headers[n] === 'string' ? (req.headers[n] as string) : undefined);
      if (!verifyBody(secret, h('x-siyu-timestamp'), raw, h('x-siyu-signature'), ctx.clock.now().getTime())) return reply.code(401).send({ error: 'bad signature' });
      let body: unknown;
      try {
        body = JSON.parse(raw);
      } catch {
        return reply.code(400).send({ error: 'not JSON' });
      }
      return smsInbound(ctx, wsId, body as Parameters<typeof smsInbound>[2]);
    });
  });
};
