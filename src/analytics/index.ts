export { type Dashboard, dashboard } from './dashboard.js';
/** Re-exported for callers that format events-store times through analytics. */
export { chTime } from '../store/index.js';
export { analyticsRoutes } from './routes.js';
