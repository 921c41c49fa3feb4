import { z } from 'zod';
import type { FastifyPluginAsyncZod, ZodTypeProvider } from 'fastify-type-provider-zod';
import type { FastifyRequest } from 'fastify';
import { AppError } from '../core/index.js';
import type { Ctx } from '../store/index.js';
import { can } from '../auth/index.js';
import type { Actor } from '../audit/index.js';
import { isoDate, wire } from '../api/wire.js';
import { codeRow, createLiveCode, deleteLiveCode, getLiveCode, listLiveCodes, liveCodeInput, updateLiveCode } from './codes.js';
import { createGroupCode, deleteGroupCode, getGroupCode, groupCodeInput, listGroupCodes } from './groups.js';
import { acceptCallback, callbackQuery, verifyCallbackUrl } from './inbox.js';
import { runInBackground } from './jobs.js';
import { clickStats, countClick, findByShort, landingPage, posterSvg, qrPng } from './links.js';
import { STRATEGIES } from './pool.js';
import { loadCredentials, saveSettings, settingsInput, settingsView, testConnection } from './settings.js';
import { liveCodeStats, statsQuery } from './stats.js';
import { syncAll } from './sync.js';
import { linkWecomTag, listCorpTagRows, pushTags, unlinkWecomTag } from './tag-sync.js';
import { startTransfer, transferInput, transferQuery, transferStatus } from './transfers.js';
import { customerRelations, listGroups, listStaff } from './views.js';
import { WELCOME_TEMPLATES, welcomeMessage } from './welcome.js';

const settingsView_ = z.object({
  corpId: z.string(),
  agentId: z.string().nullable(),
  apiBaseUrl: z.string(),
  hasAgentSecret: z.boolean(),
  callbackPath: z.string(),
  options: z.object({ groupCap: z.number().int(), massSendMonthlyCap: z.number().int().nullable() }),
  connectedAt: isoDate,
  sync: z.record(z.string(), z.unknown()),
});
const check = z.object({ field: z.string(), ok: z.boolean(), message: z.string() });
const liveCode = z.object({
  id: z.string(),
  name: z.string(),
  channel: z.string(),
  channelName: z.string(),
  state: z.string(),
  short: z.string(),
  configId: z.string(),
  qrUrl: z.string(),
  strategy: z.enum(STRATEGIES),
  pool: liveCodeInput.shape.pool,
  backupUserid: z.string().nullable(),
  skipVerify: z.boolean(),
  tags: z.array(z.string()),
  tagIds: z.array(z.string()),
  welcome: welcomeMessage.nullable(),
  current: z.array(z.string()),
  createdAt: isoDate,
  updatedAt: isoDate,
});
const liveCodeItem = liveCode.extend({ adds: z.number().int(), active: z.number().int() });
const groupView = z.object({ chatId: z.string(), name: z.string(), owner: z.string(), customers: z.number().int(), joinedByCode: z.number().int(), dismissed: z.boolean() });
const groupCode = z.object({
  id: z.string(),
  name: z.string(),
  channel: z.string(),
  channelName: z.string(),
  state: z.string(),
  short: z.string(),
  configId: z.string(),
  qrUrl: z.string(),
  autoCreate: z.boolean(),
  roomBaseName: z.string(),
  roomBaseId: z.number().int(),
  cap: z.number().int(),
  welcome: z.string().nullable(),
  welcomeTemplateId: z.string().nullable(),
  chatIds: z.array(z.string()),
  groups: z.array(groupView),
  createdAt: isoDate,
});
const statsRow = z.object({
  key: z.string(),
  label: z.string(),
  adds: z.number().int(),
  deletes: z.number().int(),
  net: z.number().int(),
  eligible7: z.number().int(),
  retained7: z.number().int(),
  retention7: z.number().nullable(),
});
const staffView = z.object({ userid: z.string(), name: z.string(), department: z.string().nullable(), customers: z.number().int(), addsToday: z.number().int(), deletesToday: z.number().int() });
const groupItem = z.object({
  chatId: z.string(),
  name: z.string(),
  owner: z.string(),
  ownerName: z.string().nullable(),
  customers: z.number().int(),
  codeId: z.string().nullable(),
  joinedByCode: z.number().int(),
  createdAt: isoDate,
  dismissed: z.boolean(),
});
const relation = z.object({
  userid: z.string(),
  staffName: z.string().nullable(),
  externalUserid: z.string(),
  remark: z.string().nullable(),
  description: z.string().nullable(),
  addWay: z.number().int().nullable(),
  state: z.string().nullable(),
  liveCode: z.string().nullable(),
  channel: z.string().nullable(),
  tags: z.array(z.string()),
  addedAt: isoDate,
  deletedAt: isoDate.nullable(),
  deletedBy: z.string().nullable(),
  welcome: z.string().nullable(),
});
const idParams = z.object({ id: z.string().uuid() });
const corpTag = z.object({ tagId: z.string(), name: z.string(), groupId: z.string(), groupName: z.string(), linkedTagId: z.string().nullable() });
const tagLink = z.object({ tagId: z.string(), wecomTagId: z.string(), wecomTagName: z.string(), wecomGroupName: z.string() });
const tags = ['wecom'];

function origin(ctx: Ctx, req: FastifyRequest): string {
  return ctx.config.publicUrl ?? `${req.protocol}://${req.host}`;
}

function startSync(ctx: Ctx, workspaceId: string): void {
  runInBackground(ctx, `wecom-sync:${workspaceId}`, () => syncAll(ctx, workspaceId));
}

/** Console and API routes of the WeCom module, plus its public callback and short-link routes. */
export const wecomRoutes: FastifyPluginAsyncZod<{ ctx: Ctx }> = async (app, { ctx }) => {
  app.get(
    '/api/wecom/settings',
    { config: { permission: 'settings:read' }, schema: { tags, summary: 'The connected corp (secrets are never returned)', response: { 200: z.object({ connected: z.boolean(), settings: settingsView_.nullable() }) } } },
    async (req) => {
      const view = await settingsView(ctx, req.principal.workspace.id);
      return { connected: view !== null, settings: view ? wire(view) : null };
    },
  );

  app.put(
    '/api/wecom/settings',
    {
      config: { permission: 'settings:write' },
      schema: { tags, summary: 'Connect a corp: tests every credential, saves only when all work, then syncs contacts', body: settingsInput, response: { 200: settingsView_ } },
    },
    async (req) => {
      const view = await saveSettings(ctx, req.principal.workspace.id, req.body, { actor: req.principal.actor, requestId: req.id });
      startSync(ctx, req.principal.workspace.id);
      return wire(view);
    },
  );

  app.post(
    '/api/wecom/settings/test',
    {
      config: { permission: 'settings:write' },
      schema: { tags, summary: 'Test credentials without saving; omitted secrets are the stored ones', body: settingsInput, response: { 200: z.object({ ok: z.boolean(), checks: z.array(check) }) } },
    },
    async (req) => {
      const stored = await loadCredentials(ctx, req.principal.workspace.id);
      const b = req.body;
      const contactSecret = b.contactSecret ?? (stored?.corpId === b.corpId ? stored.contactSecret : undefined);
      if (!contactSecret) throw new AppError('validation_failed', 'contactSecret required', [{ path: 'contactSecret', message: 'required' }]);
      const agentSecret = b.agentSecret === undefined ? (stored?.corpId === b.corpId ? stored.agentSecret : null) : b.agentSecret;
      return testConnection(ctx, { corpId: b.corpId, contactSecret, agentId: b.agentId ?? null, agentSecret, token: '', encodingAesKey: '', apiBaseUrl: b.apiBaseUrl });
    },
  );

  app.post('/api/wecom/sync', { config: { permission: 'settings:write' }, schema: { tags, summary: 'Start a full sync of staff, tags, contacts and groups', response: { 202: z.object({ started: z.boolean() }) } } }, async (req, reply) => {
    if (!(await loadCredentials(ctx, req.principal.workspace.id))) throw new AppError('bad_request', 'connect a WeCom corp first');
    startSync(ctx, req.principal.workspace.id);
    return reply.code(202).send({ started: true });
  });

  app.get('/api/wecom/staff', { config: { permission: 'customers:read' }, schema: { tags, summary: 'WeCom staff with customers and today’s adds', response: { 200: z.object({ items: z.array(staffView) }) } } }, async (req) => ({
    items: await listStaff(ctx, req.principal.workspace.id),
  }));

  app.get('/api/wecom/groups', { config: { permission: 'customers:read' }, schema: { tags, summary: 'Customer groups (客户群)', response: { 200: z.object({ items: z.array(groupItem) }) } } }, async (req) => ({
    items: wire(await listGroups(ctx, req.principal.workspace.id)),
  }));

  app.get(
    '/api/wecom/welcome-templates',
    {
      config: { permission: 'customers:read' },
      schema: {
        tags,
        summary: 'Three-element welcome templates (value preview, action prompt, urgency) and the variables',
        response: { 200: z.object({ templates: z.array(z.object({ element: z.enum(['value', 'action', 'urgency']), text: z.string() })), variables: z.array(z.string()) }) },
      },
    },
    async () => ({ templates: WELCOME_TEMPLATES, variables: ['{{客户昵称}}', '{{员工姓名}}', '{{渠道}}'] }),
  );

  app.get('/api/wecom/live-codes', { config: { permission: 'customers:read' }, schema: { tags, summary: 'Channel live codes (渠道活码) with adds', response: { 200: z.object({ items: z.array(liveCodeItem) }) } } }, async (req) => ({
    items: wire(await listLiveCodes(ctx, req.principal.workspace.id)),
  }));
  app.post(
    '/api/wecom/live-codes',
    { config: { permission: 'customers:write' }, schema: { tags, summary: 'Create a channel live code (a 联系我 code in WeCom)', body: liveCodeInput, response: { 201: liveCode } } },
    async (req, reply) => reply.code(201).send(wire(await createLiveCode(ctx, req.principal.workspace.id, req.body, { actor: req.principal.actor, requestId: req.id }))),
  );
  app.get('/api/wecom/live-codes/:id', { config: { permission: 'customers:read' }, schema: { tags, summary: 'One live code', params: idParams, response: { 200: liveCode } } }, async (req) =>
    wire(await getLiveCode(ctx, req.principal.workspace.id, req.params.id)),
  );
  app.put(
    '/api/wecom/live-codes/:id',
    { config: { permission: 'customers:write' }, schema: { tags, summary: 'Change a live code (same QR image)', params: idParams, body: liveCodeInput, response: { 200: liveCode } } },
    async (req) => wire(await updateLiveCode(ctx, req.principal.workspace.id, req.params.id, req.body, { actor: req.principal.actor, requestId: req.id })),
  );
  app.delete('/api/wecom/live-codes/:id', { config: { permission: 'customers:write' }, schema: { tags, summary: 'Delete a live code (and its 联系我 code)', params: idParams } }, async (req, reply) => {
    await deleteLiveCode(ctx, req.principal.workspace.id, req.params.id, { actor: req.principal.actor, requestId: req.id });
    return reply.code(204).send();
  });

  app.get(
    '/api/wecom/stats',
    {
      config: { permission: 'customers:read' },
      schema: { tags, summary: 'Live-code adds, deletes, net and 7-day retention by day, code and staff', querystring: statsQuery, response: { 200: z.object({ byDay: z.array(statsRow), byCode: z.array(statsRow), byStaff: z.array(statsRow) }) } },
    },
    async (req) => liveCodeStats(ctx, req.principal.workspace.id, req.query),
  );

  app.get('/api/wecom/group-codes', { config: { permission: 'customers:read' }, schema: { tags, summary: 'Group live codes (客户群活码)', response: { 200: z.object({ items: z.array(groupCode) }) } } }, async (req) => ({
    items: wire(await listGroupCodes(ctx, req.principal.workspace.id)),
  }));
  app.post(
    '/api/wecom/group-codes',
    { config: { permission: 'customers:write' }, schema: { tags, summary: 'Create a group live code (a 加入群聊 code in WeCom)', body: groupCodeInput, response: { 201: groupCode } } },
    async (req, reply) => reply.code(201).send(wire(await createGroupCode(ctx, req.principal.workspace.id, req.body, { actor: req.principal.actor, requestId: req.id }))),
  );
  app.get('/api/wecom/group-codes/:id', { config: { permission: 'customers:read' }, schema: { tags, summary: 'One group code with its groups', params: idParams, response: { 200: groupCode } } }, async (req) =>
    wire(await getGroupCode(ctx, req.principal.workspace.id, req.params.id)),
  );
  app.delete('/api/wecom/group-codes/:id', { config: { permission: 'customers:write' }, schema: { tags, summary: 'Delete a group code', params: idParams } }, async (req, reply) => {
    await deleteGroupCode(ctx, req.principal.workspace.id, req.params.id, { actor: req.principal.actor, requestId: req.id });
    return reply.code(204).send();
  });

  app.post(
    '/api/wecom/transfers',
    {
      config: { permission: 'customers:write' },
      schema: {
        tags,
        summary: 'Hand customers to another staff member (在职继承 / 离职继承); all current customers when none are listed',
        body: transferInput,
        response: { 200: z.object({ items: z.array(z.object({ externalUserid: z.string(), ok: z.boolean(), errcode: z.number().int(), message: z.string() })) }) },
      },
    },
    async (req) => ({ items: await startTransfer(ctx, req.principal.workspace.id, req.body, { actor: req.principal.actor, requestId: req.id }) }),
  );
  app.get(
    '/api/wecom/transfers',
    {
      config: { permission: 'customers:read' },
      schema: {
        tags,
        summary: 'Handover results from WeCom (done, waiting, refused …); completed ones move the relation',
        querystring: transferQuery,
        response: { 200: z.object({ items: z.array(z.object({ externalUserid: z.string(), status: z.string(), takeoverAt: isoDate.nullable() })) }) },
      },
    },
    async (req) => ({ items: wire(await transferStatus(ctx, req.principal.workspace.id, req.query)) }),
  );

  const anyCode = async (workspaceId: string, id: string) => (await codeRow(ctx, workspaceId, id, 'contact').catch(() => codeRow(ctx, workspaceId, id, 'group')));
  app.get('/api/wecom/codes/:id/qr.png', { config: { permission: 'customers:read' }, schema: { tags, summary: 'QR image of the code’s short link', params: idParams } }, async (req, reply) => {
    const code = await anyCode(req.principal.workspace.id, req.params.id);
    return reply.type('image/png').send(await qrPng(`${origin(ctx, req)}/s/${code.short}`));
  });
  app.get('/api/wecom/codes/:id/poster.svg', { config: { permission: 'customers:read' }, schema: { tags, summary: 'Printable poster with the code', params: idParams } }, async (req, reply) => {
    const code = await anyCode(req.principal.workspace.id, req.params.id);
    const channelName = (code.config as { channelName?: string }).channelName ?? code.channel;
    return reply
      .type('image/svg+xml')
      .header('content-disposition', `attachment; filename="poster-${code.short}.svg"`)
      .send(await posterSvg(code.name, `${channelName}专属福利`, `${origin(ctx, req)}/s/${code.short}`));
  });
  app.get(
    '/api/wecom/codes/:id/clicks',
    { config: { permission: 'customers:read' }, schema: { tags, summary: 'Short-link opens by day and channel tag', params: idParams, response: { 200: z.object({ items: z.array(z.object({ day: z.string(), ch: z.string(), clicks: z.number().int() })) }) } } },
    async (req) => {
      await anyCode(req.principal.workspace.id, req.params.id);
      return { items: await clickStats(ctx, req.principal.workspace.id, req.params.id) };
    },
  );

  app.get(
    '/api/wecom/customers/:id/relations',
    { config: { permission: 'customers:read' }, schema: { tags, summary: 'Staff relations of a customer (remark, add time and way, state, tags)', params: z.object({ id: z.string().uuid() }), response: { 200: z.object({ items: z.array(relation) }) } } },
    async (req) => ({ items: wire(await customerRelations(ctx, req.principal.workspace.id, req.params.id, can(req.principal, 'pii:read'))) }),
  );

  const tagParams = z.object({ id: z.string().uuid() });
  const by = (req: { principal: { actor: Actor }; id: string }) => ({ actor: req.principal.actor, requestId: req.id });
  app.get(
    '/api/wecom/corp-tags',
    { config: { permission: 'customers:read' }, schema: { tags, summary: 'Corp tags (企业客户标签) as last synced from WeCom', response: { 200: z.object({ items: z.array(corpTag) }) } } },
    async (req) => ({ items: await listCorpTagRows(ctx, req.principal.workspace.id) }),
  );
  app.put(
    '/api/tags/:id/wecom',
    {
      config: { permission: 'customers:write' },
      schema: {
        tags,
        summary: 'Link a Siyu tag to a WeCom corp tag (or create one of the same name); linked tags are kept in sync on every relation',
        params: tagParams,
        body: z.union([z.object({ wecomTagId: z.string().min(1).max(64) }).strict(), z.object({ create: z.literal(true) }).strict()]),
        response: { 200: tagLink },
      },
    },
    async (req) => linkWecomTag(ctx, req.principal.workspace.id, req.params.id, req.body, by(req)),
  );
  app.delete('/api/tags/:id/wecom', { config: { permission: 'customers:write' }, schema: { tags, summary: 'Stop syncing a tag with WeCom (the corp tag stays in WeCom)', params: tagParams } }, async (req, reply) => {
    await unlinkWecomTag(ctx, req.principal.workspace.id, req.params.id, by(req));
    return reply.code(204).send();
  });
  app.post(
    '/api/wecom/corp-tags/push',
    { config: { permission: 'customers:write' }, schema: { tags, summary: 'Push linked tags to every relation now (the worker does it every half minute)', response: { 200: z.object({ relations: z.number().int(), marked: z.number().int(), failed: z.number().int() }) } } },
    async (req) => {
      if (!(await loadCredentials(ctx, req.principal.workspace.id))) throw new AppError('bad_request', 'connect a WeCom corp first');
      return pushTags(ctx, req.principal.workspace.id);
    },
  );

  // Public: WeCom calls back here; WeChat users open the short links.
  await app.register(async (scope) => {
    const pub = scope.withTypeProvider<ZodTypeProvider>();
    pub.addContentTypeParser('*', { parseAs: 'string', bodyLimit: 256 * 1024 }, (_req, body, done) => done(null, body));
    const params = z.object({ workspace: z.string().min(1).max(40) });
    pub.get('/wecom/:workspace/callback', { config: { public: true }, schema: { hide: true, params, querystring: callbackQuery } }, async (req, reply) =>
      reply.type('text/plain').send(await verifyCallbackUrl(ctx, req.params.workspace, req.query)),
    );
    // No rate limit: WeCom retries what it cannot deliver, and the signature guards the route.
    pub.post('/wecom/:workspace/callback', { config: { public: true, rateLimit: false }, schema: { hide: true, params, querystring: callbackQuery } }, async (req, reply) => {
      await acceptCallback(ctx, req.params.workspace, req.query, typeof req.body === 'string' ? req.body : '');
      return reply.type('text/plain').send('success');
    });
    pub.get(
      '/s/:short',
      { config: { public: true }, schema: { hide: true, params: z.object({ short: z.string().regex(/^[A-Za-z0-9]{4,16}$/) }), querystring: z.object({ ch: z.string().regex(/^[\w-]{1,32}$/).optional() }) } },
      async (req, reply) => {
        const landing = await findByShort(ctx, req.params.short);
        if (!landing) throw new AppError('not_found', 'this link does not exist or has ended');
        await countClick(ctx, landing, req.query.ch ?? 'direct');
        return reply.type('text/html; charset=utf-8').header('cache-control', 'no-store').send(landingPage(landing));
      },
    );
  });
};
