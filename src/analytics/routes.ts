import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { Ctx } from '../store/index.js';
import { dashboard } from './dashboard.js';

const dashboardSchema = z.object({
  timezone: z.string(),
  customers: z.number().int(),
  eventsToday: z.number().int(),
  orders30d: z.number().int(),
  buyers30d: z.number().int(),
  gmv30dFen: z.number().int(),
  aov30dFen: z.number().int(),
  daily: z.array(z.object({ date: z.string(), orders: z.number().int(), gmvFen: z.number().int() })),
});

export const analyticsRoutes: FastifyPluginAsyncZod<{ ctx: Ctx }> = async (app, { ctx }) => {
  app.get(
    '/api/dashboard',
    { config: { permission: 'dashboard:read' }, schema: { tags: ['analytics'], summary: 'Customers, events today, orders and GMV over the last 30 days', response: { 200: dashboardSchema } } },
    (req) => dashboard(ctx, req.principal.workspace),
  );
};
