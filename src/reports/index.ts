export { Z95, type ConversionLift, type MeanLift, type Moments, type Proportion, conversionLift, meanLift } from './stats.js';
export { type CampaignReport, type GroupStats, campaignReport } from './campaign.js';
export { type JourneyAnalytics, type StepCounts, type PathRun, journeyAnalytics, customerPath } from './journeys.js';
export { reportRoutes, campaignReportView, journeyAnalyticsView, customerPathView } from './routes.js';
