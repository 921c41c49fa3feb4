export { type Playbook, type PlaybookMessage, type PlaybookTag, type PlaybookSegment, type PlaybookCoupon, type PlaybookRefs, PLAYBOOKS, NEW_CUSTOMER_TOUCHES, findPlaybook } from './catalog.js';
export { type InstallOptions, type InstallResult, type InstalledItem, type PlaybookSummary, installPlaybook, listPlaybooks, playbookSummary, placeholderRefs } from './install.js';
export { playbookRoutes } from './routes.js';
