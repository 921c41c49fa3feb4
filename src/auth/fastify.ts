import type {} from '@fastify/cookie';
import type {} from '@fastify/rate-limit';
import type { Principal } from './principal.js';
import type { Permission } from './roles.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by the API's auth hook on every non-public /api route. */
    principal: Principal;
  }
  interface FastifyContextConfig {
    /** The permission a route needs; routes without one need only a valid caller. */
    permission?: Permission;
    /** No authentication at all (login, health). */
    public?: boolean;
  }
}
