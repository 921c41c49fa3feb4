import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { Ctx } from '../store/index.js';
import type { Actor } from '../audit/index.js';
import { pageQuery, wire } from '../api/wire.js';
import { archiveJourney, createJourney, getJourney, type Journey, listJourneys, pauseJourney, publishJourney, resumeJourney, updateJourney } from './journeys.js';
import { enterJourney } from './enter.js';
import { validateJourney } from './validate.js';
import { completeTask, getRun, listRuns, listTasks, stepCounts } from './views.js';

const tags = ['journeys'];
const idParams = z.object({ id: z.string().max(100) });
const RUN_STATUSES = ['active', 'waiting', 'completed', 'exited', 'converted', 'holdout', 'parked', 'failed'] as const;
const graphError = z.object({ step: z.string(), code: z.string(), message: z.string() });
const journeyBody = z.object({ name: z.string().max(100), description: z.string().max(2000).optional(), graph: z.unknown().describe('a JourneyGraph') }).strict();
const summaryView = z.object({
  id: z.string(),
  name: z.string(),
  description: z.string(),
  status: z.enum(['draft', 'live', 'paused', 'archived']),
  liveVersion: z.number().int().nullable(),
  triggerKind: z.string().nullable(),
  templateKey: z.string().nullable(),
  createdAt: z.string(),
  createdBy: z.string().nullable(),
  updatedAt: z.string(),
  publishedAt: z.string().nullable(),
  counts: z.record(z.string(), z.number().int()),
});
const journeyView = summaryView.extend({
  draft: z.unknown(),
  liveGraph: z.unknown().nullable(),
  draftChanged: z.boolean(),
  versions: z.array(z.object({ version: z.number().int(), publishedAt: z.string(), publishedBy: z.string().nullable() })),
});
const runView = z.object({
  id: z.string(),
  journeyId: z.string(),
  version: z.number().int(),
  customerId: z.string(),
  status: z.enum(RUN_STATUSES),
  stepId: z.string().nullable(),
  enteredAt: z.string(),
  nextAt: z.string().nullable(),
  finishedAt: z.string().nullable(),
  exitReason: z.string().nullable(),
  holdout: z.boolean(),
  arm: z.string().nullable(),
  convertedAt: z.string().nullable(),
  conversionValueFen: z.number().nullable(),
  attempts: z.number().int(),
  waitEvent: z.unknown(),
  context: z.unknown(),
});
const taskView = z.object({
  id: z.string(),
  customerId: z.string(),
  assignee: z.string().nullable(),
  title: z.string(),
  detail: z.string(),
  status: z.enum(['open', 'done']),
  dueAt: z.string(),
  createdAt: z.string(),
  doneAt: z.string().nullable(),
  doneBy: z.string().nullable(),
  journeyId: z.string().nullable(),
  runId: z.string().nullable(),
  stepId: z.string().nullable(),
});
const by = (req: { principal: { actor: Actor }; id: string }) => ({ actor: req.principal.actor, requestId: req.id });
/** Graphs pass as they are (wire() would walk them for nothing). */
const view = (j: Journey) => ({ ...wire({ ...j, draft: null, liveGraph: null }), draft: j.draft, liveGraph: j.liveGraph });

export const journeyRoutes: FastifyPluginAsyncZod<{ ctx: Ctx }> = async (app, { ctx }) => {
  const read = { permission: 'customers:read' as const };
  const write = { permission: 'customers:write' as const };
  app.get(
    '/api/journeys',
    { config: read, schema: { tags, summary: 'Journeys, newest first, with run counts per status', querystring: z.object({ status: z.enum(['draft', 'live', 'paused', 'archived']).optional() }), response: { 200: z.object({ items: z.array(summaryView) }) } } },
    async (req) => ({ items: wire(await listJourneys(ctx, req.principal.workspace.id, req.query)) }),
  );
  app.post(
    '/api/journeys',
    { config: write, schema: { tags, summary: 'Create a journey (a draft); 400 names the offending steps', body: journeyBody, response: { 201: journeyView } } },
    async (req, reply) => reply.code(201).send(view(await createJourney(ctx, req.principal.workspace.id, req.body, by(req)))),
  );
  app.post(
    '/api/journeys/validate',
    { config: read, schema: { tags, summary: 'Check a graph without saving it', body: z.object({ graph: z.unknown() }), response: { 200: z.object({ ok: z.boolean(), errors: z.array(graphError) }) } } },
    async (req) => {
      const errors = await validateJourney(ctx, req.principal.workspace.id, req.body.graph);
      return { ok: errors.length === 0, errors };
    },
  );
  app.get(
    '/api/journeys/:id',
    { config: read, schema: { tags, summary: 'A journey: its draft, live graph and versions', params: idParams, response: { 200: journeyView } } },
    async (req) => view(await getJourney(ctx, req.principal.workspace.id, req.params.id)),
  );
  app.put(
    '/api/journeys/:id',
    { config: write, schema: { tags, summary: 'Save the draft (a live journey keeps its version until published)', params: idParams, body: journeyBody.partial().strict(), response: { 200: journeyView } } },
    async (req) => view(await updateJourney(ctx, req.principal.workspace.id, req.params.id, req.body, by(req))),
  );
  const action = (path: string, summary: string, fn: typeof publishJourney) =>
    app.post(path, { config: write, schema: { tags, summary, params: idParams, response: { 200: journeyView } } }, async (req) => view(await fn(ctx, req.principal.workspace.id, req.params.id, by(req))));
  action('/api/journeys/:id/publish', 'Publish the draft as a new version; runs in flight finish their own version', publishJourney);
  action('/api/journeys/:id/pause', 'Pause: nobody enters, runs hold where they are', pauseJourney);
  action('/api/journeys/:id/resume', 'Resume a paused journey', resumeJourney);
  action('/api/journeys/:id/archive', 'Archive: runs in flight exit', archiveJourney);
  app.post(
    '/api/journeys/:id/enter',
    {
      config: write,
      schema: {
        tags,
        summary: 'Put customers into a live journey (manual / API trigger); the re-entry rule applies',
        params: idParams,
        body: z.object({ customerIds: z.array(z.string().uuid()).min(1).max(10_000) }).strict(),
        response: { 200: z.object({ entered: z.number().int(), skipped: z.number().int() }) },
      },
    },
    async (req) => enterJourney(ctx, req.principal.workspace.id, req.params.id, req.body.customerIds),
  );
  app.get(
    '/api/journeys/:id/runs',
    {
      config: read,
      schema: {
        tags,
        summary: 'Runs of a journey, newest first',
        params: idParams,
        querystring: pageQuery.extend({ status: z.enum(RUN_STATUSES).optional(), step: z.string().max(64).optional(), customerId: z.string().uuid().optional() }),
        response: { 200: z.object({ items: z.array(runView), nextCursor: z.string().nullable() }) },
      },
    },
    async (req) => wire(await listRuns(ctx, req.principal.workspace.id, req.params.id, req.query)),
  );
  app.get(
    '/api/journeys/:id/runs/:runId',
    {
      config: read,
      schema: {
        tags,
        summary: 'One run: its path through the steps and its messages',
        params: z.object({ id: z.string().max(100), runId: z.string().max(100) }),
        response: {
          200: runView.extend({
            steps: z.array(z.object({ stepId: z.string(), seq: z.number().int(), enteredAt: z.string(), leftAt: z.string().nullable(), outcome: z.string().nullable() })),
            messages: z.array(z.object({ id: z.string(), stepId: z.string().nullable(), channel: z.string(), templateId: z.string(), status: z.string(), reason: z.string().nullable(), createdAt: z.string(), sentAt: z.string().nullable(), deliveredAt: z.string().nullable() })),
          }),
        },
      },
    },
    async (req) => wire(await getRun(ctx, req.principal.workspace.id, req.params.id, req.params.runId)),
  );
  app.get(
    '/api/journeys/:id/steps',
    {
      config: read,
      schema: {
        tags,
        summary: 'Live counts per step',
        params: idParams,
        response: { 200: z.record(z.string(), z.object({ entered: z.number().int(), waiting: z.number().int(), passed: z.number().int(), exited: z.number().int(), converted: z.number().int() })) },
      },
    },
    async (req) => stepCounts(ctx, req.principal.workspace.id, req.params.id),
  );
  app.get(
    '/api/tasks',
    {
      config: read,
      schema: {
        tags,
        summary: 'Staff follow-up tasks created by journeys, newest first',
        querystring: pageQuery.extend({ status: z.enum(['open', 'done']).optional(), assignee: z.string().max(64).optional(), customerId: z.string().uuid().optional() }),
        response: { 200: z.object({ items: z.array(taskView), nextCursor: z.string().nullable() }) },
      },
    },
    async (req) => wire(await listTasks(ctx, req.principal.workspace.id, req.query)),
  );
  app.post(
    '/api/tasks/:id/done',
    { config: write, schema: { tags, summary: 'Mark a task done', params: idParams, response: { 200: taskView } } },
    async (req) => wire(await completeTask(ctx, req.principal.workspace.id, req.params.id, by(req))),
  );
};
