import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { Ctx } from '../store/index.js';
import { layerRoutes } from './layer-routes.js';
import { rfmRoutes } from './rfm-routes.js';
import { segmentCrudRoutes } from './segment-routes.js';

/** Every HTTP route of the segments module. */
export const segmentRoutes: FastifyPluginAsyncZod<{ ctx: Ctx }> = async (app, opts) => {
  await app.register(rfmRoutes, opts);
  await app.register(segmentCrudRoutes, opts);
  await app.register(layerRoutes, opts);
};
