import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { AppError } from '../core/index.js';
import type { Ctx } from '../store/index.js';
import { isoDate, wire } from '../api/wire.js';
import { RFM_SEGMENT_KEYS, loadRfmSettings, rfmSettings, saveRfmSettings } from './rfm-model.js';
import { computeRfmSnapshot } from './rfm.js';
import { listRfmSnapshots, rfmCustomers, rfmGrid, rfmMovement, rfmMovementCustomers, rfmSummary, type SnapshotRef } from './rfm-views.js';

const segmentKey = z.enum(RFM_SEGMENT_KEYS);
const score = z.coerce.number().int().min(1).max(5);
const localDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'YYYY-MM-DD');

const snapshotView = z.object({
  id: z.string(),
  at: isoDate,
  settings: rfmSettings,
  cuts: z.object({ r: z.array(z.number()), f: z.array(z.number()), m: z.array(z.number()) }).describe('cut points R/F/M scores were given by'),
  centers: z.object({ r: z.number(), f: z.number(), m: z.number() }).describe('a score above its center is high'),
  customers: z.number().int(),
  revenueFen: z.number().int(),
});

const segmentSummary = z.object({
  key: segmentKey,
  name: z.string(),
  nameEn: z.string(),
  strategy: z.string(),
  strategyEn: z.string(),
  high: z.object({ r: z.boolean(), f: z.boolean(), m: z.boolean() }),
  customers: z.number().int(),
  revenueFen: z.number().int(),
  customerShare: z.number(),
  revenueShare: z.number(),
  avgRecencyDays: z.number(),
  avgFrequency: z.number(),
  avgMonetaryFen: z.number().int(),
});

const rfmCustomer = z.object({
  customerId: z.string(),
  name: z.string().nullable(),
  phone: z.string().nullable(),
  city: z.string().nullable(),
  channel: z.string().nullable(),
  recencyDays: z.number().int(),
  frequency: z.number().int(),
  monetaryFen: z.number().int(),
  r: z.number().int(),
  f: z.number().int(),
  m: z.number().int(),
  segment: segmentKey,
});

const movementQuery = z.object({
  fromSnapshot: z.string().uuid().optional(),
  fromDate: localDate.optional().describe('the latest snapshot taken by the end of this local date'),
  toSnapshot: z.string().uuid().optional(),
  toDate: localDate.optional(),
});
const cardView = z.object({ id: z.string(), name: z.string().nullable(), phone: z.string().nullable(), city: z.string().nullable(), channel: z.string().nullable() });

const snapshotQuery = z.object({ snapshot: z.string().uuid().optional().describe('snapshot id; the latest when absent') });

function ref(snapshot: string | undefined, date: string | undefined, name: string): SnapshotRef {
  if (snapshot) return { snapshot };
  if (date) return { date };
  throw new AppError('validation_failed', `give ${name}Snapshot or ${name}Date`, [{ path: `querystring.${name}Snapshot`, message: `give ${name}Snapshot or ${name}Date` }]);
}

export const rfmRoutes: FastifyPluginAsyncZod<{ ctx: Ctx }> = async (app, { ctx }) => {
  app.get(
    '/api/rfm/settings',
    { config: { permission: 'settings:read' }, schema: { tags: ['rfm'], summary: 'RFM settings: window, scoring, high/low center', response: { 200: rfmSettings } } },
    (req) => loadRfmSettings(ctx, req.principal.workspace.id),
  );
  app.put(
    '/api/rfm/settings',
    { config: { permission: 'settings:write' }, schema: { tags: ['rfm'], summary: 'Change the RFM settings (applies from the next snapshot)', body: rfmSettings, response: { 200: rfmSettings } } },
    (req) => saveRfmSettings(ctx, req.principal.workspace.id, req.body, { actor: req.principal.actor, requestId: req.id }),
  );
  app.get(
    '/api/rfm/snapshots',
    { config: { permission: 'customers:read' }, schema: { tags: ['rfm'], summary: 'RFM snapshots, newest first', response: { 200: z.object({ items: z.array(snapshotView) }) } } },
    async (req) => ({ items: wire(await listRfmSnapshots(ctx, req.principal.workspace.id)) }),
  );
  app.post(
    '/api/rfm/snapshots',
    { config: { permission: 'customers:write' }, schema: { tags: ['rfm'], summary: 'Recompute RFM now and store it as a snapshot', response: { 201: snapshotView } } },
    async (req, reply) => reply.code(201).send(wire(await computeRfmSnapshot(ctx, req.principal.workspace))),
  );
  app.get(
    '/api/rfm/summary',
    {
      config: { permission: 'customers:read' },
      schema: {
        tags: ['rfm'],
        summary: 'The 8 RFM segments with customers, net revenue, shares and a suggested strategy',
        querystring: snapshotQuery,
        response: { 200: z.object({ snapshot: snapshotView, segments: z.array(segmentSummary) }) },
      },
    },
    async (req) => wire(await rfmSummary(ctx, req.principal.workspace, req.query.snapshot)),
  );
  app.get(
    '/api/rfm/grid',
    {
      config: { permission: 'customers:read' },
      schema: {
        tags: ['rfm'],
        summary: 'Customers and revenue per R × F score cell',
        querystring: snapshotQuery,
        response: { 200: z.object({ snapshot: snapshotView, cells: z.array(z.object({ r: z.number().int(), f: z.number().int(), customers: z.number().int(), revenueFen: z.number().int() })) }) },
      },
    },
    async (req) => wire(await rfmGrid(ctx, req.principal.workspace, req.query.snapshot)),
  );
  app.get(
    '/api/rfm/movement',
    {
      config: { permission: 'customers:read' },
      schema: {
        tags: ['rfm'],
        summary: 'Customers moving between segments from one snapshot (or local date) to another',
        querystring: movementQuery,
        response: {
          200: z.object({
            from: snapshotView,
            to: snapshotView,
            moved: z.number().int(),
            cells: z.array(z.object({ from: z.union([segmentKey, z.literal('none')]), to: z.union([segmentKey, z.literal('none')]), customers: z.number().int() })),
          }),
        },
      },
    },
    async (req) => {
      const q = req.query;
      return wire(await rfmMovement(ctx, req.principal.workspace, ref(q.fromSnapshot, q.fromDate, 'from'), ref(q.toSnapshot, q.toDate, 'to')));
    },
  );
  app.get(
    '/api/rfm/movement/customers',
    {
      config: { permission: 'customers:read' },
      schema: {
        tags: ['rfm'],
        summary: 'Customers of one movement cell: in one segment at the first snapshot and another at the second',
        querystring: movementQuery.extend({
          fromSegment: z.union([segmentKey, z.literal('none')]),
          toSegment: z.union([segmentKey, z.literal('none')]),
          cursor: z.string().max(100).optional(),
          limit: z.coerce.number().int().min(1).max(200).default(50),
        }),
        response: { 200: z.object({ items: z.array(cardView), nextCursor: z.string().nullable() }) },
      },
    },
    async (req) => {
      const q = req.query;
      return rfmMovementCustomers(ctx, req.principal, { ...q, from: ref(q.fromSnapshot, q.fromDate, 'from'), to: ref(q.toSnapshot, q.toDate, 'to') });
    },
  );
  app.get(
    '/api/rfm/customers',
    {
      config: { permission: 'customers:read' },
      schema: {
        tags: ['rfm'],
        summary: 'Customers of a segment or score cell, with their RFM values',
        querystring: snapshotQuery.extend({
          segment: segmentKey.optional(),
          r: score.optional(),
          f: score.optional(),
          m: score.optional(),
          cursor: z.string().max(100).optional(),
          limit: z.coerce.number().int().min(1).max(200).default(50),
        }),
        response: { 200: z.object({ snapshot: snapshotView, items: z.array(rfmCustomer), nextCursor: z.string().nullable() }) },
      },
    },
    async (req) => wire(await rfmCustomers(ctx, req.principal, req.query)),
  );
};
