import { z } from 'zod';

/** Where a customer can be reached. `wecom_*` need a WeCom relation; sms a phone; email an address. */
export const CHANNELS = ['wecom_1v1', 'wecom_app', 'wecom_group', 'wecom_moments', 'sms', 'email', 'webhook', 'miniprogram'] as const;
export const channel = z.enum(CHANNELS);
export type Channel = z.infer<typeof channel>;
