import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { Ctx } from '../store/index.js';
import { isoDate, wire } from '../api/wire.js';
import { getCustomer, listCustomers } from './query.js';
import { customerTimeline } from './timeline.js';

const listItem = z.object({
  id: z.string(),
  name: z.string().nullable(),
  phone: z.string().nullable(),
  email: z.string().nullable(),
  city: z.string().nullable(),
  channel: z.string().nullable(),
  channelName: z.string().nullable(),
  firstSeenAt: isoDate,
  lastSeenAt: isoDate,
  ordersCount: z.number().int(),
  totalSpentFen: z.number().int(),
});

const order = z.object({
  orderId: z.string(),
  orderedAt: isoDate,
  status: z.string(),
  totalFen: z.number().int(),
  discountFen: z.number().int(),
  refundedFen: z.number().int(),
  channel: z.string(),
  products: z.array(z.object({ sku: z.string(), name: z.string(), quantity: z.number(), priceFen: z.number() }).passthrough()),
});

const detail = listItem.extend({
  gender: z.string().nullable(),
  birthday: z.string().nullable(),
  staffUserid: z.string().nullable(),
  createdAt: isoDate,
  lastChannel: z.string().nullable(),
  traits: z.record(z.string(), z.unknown()),
  consent: z.record(z.string(), z.object({ granted: z.boolean(), at: isoDate })),
  identifiers: z.array(z.object({ type: z.string(), value: z.string(), collection: z.string().optional() })),
  stats: z.object({ ordersCount: z.number().int(), totalSpentFen: z.number().int(), aovFen: z.number().int(), lastOrderAt: isoDate.nullable() }),
  orders: z.array(order),
});

const timelineItem = z.object({
  kind: z.enum(['event', 'order']),
  id: z.string(),
  at: isoDate,
  type: z.string(),
  event: z.string().nullable(),
  properties: z.record(z.string(), z.unknown()),
  context: z.record(z.string(), z.unknown()),
  order: order.nullable(),
});

export const customerRoutes: FastifyPluginAsyncZod<{ ctx: Ctx }> = async (app, { ctx }) => {
  app.get(
    '/api/customers',
    {
      config: { permission: 'customers:read' },
      schema: {
        tags: ['customers'],
        summary: 'List customers, newest first; q searches name, phone, last 4 phone digits, email, id or any identifier',
        querystring: z.object({
          q: z.string().max(100).optional(),
          cursor: z.string().max(100).optional(),
          limit: z.coerce.number().int().min(1).max(200).default(20),
        }),
        response: { 200: z.object({ items: z.array(listItem), nextCursor: z.string().nullable() }) },
      },
    },
    async (req) => wire(await listCustomers(ctx, req.principal, req.query)),
  );

  app.get(
    '/api/customers/:id',
    {
      config: { permission: 'customers:read' },
      schema: { tags: ['customers'], summary: 'One customer: profile, identifiers, order stats and recent orders', params: z.object({ id: z.string().max(100) }), response: { 200: detail } },
    },
    async (req) => wire(await getCustomer(ctx, req.principal, req.params.id)),
  );

  app.get(
    '/api/customers/:id/timeline',
    {
      config: { permission: 'customers:read' },
      schema: {
        tags: ['customers'],
        summary: 'Events and orders of a customer (and of customers merged into it), newest first',
        params: z.object({ id: z.string().max(100) }),
        querystring: z.object({
          cursor: z.string().max(200).optional(),
          event: z.string().trim().min(1).max(200).optional().describe('only events with this name; "Order Completed" lists orders'),
          limit: z.coerce.number().int().min(1).max(200).default(50),
        }),
        response: { 200: z.object({ items: z.array(timelineItem), nextCursor: z.string().nullable() }) },
      },
    },
    async (req) => wire(await customerTimeline(ctx, req.principal.workspace.id, req.params.id, req.query)),
  );
};
