export { type CustomerRecord, writeCustomers, PII_IDENTIFIER_TYPES } from './records.js';
export { type CustomerListItem, type CustomerDetail, type OrderView, listCustomers, getCustomer, chDate } from './query.js';
export { customerRoutes } from './routes.js';
