import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { Ctx } from '../store/index.js';
import { pageQuery, wire } from '../api/wire.js';
import { type LayerKind, LEVEL_ORDER, layerSettings, layerSummary, loadLayer, refreshLayer, saveLayer } from './layers.js';
import { audienceMembers, exportMembersCsv } from './members.js';
import { memberView } from './segment-routes.js';

const TITLES: Record<LayerKind, string> = { lifecycle: 'lifecycle stages', ltv: 'LTV tiers' };

export const layerRoutes: FastifyPluginAsyncZod<{ ctx: Ctx }> = async (app, { ctx }) => {
  for (const kind of ['lifecycle', 'ltv'] as const) {
    const tags = [kind];
    const levelKey = z.enum(LEVEL_ORDER[kind] as [string, ...string[]]);
    app.get(
      `/api/${kind}/settings`,
      { config: { permission: 'settings:read' }, schema: { tags, summary: `Rules of the ${TITLES[kind]}, in the order they are checked`, response: { 200: layerSettings[kind] } } },
      (req) => loadLayer(ctx, req.principal.workspace.id, kind),
    );
    app.put(
      `/api/${kind}/settings`,
      {
        config: { permission: 'settings:write' },
        schema: { tags, summary: `Change the ${TITLES[kind]} (every customer is re-evaluated; changes become events)`, body: layerSettings[kind], response: { 200: layerSettings[kind] } },
      },
      (req) => saveLayer(ctx, req.principal.workspace, kind, req.body, { actor: req.principal.actor, requestId: req.id }),
    );
    app.get(
      `/api/${kind}/summary`,
      {
        config: { permission: 'customers:read' },
        schema: {
          tags,
          summary: `Customers in each of the ${TITLES[kind]}`,
          response: {
            200: z.object({
              kind: z.enum(['lifecycle', 'ltv']),
              customers: z.number().int(),
              levels: z.array(z.object({ key: z.string(), name: z.string(), groupType: z.string().nullable(), customers: z.number().int(), share: z.number() })),
            }),
          },
        },
      },
      (req) => layerSummary(ctx, req.principal.workspace, kind),
    );
    app.post(
      `/api/${kind}/refresh`,
      {
        config: { permission: 'customers:write' },
        schema: { tags, summary: `Re-evaluate every customer now`, response: { 200: z.object({ runId: z.string(), entered: z.number().int(), exited: z.number().int(), changed: z.number().int() }) } },
      },
      (req) => refreshLayer(ctx, req.principal.workspace, kind),
    );
    app.get(
      `/api/${kind}/members`,
      {
        config: { permission: 'customers:read' },
        schema: { tags, summary: 'Customers at one level', querystring: pageQuery.extend({ level: levelKey }), response: { 200: z.object({ items: z.array(memberView), nextCursor: z.string().nullable() }) } },
      },
      async (req) => wire(await audienceMembers(ctx, req.principal, kind, { ...req.query, value: req.query.level })),
    );
    app.get(
      `/api/${kind}/export`,
      { config: { permission: 'customers:read' }, schema: { tags, summary: 'Customers at one level as CSV', querystring: z.object({ level: levelKey }), produces: ['text/csv'] } },
      (req, reply) =>
        reply
          .type('text/csv; charset=utf-8')
          .header('content-disposition', `attachment; filename="${kind}-${req.query.level}.csv"`)
          .send(exportMembersCsv(ctx, req.principal, kind, req.query.level)),
    );
  }
};
