import './schema.js';

export { type CampaignStatus, type CampaignVariant, CAMPAIGN_STATUSES } from './schema.js';
export { type CampaignInput, type CampaignData, campaignInput, campaignVariant, campaignSchedule } from './model.js';
export {
  type Campaign,
  type By,
  getCampaign,
  listCampaigns,
  createCampaign,
  updateCampaign,
  deleteCampaign,
  submitCampaign,
  approveCampaign,
  rejectCampaign,
  sendCampaign,
  cancelCampaign,
  assertMayApprove,
  localToUtc,
} from './campaigns.js';
export { HOLDOUT, type TickOptions, assignVariant, campaignsTick, startCampaignsWorker } from './send.js';
export { campaignRoutes, campaignView } from './routes.js';
