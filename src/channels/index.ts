import type { Channel } from './list.js';
import { emailProvider } from './email.js';
import { miniprogramProvider } from './miniprogram.js';
import { smsProvider } from './sms.js';
import type { Provider } from './types.js';
import { webhookProvider } from './webhook.js';
import { wecomApp, wecomGroup, wecomMoments, wecomOneToOne } from './wecom.js';

export { CHANNELS, channel, type Channel } from './list.js';
export type { Provider, SendInput, SendOutcome } from './types.js';
export { smsText, UNSUBSCRIBE_SUFFIX } from './sms.js';
export { signBody, verifyBody, postSigned } from './sign.js';
export { mountChannelsDemo, type ChannelsDemo } from './demo.js';
export { SmsSimulator, MiniprogramSimulator, SMS_SIM_PREFIX, MP_SIM_PREFIX, type SimSms } from './simulators.js';
export { channelSettingsInput, type ChannelSettingsInput, channelConfig, channelSettingsView, saveChannelSettings, CONFIGURABLE } from './settings.js';
export { toWecomAttachments, massSendResults, MASS_SEND_STATUS, type MassSendTask, type MassSendTargetStatus } from './wecom.js';

/** The provider of each channel. */
export const PROVIDERS: Record<Channel, Provider> = {
  wecom_1v1: wecomOneToOne,
  wecom_app: wecomApp,
  wecom_group: wecomGroup,
  wecom_moments: wecomMoments,
  sms: smsProvider,
  email: emailProvider,
  webhook: webhookProvider,
  miniprogram: miniprogramProvider,
};

/** Which settings row a channel reads (WeCom channels read the connected corp instead). */
export const SETTINGS_OF: Record<Channel, string | null> = {
  wecom_1v1: null,
  wecom_app: null,
  wecom_group: null,
  wecom_moments: null,
  sms: 'sms',
  email: 'email',
  webhook: 'webhook',
  miniprogram: 'miniprogram',
};
