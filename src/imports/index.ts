export {
  IMPORT_KINDS,
  importKind,
  importFormat,
  importEncoding,
  type ImportKind,
  type ImportFormat,
  type ImportEncoding,
  type FieldMapping,
  type ImportJob,
  type ImportView,
  type ImportErrorView,
  importView as importViewSchema,
} from './schema.js';
export { suggestMapping, checkMapping, fieldList, normalizeHeader } from './fields.js';
export { HEAD_BYTES, MAX_UPLOAD_BYTES, type Inspection, inspectHead, resolveMapping } from './file.js';
export { createCliJob, getJob, importView, errorsCsv, sweepAbandoned } from './jobs.js';
export { runImport, type RunOptions } from './run.js';
export { type LocalFile, prepareLocalFile, importLocalFile } from './local.js';
export { startImportWorker } from './worker.js';
export { importRoutes } from './routes.js';
