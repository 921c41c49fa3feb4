import './schema.js';

export { type RfmSettings, type RfmSegmentKey, rfmSettings, DEFAULT_RFM_SETTINGS, RFM_SEGMENTS, RFM_SEGMENT_KEYS, loadRfmSettings, saveRfmSettings } from './rfm-model.js';
export { type RfmSnapshot, type Workspace, computeRfmSnapshot, pruneRfmSnapshots, RFM_RETENTION, rfmScoresSql } from './rfm.js';
export { type RfmSegmentSummary, type RfmCustomer, listRfmSnapshots, rfmSnapshot, rfmSummary, rfmGrid, rfmMovement, rfmMovementCustomers, rfmCustomers } from './rfm-views.js';
export { type Rule, type TimeWindow, type PropertyFilter, rule, ruleNodes, propertyFilter, FIELD_OPS, LIFECYCLE_STAGES, LTV_TIERS } from './rules.js';
export { type Segment, type SegmentInput, segmentInput, createSegment, updateSegment, deleteSegment, getSegment, listSegments, refreshSegment, NOBODY } from './segments.js';
export { type RulePreview, type Member, previewRule, audienceMembers, exportMembersCsv } from './members.js';
export { memberView, previewView } from './segment-routes.js';
export { type AudienceSpec, type RunResult, refreshAudience, audienceCounts, audienceSize } from './audience.js';
export { compileEnv, compileExpr, compileInto, matchingSql, Params } from './environment.js';
export { hasMerges } from './sql.js';
export type { CompiledRule } from './compile.js';
export { syncProfiles } from './profiles.js';
export { type LayerKind, type LayerSettings, type LayerSummary, DEFAULT_LAYERS, layerSettings, loadLayer, saveLayer, refreshLayer, layerSummary } from './layers.js';
export { customerCards, type CustomerCard } from './cards.js';
export { segmentRoutes } from './routes.js';
export { refreshRuleTag } from './rule-tags.js';
export { changedCustomers, refreshCustomers, maintainWorkspace, segmentsTick, startSegmentsWorker } from './scheduler.js';
