import { sql } from 'kysely';
import { chTime, type Ctx } from '../store/index.js';
import { getExternalContact, markTags, sendWelcome } from './api.js';
import { pullTags } from './tag-sync.js';
import type { WeComClient } from './client.js';
import { type LiveCode, advanceLiveCode, toLiveCode } from './codes.js';
import { WeComError } from './errors.js';
import { linkContact } from './oneid.js';
import type { FollowUser } from './protocol.js';
import { tagNames } from './tags.js';
import { welcomeRequest } from './welcome.js';

export interface RelationInput {
  externalUserid: string;
  userid: string;
  customerId: string;
  follow: Pick<FollowUser, 'remark' | 'description' | 'createtime' | 'add_way' | 'state'>;
  tagIds: string[];
  codeId: string | null;
  half?: boolean;
  /** The welcome of this add: sent, or why not; left as it is when undefined (sync, edits). */
  welcomeStatus?: string | null;
}

/** Stores a staff ↔ customer relation as WeCom reports it; a re-add clears an earlier delete. */
export async function upsertRelation(ctx: Ctx, workspaceId: string, r: RelationInput): Promise<void> {
  const now = ctx.clock.now();
  const values = {
    customer_id: r.customerId,
    remark_enc: r.follow.remark ? ctx.secrets.encrypt(r.follow.remark) : null,
    description: r.follow.description || null,
    add_way: r.follow.add_way,
    state: r.follow.state ?? null,
    code_id: r.codeId,
    tags: JSON.stringify(await tagNames(ctx, workspaceId, r.tagIds)),
    tag_ids: JSON.stringify(r.tagIds),
    half: r.half ?? false,
    added_at: new Date(r.follow.createtime * 1000),
    deleted_at: null,
    deleted_by: null,
    updated_at: now,
    ...(r.welcomeStatus !== undefined ? { welcome_status: r.welcomeStatus } : {}),
  };
  await ctx.db
    .insertInto('wecom_relations')
    .values({ workspace_id: workspaceId, external_userid: r.externalUserid, userid: r.userid, ...values })
    .onConflict((oc) => oc.columns(['workspace_id', 'external_userid', 'userid']).doUpdateSet(values))
    .execute();
}

export async function codeByState(ctx: Ctx, workspaceId: string, state: string | undefined): Promise<LiveCode | null> {
  if (!state) return null;
  const row = await ctx.db.selectFrom('wecom_codes').selectAll().where('workspace_id', '=', workspaceId).where('kind', '=', 'contact').where('state', '=', state).executeTakeFirst();
  return row ? toLiveCode(row) : null;
}

async function staffName(ctx: Ctx, workspaceId: string, userid: string): Promise<string> {
  const row = await ctx.db.selectFrom('staff').select('name').where('workspace_id', '=', workspaceId).where('userid', '=', userid).executeTakeFirst();
  return row?.name ?? userid;
}

/**
 * A customer added a staff member. The welcome goes first (its code lives 20 seconds), then the
 * auto-tags, the customer in OneID with first-touch attribution, the relation, a timeline event,
 * and the code moves on to its next staff member.
 */
export async function contactAdded(ctx: Ctx, workspaceId: string, client: WeComClient, ev: { userid: string; externalUserid: string; state?: string; welcomeCode?: string; half: boolean; eventId: string; welcomed?: string }): Promise<void> {
  const { external_contact: contact, follow_user } = await getExternalContact(client, ev.externalUserid);
  const follow = follow_user.find((f) => f.userid === ev.userid);
  if (!follow) return; // deleted again before we got here: the delete event follows
  const code = await codeByState(ctx, workspaceId, follow.state ?? ev.state);
  const at = new Date(follow.createtime * 1000);
  // The outcome is kept on the stored callback at once: a retry after a later failure must not
  // send again, nor report the now-used WelcomeCode as a failure.
  let welcome = ev.welcomed ?? null;
  if (code?.welcome && ev.welcomeCode && ev.welcomed === undefined) {
    const req = welcomeRequest(code.welcome, { customerName: contact.name, staffName: await staffName(ctx, workspaceId, ev.userid), channelName: code.channelName }, ev.welcomeCode);
    welcome = req ? await sendWelcome(client, req).then(() => 'sent', (err: unknown) => (err instanceof WeComError ? `failed: ${err.errcode} ${err.errmsg}` : Promise.reject(err))) : null;
    if (welcome) {
      await ctx.db
        .updateTable('wecom_inbox')
        .set({ event: sql`event || ${JSON.stringify({ _welcome: welcome })}::jsonb` })
        .where('workspace_id', '=', workspaceId)
        .where('id', '=', ev.eventId)
        .execute();
    }
  }
  const tagIds = new Set((follow.tags ?? []).map((t) => t.tag_id).filter((t): t is string => !!t));
  const newTags = (code?.tagIds ?? []).filter((t) => !tagIds.has(t));
  if (newTags.length) {
    await markTags(client, { userid: ev.userid, external_userid: ev.externalUserid, add_tag: newTags });
    for (const t of newTags) tagIds.add(t);
  }
  const customerId = await linkContact(ctx, workspaceId, { externalUserid: ev.externalUserid, unionid: contact.unionid, name: contact.name, at, channel: code?.channel, staffUserid: ev.userid });
  await upsertRelation(ctx, workspaceId, { externalUserid: ev.externalUserid, userid: ev.userid, customerId, follow, tagIds: [...tagIds], codeId: code?.id ?? null, half: ev.half, welcomeStatus: welcome });
  await pullTags(ctx, workspaceId, { customerId, userid: ev.userid, before: [], after: [...tagIds] });
  await ctx.events.insert('events', [
    {
      workspace_id: workspaceId,
      message_id: `wecom:${ev.eventId}`,
      type: 'track',
      event: 'WeCom Contact Added',
      customer_id: customerId,
      user_id: '',
      anonymous_id: '',
      timestamp: chTime(at),
      received_at: chTime(ctx.clock.now()),
      sent_at: null,
      properties: JSON.stringify({ staff_userid: ev.userid, state: follow.state ?? null, channel: code?.channel ?? null, live_code: code?.name ?? null, live_code_id: code?.id ?? null, tags: code?.tags ?? [], welcome }),
      context: JSON.stringify({ library: { name: 'siyu-wecom' } }),
      traits: '{}',
    },
  ]);
  if (code) await advanceLiveCode(ctx, workspaceId, client, code, ev.userid, ev.eventId);
}

/** edit_external_contact: remark, description and tags as WeCom has them now. */
export async function contactEdited(ctx: Ctx, workspaceId: string, client: WeComClient, ev: { userid: string; externalUserid: string }): Promise<void> {
  const existing = await ctx.db.selectFrom('wecom_relations').select(['customer_id', 'code_id', 'half', 'tag_ids']).where('workspace_id', '=', workspaceId).where('external_userid', '=', ev.externalUserid).where('userid', '=', ev.userid).executeTakeFirst();
  const { external_contact: contact, follow_user } = await getExternalContact(client, ev.externalUserid);
  const follow = follow_user.find((f) => f.userid === ev.userid);
  if (!follow) return;
  const customerId = existing?.customer_id ?? (await linkContact(ctx, workspaceId, { externalUserid: ev.externalUserid, unionid: contact.unionid, name: contact.name, at: new Date(follow.createtime * 1000), staffUserid: ev.userid }));
  const tagIds = (follow.tags ?? []).map((t) => t.tag_id).filter((t): t is string => !!t);
  await upsertRelation(ctx, workspaceId, { externalUserid: ev.externalUserid, userid: ev.userid, customerId, follow, tagIds, codeId: existing?.code_id ?? null, half: false });
  await pullTags(ctx, workspaceId, { customerId, userid: ev.userid, before: existing?.tag_ids ?? [], after: tagIds });
}

/** The relation ended: the staff member deleted the customer, or the customer deleted them. */
export async function contactDeleted(ctx: Ctx, workspaceId: string, ev: { userid: string; externalUserid: string; by: 'staff' | 'customer' }): Promise<void> {
  await ctx.db
    .updateTable('wecom_relations')
    .set({ deleted_at: ctx.clock.now(), deleted_by: ev.by, updated_at: ctx.clock.now() })
    .where('workspace_id', '=', workspaceId)
    .where('external_userid', '=', ev.externalUserid)
    .where('userid', '=', ev.userid)
    .where('deleted_at', 'is', null)
    .execute();
}
