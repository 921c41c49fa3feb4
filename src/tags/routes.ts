import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { AppError } from '../core/index.js';
import type { Ctx } from '../store/index.js';
import type { Actor } from '../audit/index.js';
import { isoDate, pageQuery, wire } from '../api/wire.js';
import { audienceMembers, exportMembersCsv, memberView, refreshRuleTag, rule } from '../segments/index.js';
import { addTag, customerTags, importTagCsv, removeTag, tagHistory, tagTargets } from './assign.js';
import { createTag, createTagGroup, deleteTag, getTag, listTagGroups, type Tag, tagGroupInput, tagInput, updateTag } from './model.js';

const tagView = z.object({
  id: z.string(),
  groupId: z.string(),
  name: z.string(),
  kind: z.enum(['manual', 'rule']),
  rule: rule.nullable(),
  refreshMinutes: z.number().int().nullable(),
  members: z.number().int(),
  refreshedAt: isoDate.nullable(),
  wecomTagId: z.string().nullable().describe('the WeCom corp tag this tag syncs with'),
});
const groupView = z.object({ id: z.string(), name: z.string(), exclusive: z.boolean(), position: z.number().int(), tags: z.array(tagView) });
const runView = z.object({ runId: z.string(), entered: z.number().int(), exited: z.number().int(), changed: z.number().int() });
const changeView = z.object({ customerId: z.string(), tagId: z.string(), added: z.boolean(), at: isoDate, source: z.string().describe('manual, import, segment:<name>, rule, exclusive:<tag>'), actor: z.string() });
const idParams = z.object({ id: z.string().max(100) });

/** Dates as ISO strings; the rule passes as it is. */
const view = (t: Tag) => ({ ...t, refreshedAt: t.refreshedAt?.toISOString() ?? null });
const by = (req: { principal: { actor: Actor }; id: string }) => ({ actor: req.principal.actor, requestId: req.id });

export const tagRoutes: FastifyPluginAsyncZod<{ ctx: Ctx }> = async (app, { ctx }) => {
  app.get(
    '/api/tag-groups',
    { config: { permission: 'customers:read' }, schema: { tags: ['tags'], summary: 'Tag groups with their tags', response: { 200: z.object({ items: z.array(groupView) }) } } },
    async (req) => ({ items: (await listTagGroups(ctx, req.principal.workspace.id)).map((g) => ({ ...g, tags: g.tags.map(view) })) }),
  );
  app.post(
    '/api/tag-groups',
    { config: { permission: 'customers:write' }, schema: { tags: ['tags'], summary: 'Create a tag group', body: tagGroupInput, response: { 201: groupView } } },
    async (req, reply) => reply.code(201).send({ ...(await createTagGroup(ctx, req.principal.workspace.id, req.body, by(req))), tags: [] }),
  );
  app.post(
    '/api/tags',
    { config: { permission: 'customers:write' }, schema: { tags: ['tags'], summary: 'Create a manual tag, or a rule tag (computed at once)', body: tagInput, response: { 201: tagView } } },
    async (req, reply) => reply.code(201).send(view(await createTag(ctx, req.principal.workspace, req.body, by(req)))),
  );
  app.get(
    '/api/tags/:id',
    { config: { permission: 'customers:read' }, schema: { tags: ['tags'], summary: 'One tag', params: idParams, response: { 200: tagView } } },
    async (req) => view(await getTag(ctx, req.principal.workspace.id, req.params.id)),
  );
  app.put(
    '/api/tags/:id',
    { config: { permission: 'customers:write' }, schema: { tags: ['tags'], summary: 'Rename, move or change the rule of a tag', params: idParams, body: tagInput, response: { 200: tagView } } },
    async (req) => view(await updateTag(ctx, req.principal.workspace, req.params.id, req.body, by(req))),
  );
  app.delete(
    '/api/tags/:id',
    { config: { permission: 'customers:write' }, schema: { tags: ['tags'], summary: 'Delete a tag no rule uses', params: idParams } },
    async (req, reply) => {
      await deleteTag(ctx, req.principal.workspace, req.params.id, by(req));
      return reply.code(204).send();
    },
  );
  app.post(
    '/api/tags/:id/add',
    { config: { permission: 'customers:write' }, schema: { tags: ['tags'], summary: 'Tag customers, or every member of a segment', params: idParams, body: tagTargets, response: { 200: runView } } },
    (req) => addTag(ctx, req.principal.workspace, req.params.id, req.body, by(req)),
  );
  app.post(
    '/api/tags/:id/remove',
    { config: { permission: 'customers:write' }, schema: { tags: ['tags'], summary: 'Untag customers, or every member of a segment', params: idParams, body: tagTargets, response: { 200: runView } } },
    (req) => removeTag(ctx, req.principal.workspace, req.params.id, req.body, by(req)),
  );
  app.post(
    '/api/tags/:id/import',
    {
      config: { permission: 'customers:write' },
      schema: {
        tags: ['tags'],
        summary: 'Tag the customers of a CSV (first column: customer id, phone or member id)',
        params: idParams,
        body: z.object({ csv: z.string().min(1).max(5_000_000) }),
        response: { 200: runView.extend({ matched: z.number().int(), unmatched: z.array(z.object({ line: z.number().int(), value: z.string() })) }) },
      },
      bodyLimit: 6 * 1024 * 1024,
    },
    (req) => importTagCsv(ctx, req.principal.workspace, req.params.id, req.body.csv, by(req)),
  );
  app.post(
    '/api/tags/:id/refresh',
    { config: { permission: 'customers:write' }, schema: { tags: ['tags'], summary: 'Recompute a rule tag now', params: idParams, response: { 200: runView } } },
    async (req) => {
      const tag = await getTag(ctx, req.principal.workspace.id, req.params.id);
      if (tag.kind !== 'rule') throw new AppError('conflict', `"${tag.name}" is a manual tag`);
      return refreshRuleTag(ctx, req.principal.workspace, tag.id);
    },
  );
  app.get(
    '/api/tags/:id/members',
    { config: { permission: 'customers:read' }, schema: { tags: ['tags'], summary: 'Customers with the tag', params: idParams, querystring: pageQuery, response: { 200: z.object({ items: z.array(memberView), nextCursor: z.string().nullable() }) } } },
    async (req) => {
      const tag = await getTag(ctx, req.principal.workspace.id, req.params.id);
      return wire(await audienceMembers(ctx, req.principal, `tag:${tag.id}`, req.query));
    },
  );
  app.get(
    '/api/tags/:id/export',
    { config: { permission: 'customers:read' }, schema: { tags: ['tags'], summary: 'Customers with the tag as CSV', params: idParams, produces: ['text/csv'] } },
    async (req, reply) => {
      const tag = await getTag(ctx, req.principal.workspace.id, req.params.id);
      return reply.type('text/csv; charset=utf-8').header('content-disposition', `attachment; filename="tag-${tag.id}.csv"`).send(exportMembersCsv(ctx, req.principal, `tag:${tag.id}`));
    },
  );
  app.get(
    '/api/tags/:id/history',
    { config: { permission: 'customers:read' }, schema: { tags: ['tags'], summary: 'Who or which rule added and removed the tag, newest first', params: idParams, response: { 200: z.object({ items: z.array(changeView) }) } } },
    async (req) => {
      const tag = await getTag(ctx, req.principal.workspace.id, req.params.id);
      return { items: wire(await tagHistory(ctx, req.principal.workspace.id, { tagId: tag.id })) };
    },
  );
  app.get(
    '/api/customers/:id/tags',
    {
      config: { permission: 'customers:read' },
      schema: {
        tags: ['tags'],
        summary: 'The tags of a customer and their history',
        params: idParams,
        response: { 200: z.object({ tags: z.array(z.object({ id: z.string(), name: z.string(), kind: z.enum(['manual', 'rule']), groupName: z.string(), since: isoDate })), history: z.array(changeView) }) },
      },
    },
    async (req) => wire(await customerTags(ctx, req.principal.workspace.id, req.params.id)),
  );
};
