import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { Ctx } from '../store/index.js';
import { isoDate, pageQuery, wire } from '../api/wire.js';
import { describeCatalog, loadCatalog } from './catalog.js';
import { audienceMembers, exportMembersCsv, previewRule } from './members.js';
import { syncProfiles } from './profiles.js';
import { rule } from './rules.js';
import { createSegment, deleteSegment, getSegment, listSegments, refreshSegment, type Segment, segmentInput, updateSegment } from './segments.js';

const card = z.object({ id: z.string(), name: z.string().nullable(), phone: z.string().nullable(), city: z.string().nullable(), channel: z.string().nullable() });
export const memberView = card.extend({ since: isoDate.describe('when the customer got in') });
export const previewView = z.object({ count: z.number().int(), sample: z.array(card) });
const segmentView = z.object({
  id: z.string(),
  name: z.string(),
  description: z.string(),
  rule,
  refreshMinutes: z.number().int(),
  members: z.number().int(),
  refreshedAt: isoDate.nullable(),
  createdAt: isoDate,
  createdBy: z.string().nullable(),
  updatedAt: isoDate,
});
const runView = z.object({ runId: z.string(), entered: z.number().int(), exited: z.number().int(), changed: z.number().int() });
const fieldOps = z.object({ key: z.string(), type: z.enum(['string', 'number', 'boolean', 'date']), ops: z.array(z.string()) });
const idParams = z.object({ id: z.string().max(100) });
/** Dates as ISO strings; the rule passes as it is (wire() would rebuild its recursive type). */
const view = (s: Segment) => ({ ...s, refreshedAt: s.refreshedAt?.toISOString() ?? null, createdAt: s.createdAt.toISOString(), updatedAt: s.updatedAt.toISOString() });
const by = (req: { principal: { actor: import('../audit/index.js').Actor }; id: string }) => ({ actor: req.principal.actor, requestId: req.id });

export const segmentCrudRoutes: FastifyPluginAsyncZod<{ ctx: Ctx }> = async (app, { ctx }) => {
  app.get(
    '/api/segments/fields',
    {
      config: { permission: 'customers:read' },
      schema: {
        tags: ['segments'],
        summary: 'What rules can use: traits and computed traits with their operators, tags, segments, stages and tiers',
        response: {
          200: z.object({
            traits: z.array(fieldOps),
            computed: z.array(fieldOps),
            tags: z.array(z.object({ id: z.string(), name: z.string(), groupName: z.string() })),
            segments: z.array(z.object({ id: z.string(), name: z.string() })),
            lifecycleStages: z.array(z.string()),
            ltvTiers: z.array(z.string()),
          }),
        },
      },
    },
    async (req) => {
      await syncProfiles(ctx, req.principal.workspace.id);
      return describeCatalog(await loadCatalog(ctx, req.principal.workspace.id));
    },
  );
  app.post(
    '/api/segments/preview',
    {
      config: { permission: 'customers:read' },
      schema: { tags: ['segments'], summary: 'Live count and sample customers of a rule, without saving it', body: z.object({ rule }), response: { 200: previewView } },
    },
    async (req) => wire(await previewRule(ctx, req.principal, req.body.rule)),
  );
  app.get(
    '/api/segments',
    { config: { permission: 'customers:read' }, schema: { tags: ['segments'], summary: 'Segments, newest first', response: { 200: z.object({ items: z.array(segmentView) }) } } },
    async (req) => ({ items: (await listSegments(ctx, req.principal.workspace.id)).map(view) }),
  );
  app.post(
    '/api/segments',
    {
      config: { permission: 'customers:write' },
      schema: { tags: ['segments'], summary: 'Create a segment; its membership is computed at once', body: segmentInput, response: { 201: segmentView } },
    },
    async (req, reply) => reply.code(201).send(view(await createSegment(ctx, req.principal.workspace, req.body, by(req)))),
  );
  app.get(
    '/api/segments/:id',
    { config: { permission: 'customers:read' }, schema: { tags: ['segments'], summary: 'One segment', params: idParams, response: { 200: segmentView } } },
    async (req) => view(await getSegment(ctx, req.principal.workspace.id, req.params.id)),
  );
  app.put(
    '/api/segments/:id',
    { config: { permission: 'customers:write' }, schema: { tags: ['segments'], summary: 'Change a segment; membership is recomputed', params: idParams, body: segmentInput, response: { 200: segmentView } } },
    async (req) => view(await updateSegment(ctx, req.principal.workspace, req.params.id, req.body, by(req))),
  );
  app.delete(
    '/api/segments/:id',
    { config: { permission: 'customers:write' }, schema: { tags: ['segments'], summary: 'Delete a segment no other rule uses', params: idParams } },
    async (req, reply) => {
      await deleteSegment(ctx, req.principal.workspace, req.params.id, by(req));
      return reply.code(204).send();
    },
  );
  app.post(
    '/api/segments/:id/refresh',
    { config: { permission: 'customers:write' }, schema: { tags: ['segments'], summary: 'Recompute membership now (enter/exit events for the changes)', params: idParams, response: { 200: runView } } },
    async (req) => {
      await getSegment(ctx, req.principal.workspace.id, req.params.id);
      return refreshSegment(ctx, req.principal.workspace, req.params.id);
    },
  );
  app.get(
    '/api/segments/:id/members',
    {
      config: { permission: 'customers:read' },
      schema: { tags: ['segments'], summary: 'Members, by customer id', params: idParams, querystring: pageQuery, response: { 200: z.object({ items: z.array(memberView), nextCursor: z.string().nullable() }) } },
    },
    async (req) => {
      await getSegment(ctx, req.principal.workspace.id, req.params.id);
      return wire(await audienceMembers(ctx, req.principal, `segment:${req.params.id}`, req.query));
    },
  );
  app.get(
    '/api/segments/:id/export',
    {
      config: { permission: 'customers:read' },
      schema: { tags: ['segments'], summary: 'All members as CSV (names and phones masked unless the role may read personal data)', params: idParams, produces: ['text/csv'] },
    },
    async (req, reply) => {
      const seg = await getSegment(ctx, req.principal.workspace.id, req.params.id);
      return reply
        .type('text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="segment-${seg.id}.csv"; filename*=UTF-8''${encodeURIComponent(seg.name)}.csv`)
        .send(exportMembersCsv(ctx, req.principal, `segment:${seg.id}`));
    },
  );
};
