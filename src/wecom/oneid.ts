import type { Ctx } from '../store/index.js';
import { updateProfiles } from '../customers/index.js';
import { resolve } from '../identity/index.js';

export interface Contact {
  externalUserid: string;
  unionid?: string;
  name?: string;
  /** When the contact was added: first-touch time of the customer. */
  at: Date;
  /** The live code's channel, attributing the customer (first touch wins). */
  channel?: string;
  staffUserid: string;
}

/**
 * The one place WeCom contacts enter OneID: the customer behind the external user id and, when
 * WeCom knows it, the unionid — so a WeCom contact and a mini-program buyer are one customer.
 * The WeCom name fills an empty name only; the channel is first-touch by time.
 */
export async function linkContact(ctx: Ctx, workspaceId: string, c: Contact): Promise<string> {
  const ids = [{ type: 'wecom_external_userid', collection: '', value: c.externalUserid }];
  if (c.unionid) ids.push({ type: 'wechat_unionid', collection: '', value: c.unionid });
  const { customerId } = await resolve(ctx, workspaceId, ids, { at: c.at });
  const row = await ctx.db.selectFrom('customers').select(['name_enc', 'staff_userid']).where('workspace_id', '=', workspaceId).where('id', '=', customerId).executeTakeFirstOrThrow();
  const traits = !row.name_enc && c.name ? { name: c.name } : undefined;
  await updateProfiles(ctx, workspaceId, new Map([[customerId, [{ at: c.at, traits, channel: c.channel }]]]));
  if (!row.staff_userid) {
    await ctx.db.updateTable('customers').set({ staff_userid: c.staffUserid }).where('workspace_id', '=', workspaceId).where('id', '=', customerId).execute();
  }
  return customerId;
}
