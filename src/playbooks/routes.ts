import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { Ctx } from '../store/index.js';
import { CHANNELS } from '../journeys/index.js';
import { installPlaybook, listPlaybooks } from './install.js';

const templateView = z.object({
  key: z.string(),
  name: z.string(),
  description: z.string(),
  triggerKind: z.string(),
  triggerSummary: z.string(),
  steps: z.number().int().describe('number of steps'),
  goal: z.object({ event: z.string(), withinDays: z.number().int() }).nullable(),
  requires: z.array(z.enum(['wecom', 'groupCode', 'events', 'traits'])).describe('what the workspace needs for the journey to reach anyone'),
  relies: z.object({ events: z.array(z.string()), traits: z.array(z.string()) }),
  creates: z.object({
    messageTemplates: z.array(z.object({ name: z.string(), channel: z.enum(CHANNELS), text: z.string() })),
    tags: z.array(z.object({ group: z.string(), name: z.string() })),
    segments: z.array(z.object({ name: z.string(), description: z.string() })),
    coupons: z.array(z.object({ couponKey: z.string(), name: z.string(), amountFen: z.number().int(), thresholdFen: z.number().int(), validDays: z.number().int() })),
  }),
  installed: z.string().nullable().describe('the journey it is installed as (not archived), if any'),
});

const installQuery = z.object({ publish: z.enum(['true', 'false']).optional().describe('go live at once') });
const installBody = z
  .object({ groupCodeId: z.string().max(100).optional().describe("the group live code to invite to (default: the workspace's oldest)"), publish: z.boolean().optional() })
  .strict()
  .nullish();

/** Playbook templates: GET /api/journeys/templates and POST /api/journeys/templates/:key/install. */
export const playbookRoutes: FastifyPluginAsyncZod<{ ctx: Ctx }> = async (app, { ctx }) => {
  app.get(
    '/api/journeys/templates',
    { config: { permission: 'customers:read' }, schema: { tags: ['journeys'], summary: 'The shipped playbook templates (模板库)', response: { 200: z.object({ items: z.array(templateView) }) } } },
    async (req) => ({ items: await listPlaybooks(ctx, req.principal.workspace.id) }),
  );
  app.post(
    '/api/journeys/templates/:key/install',
    {
      config: { permission: 'customers:write' },
      schema: {
        tags: ['journeys'],
        summary: 'Install a template: its message templates, tags and segments (reused by name) and the journey, a draft or live with ?publish=true. 409 when installed already (archive the journey to install again).',
        params: z.object({ key: z.string().max(100) }),
        querystring: installQuery,
        body: installBody,
      },
    },
    async (req, reply) => {
      const publish = req.query.publish === 'true' || req.body?.publish === true;
      const { journey, items } = await installPlaybook(ctx, req.principal.workspace, req.params.key, { publish, groupCodeId: req.body?.groupCodeId }, { actor: req.principal.actor, requestId: req.id });
      return reply.code(201).send({ ...journey, items });
    },
  );
};
