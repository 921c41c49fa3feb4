import './schema.js';

export { type RfmSettings, type RfmSegmentKey, rfmSettings, DEFAULT_RFM_SETTINGS, RFM_SEGMENTS, RFM_SEGMENT_KEYS, loadRfmSettings, saveRfmSettings } from './rfm-model.js';
export { type RfmSnapshot, type Workspace, computeRfmSnapshot, rfmScoresSql } from './rfm.js';
export { type RfmSegmentSummary, type RfmCustomer, listRfmSnapshots, rfmSnapshot, rfmSummary, rfmGrid, rfmMovement, rfmCustomers } from './rfm-views.js';
export { segmentRoutes } from './routes.js';
