export { type Dashboard, dashboard, chTime } from './dashboard.js';
export { analyticsRoutes } from './routes.js';
