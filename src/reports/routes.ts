import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { Ctx } from '../store/index.js';
import { isoDate, wire } from '../api/wire.js';
import { campaignReport } from './campaign.js';
import { customerPath, journeyAnalytics } from './journeys.js';

const ci = z.array(z.number()).nullable().describe('[low, high]');
const proportion = z.object({ n: z.number().int(), conversions: z.number().int(), rate: z.number().nullable() });
const conversionLift = z.object({
  treated: proportion,
  control: proportion,
  difference: z.number().nullable().describe('treated rate − control rate'),
  differenceCi: ci.describe('95% interval of the difference (two-proportion normal approximation)'),
  relativeLift: z.number().nullable().describe('treated rate / control rate − 1'),
  relativeLiftCi: ci.describe('95% interval of the relative lift (Katz log interval)'),
  significant: z.boolean(),
});
const meanLift = z.object({ treated: z.number().nullable(), control: z.number().nullable(), difference: z.number().nullable(), differenceCi: ci });
const group = z.object({
  recipients: z.number().int(),
  sent: z.number().int(),
  delivered: z.number().int(),
  failed: z.number().int(),
  pending: z.number().int().describe('queued, deferred or being sent'),
  suppressed: z.number().int(),
  suppressedByReason: z.record(z.string(), z.number().int()),
  clicked: z.number().int(),
  converted: z.number().int(),
  conversionRate: z.number().nullable(),
  revenueFen: z.number(),
  revenuePerRecipientFen: z.number().nullable(),
});
export const campaignReportView = z
  .object({
    campaignId: z.string(),
    status: z.string(),
    attributionDays: z.number().int(),
    window: z.object({ from: isoDate, to: isoDate }).nullable(),
    all: group,
    treated: group,
    holdout: group.nullable(),
    variants: z.array(group.extend({ key: z.string(), templateId: z.string(), weight: z.number() })),
    lift: z.object({ conversion: conversionLift, revenuePerRecipientFen: meanLift }).nullable(),
  })
  .meta({ id: 'CampaignReport' });

const stepCounts = z.object({ entered: z.number().int(), waiting: z.number().int(), passed: z.number().int(), exited: z.number().int(), converted: z.number().int(), failed: z.number().int() });
const arm = z.object({ runs: z.number().int(), converted: z.number().int(), conversionRate: z.number().nullable(), revenueFen: z.number(), revenuePerRunFen: z.number().nullable() });
const comparison = z.object({ treated: arm, holdout: arm, lift: z.object({ conversion: conversionLift, revenuePerRunFen: meanLift }) });
export const journeyAnalyticsView = z
  .object({
    journeyId: z.string(),
    version: z.number().int().nullable(),
    steps: z.record(z.string(), stepCounts),
    totals: z.object({ runs: z.number().int(), byStatus: z.record(z.string(), z.number().int()) }),
    comparison,
    versions: z.array(comparison.extend({ version: z.number().int() })),
  })
  .meta({ id: 'JourneyAnalytics' });
export const customerPathView = z.object({
  journeyId: z.string(),
  customerId: z.string(),
  runs: z.array(
    z.object({
      id: z.string(),
      version: z.number().int(),
      status: z.string(),
      holdout: z.boolean(),
      arm: z.string().nullable(),
      stepId: z.string().nullable(),
      enteredAt: isoDate,
      finishedAt: isoDate.nullable(),
      exitReason: z.string().nullable(),
      convertedAt: isoDate.nullable(),
      conversionValueFen: z.number().nullable(),
      steps: z.array(z.object({ stepId: z.string(), seq: z.number().int(), enteredAt: isoDate, leftAt: isoDate.nullable(), outcome: z.string().nullable() })),
      messages: z.array(
        z.object({
          id: z.string(),
          stepId: z.string().nullable(),
          channel: z.string(),
          templateId: z.string(),
          status: z.string(),
          reason: z.string().nullable(),
          createdAt: isoDate,
          sentAt: isoDate.nullable(),
          deliveredAt: isoDate.nullable(),
          clickedAt: isoDate.nullable(),
        }),
      ),
    }),
  ),
});

/** Reports: the campaign report and journey analytics (the journeys engine owns the other /api/journeys/:id routes). */
export const reportRoutes: FastifyPluginAsyncZod<{ ctx: Ctx }> = async (app, { ctx }) => {
  app.get(
    '/api/campaigns/:id/report',
    {
      config: { permission: 'dashboard:read' },
      schema: {
        tags: ['campaigns'],
        summary: 'Sent, delivered, failed, suppressed, clicked, converted and revenue per variant, and lift vs the holdout with 95% intervals',
        params: z.object({ id: z.string().uuid() }),
        response: { 200: campaignReportView },
      },
    },
    async (req) => wire(await campaignReport(ctx, req.principal.workspace.id, req.params.id)),
  );
  app.get(
    '/api/journeys/:id/analytics',
    {
      config: { permission: 'dashboard:read' },
      schema: {
        tags: ['journeys'],
        summary: 'Per-step counts, run totals, and conversion and revenue of treated vs holdout with 95% intervals, overall and by version',
        params: z.object({ id: z.string().uuid() }),
        querystring: z.object({ version: z.coerce.number().int().min(1).optional() }),
        response: { 200: journeyAnalyticsView },
      },
    },
    async (req) => journeyAnalytics(ctx, req.principal.workspace.id, req.params.id, { version: req.query.version }),
  );
  app.get(
    '/api/journeys/:id/customers/:customerId/path',
    {
      config: { permission: 'customers:read' },
      schema: {
        tags: ['journeys'],
        summary: "A customer's runs through a journey: step visits with times and outcomes, and the messages sent",
        params: z.object({ id: z.string().uuid(), customerId: z.string().uuid() }),
        response: { 200: customerPathView },
      },
    },
    async (req) => wire(await customerPath(ctx, req.principal.workspace.id, req.params.id, req.params.customerId)),
  );
};
