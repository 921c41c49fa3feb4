export { type CustomerRecord, writeCustomers, PII_IDENTIFIER_TYPES } from './records.js';
export { type CustomerListItem, type CustomerDetail, type OrderView, listCustomers, getCustomer, orderStats, piiRevealer, chDate } from './query.js';
export { type Profile, type ProfilePatch, type Adopted, readProfile, profileColumns, applyPatch, mergeProfiles, revertAdopted, isPersonalTrait, updateProfiles } from './profile.js';
export { customerMembers, rootCustomer, rootCustomers } from './members.js';
export { type TimelineItem, type TimelineQuery, customerTimeline } from './timeline.js';
export { customerRoutes } from './routes.js';
export { type Activity, ActivityMemory, activityOf } from './activity.js';
