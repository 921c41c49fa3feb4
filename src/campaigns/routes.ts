import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { Ctx } from '../store/index.js';
import type { Actor } from '../audit/index.js';
import { isoDate, pageQuery, wire } from '../api/wire.js';
import {
  approveCampaign,
  type Campaign,
  cancelCampaign,
  createCampaign,
  deleteCampaign,
  getCampaign,
  listCampaigns,
  rejectCampaign,
  sendCampaign,
  submitCampaign,
  updateCampaign,
} from './campaigns.js';
import { campaignInput, campaignSchedule, campaignVariant } from './model.js';
import { CAMPAIGN_STATUSES } from './schema.js';

export const campaignView = z
  .object({
    id: z.string(),
    name: z.string(),
    description: z.string(),
    segmentId: z.string(),
    channel: z.string(),
    variants: z.array(campaignVariant),
    holdoutPercent: z.number().int(),
    schedule: campaignSchedule,
    golden: z.boolean(),
    attributionDays: z.number().int(),
    status: z.enum(CAMPAIGN_STATUSES),
    createdAt: isoDate,
    createdBy: z.object({ id: z.string().nullable(), name: z.string().nullable() }),
    updatedAt: isoDate,
    submittedAt: isoDate.nullable(),
    submittedBy: z.string().nullable(),
    approvedAt: isoDate.nullable(),
    approvedBy: z.string().nullable(),
    rejectedAt: isoDate.nullable(),
    rejectedBy: z.string().nullable(),
    rejectReason: z.string().nullable(),
    dueAt: isoDate.nullable(),
    startedAt: isoDate.nullable(),
    sentAt: isoDate.nullable(),
    cancelledAt: isoDate.nullable(),
    cancelledBy: z.string().nullable(),
    recipients: z.number().int(),
  })
  .meta({ id: 'Campaign' });

const idParams = z.object({ id: z.string().uuid() });
const by = (req: { principal: { actor: Actor }; id: string }) => ({ actor: req.principal.actor, requestId: req.id });
const view = (c: Campaign) => wire(c);
const tags = ['campaigns'];

/** /api/campaigns: drafts, approval, release and cancel. The report is served by src/reports. */
export const campaignRoutes: FastifyPluginAsyncZod<{ ctx: Ctx }> = async (app, { ctx }) => {
  app.get(
    '/api/campaigns',
    {
      config: { permission: 'customers:read' },
      schema: { tags, summary: 'Campaigns, newest first', querystring: pageQuery.extend({ status: z.enum(CAMPAIGN_STATUSES).optional() }), response: { 200: z.object({ items: z.array(campaignView), nextCursor: z.string().nullable() }) } },
    },
    async (req) => {
      const page = await listCampaigns(ctx, req.principal.workspace.id, req.query);
      return { items: page.items.map(view), nextCursor: page.nextCursor };
    },
  );
  app.post(
    '/api/campaigns',
    { config: { permission: 'campaigns:write' }, schema: { tags, summary: 'Draft a campaign', body: campaignInput, response: { 201: campaignView } } },
    async (req, reply) => reply.code(201).send(view(await createCampaign(ctx, req.principal, req.body, by(req)))),
  );
  app.get(
    '/api/campaigns/:id',
    { config: { permission: 'customers:read' }, schema: { tags, summary: 'One campaign', params: idParams, response: { 200: campaignView } } },
    async (req) => view(await getCampaign(ctx, req.principal.workspace.id, req.params.id)),
  );
  app.put(
    '/api/campaigns/:id',
    { config: { permission: 'campaigns:write' }, schema: { tags, summary: 'Edit a draft (a rejected campaign becomes a draft again)', params: idParams, body: campaignInput, response: { 200: campaignView } } },
    async (req) => view(await updateCampaign(ctx, req.principal, req.params.id, req.body, by(req))),
  );
  app.delete(
    '/api/campaigns/:id',
    { config: { permission: 'campaigns:write' }, schema: { tags, summary: 'Delete a draft or rejected campaign', params: idParams } },
    async (req, reply) => {
      await deleteCampaign(ctx, req.principal, req.params.id, by(req));
      return reply.code(204).send();
    },
  );
  app.post(
    '/api/campaigns/:id/submit',
    { config: { permission: 'campaigns:write' }, schema: { tags, summary: 'Submit a draft for approval', params: idParams, response: { 200: campaignView } } },
    async (req) => view(await submitCampaign(ctx, req.principal, req.params.id, by(req))),
  );
  app.post(
    '/api/campaigns/:id/approve',
    {
      config: { permission: 'campaigns:approve' },
      schema: { tags, summary: 'Approve a submitted campaign (owner or admin; not its own author unless owner)', params: idParams, response: { 200: campaignView } },
    },
    async (req) => view(await approveCampaign(ctx, req.principal, req.params.id, by(req))),
  );
  app.post(
    '/api/campaigns/:id/reject',
    {
      config: { permission: 'campaigns:approve' },
      schema: { tags, summary: 'Reject a submitted campaign with a reason', params: idParams, body: z.object({ reason: z.string().trim().min(1).max(1000) }), response: { 200: campaignView } },
    },
    async (req) => view(await rejectCampaign(ctx, req.principal, req.params.id, req.body.reason, by(req))),
  );
  app.post(
    '/api/campaigns/:id/send',
    {
      config: { permission: 'campaigns:write' },
      schema: {
        tags,
        summary: 'Release an approved campaign: sent at its scheduled time, or at once',
        params: idParams,
        body: z.object({ now: z.boolean().optional().describe('send now even if a later time was scheduled') }).nullish(),
        response: { 200: campaignView },
      },
    },
    async (req) => view(await sendCampaign(ctx, req.principal, req.params.id, { now: req.body?.now }, by(req))),
  );
  app.post(
    '/api/campaigns/:id/cancel',
    { config: { permission: 'campaigns:write' }, schema: { tags, summary: 'Cancel: nothing more is queued', params: idParams, response: { 200: campaignView } } },
    async (req) => view(await cancelCampaign(ctx, req.principal, req.params.id, by(req))),
  );
};
