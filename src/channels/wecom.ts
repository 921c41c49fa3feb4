import { sql } from 'kysely';
import type { WecomAttachment } from '../messages/index.js';
import { WeComClient, WeComError, loadCredentials, wecomApi } from '../wecom/index.js';
import type { Ctx } from '../store/index.js';
import type { Provider, SendInput, SendOutcome } from './types.js';

/**
 * WeCom channels. None of these calls takes an idempotency key, so a crash between WeCom's answer
 * and the outbox recording it leaves a window: the dispatcher does not resend a WeCom message
 * found still 'sending' after a crash (it is marked failed, "outcome unknown"), which keeps
 * "never twice" at the cost of possibly never. add_msg_template only creates a task: the staff
 * member confirms it in WeCom (WECOM.md), and the customer counts against WeCom's monthly cap.
 */

type Attachment = Parameters<typeof wecomApi.addMsgTemplate>[1]['attachments'] extends (infer A)[] | undefined ? A : never;

export function toWecomAttachments(list: WecomAttachment[] | undefined): Attachment[] {
  return (list ?? []).map((a): Attachment => {
    switch (a.type) {
      case 'image':
        return { msgtype: 'image', image: { pic_url: a.picUrl } };
      case 'link':
        return { msgtype: 'link', link: { title: a.title, url: a.url, desc: a.desc, picurl: a.picUrl } };
      case 'miniprogram':
        return { msgtype: 'miniprogram', miniprogram: { title: a.title, appid: a.appid, page: a.page, pic_media_id: a.picMediaId } };
    }
  });
}

async function client(ctx: Ctx, workspaceId: string, secret: 'contact' | 'agent'): Promise<{ c: WeComClient; agentId: string } | string> {
  const cred = await loadCredentials(ctx, workspaceId);
  if (!cred) return 'no WeCom corp connected (企微设置)';
  const s = secret === 'contact' ? cred.contactSecret : cred.agentSecret;
  if (!s) return 'the WeCom app secret is not set (企微设置)';
  return { c: new WeComClient({ baseUrl: cred.apiBaseUrl, corpId: cred.corpId, secret: s, clock: ctx.clock, retries: 1 }), agentId: cred.agentId ?? '' };
}

function failure(err: unknown): SendOutcome {
  if (err instanceof WeComError) return { status: 'failed', transient: err.kind === 'rate' || err.kind === 'unavailable' || err.kind === 'token', error: err.message };
  return { status: 'failed', transient: true, error: `WeCom: ${(err as Error).message}` };
}

/** Calls WeCom with the workspace's client: no corp or secret fails for good, a WeCom error as failure() says. */
async function withClient(i: SendInput, secret: 'contact' | 'agent', call: (cl: { c: WeComClient; agentId: string }) => Promise<SendOutcome>): Promise<SendOutcome> {
  const cl = await client(i.ctx, i.workspaceId, secret);
  if (typeof cl === 'string') return { status: 'failed', transient: false, error: cl };
  try {
    return await call(cl);
  } catch (err) {
    return failure(err);
  }
}

const text = (i: SendInput) => (typeof i.content.text === 'string' && i.content.text ? { content: i.content.text } : undefined);
const attachments = (i: SendInput) => toWecomAttachments(i.content.attachments as WecomAttachment[] | undefined);

/** 1v1 through the customer's owning staff: add_msg_template for one external contact. */
export const wecomOneToOne: Provider = {
  channel: 'wecom_1v1',
  idempotent: false,
  async send(i) {
    const wecom = i.recipient.wecom;
    if (!wecom) return { status: 'unreachable', reason: 'the customer is not a WeCom contact of any staff member' };
    return withClient(i, 'contact', async (cl) => {
      const res = await wecomApi.addMsgTemplate(cl.c, {
        chat_type: 'single',
        external_userid: [wecom.externalUserid],
        sender: wecom.userid,
        text: text(i),
        attachments: attachments(i),
      });
      if (res.fail_list.length) return { status: 'unreachable', reason: `WeCom refused the recipient (${res.fail_list.join(', ')})` };
      return { status: 'sent', providerRef: res.msgid, detail: { sender: wecom.userid, externalUserid: wecom.externalUserid, awaiting: 'staff confirmation' } };
    });
  },
};

/** A send already made for the same source, template and staff member (group sends and moments go once per staff member). */
async function sharedTask(i: SendInput, sender: string): Promise<string | null> {
  const row = await i.ctx.db
    .selectFrom('messages')
    .select('provider_ref')
    .where('workspace_id', '=', i.workspaceId)
    .where('channel', '=', i.channel)
    .where('source_id', '=', i.source.id)
    .where('template_id', '=', i.source.templateId)
    .where('provider_ref', 'is not', null)
    .where(sql<boolean>`rendered->>'sender' = ${sender}`)
    .executeTakeFirst();
  return row?.provider_ref ?? null;
}

/** Sends made once per owning staff member: later customers of the same owner share the first task. */
async function oncePerOwner(i: SendInput, send: (sender: string) => Promise<SendOutcome>): Promise<SendOutcome> {
  const sender = i.recipient.staffUserid;
  if (!sender) return { status: 'unreachable', reason: 'the customer has no owning staff member' };
  const shared = await sharedTask(i, sender);
  if (shared) return { status: 'sent', providerRef: shared, detail: { sender, shared: true } };
  return send(sender);
}

/** Group send (群发到客户群) by the customer's owner to the groups they own; one task per staff member and source. */
export const wecomGroup: Provider = {
  channel: 'wecom_group',
  idempotent: false,
  send: (i) =>
    oncePerOwner(i, async (sender) => {
      const groups = await i.ctx.db.selectFrom('wecom_groups').select('chat_id').where('workspace_id', '=', i.workspaceId).where('owner', '=', sender).where('dismissed_at', 'is', null).execute();
      if (groups.length === 0) return { status: 'unreachable', reason: `staff ${sender} owns no customer group` };
      return withClient(i, 'contact', async (cl) => {
        const res = await wecomApi.addMsgTemplate(cl.c, {
          chat_type: 'group',
          chat_id_list: groups.slice(0, 2000).map((g) => g.chat_id),
          sender,
          text: text(i),
          attachments: attachments(i),
        });
        return { status: 'sent', providerRef: res.msgid, detail: { sender, groups: groups.length } };
      });
    }),
};

/** 朋友圈 (add_moment_task) visible to the customer's owner's contacts; one task per staff member and source. */
export const wecomMoments: Provider = {
  channel: 'wecom_moments',
  idempotent: false,
  send: (i) =>
    oncePerOwner(i, (sender) =>
      withClient(i, 'contact', async (cl) => {
        const res = await wecomApi.addMomentTask(cl.c, {
          text: text(i),
          attachments: attachments(i),
          visible_range: { sender_list: { user_list: [sender] } },
        });
        return { status: 'sent', providerRef: res.jobid, detail: { sender } };
      }),
    ),
};

/** 应用消息 to the customer's staff member (task notices). */
export const wecomApp: Provider = {
  channel: 'wecom_app',
  idempotent: false,
  async send(i) {
    const to = (i.content.touser as string | undefined) ?? i.recipient.staffUserid;
    if (!to) return { status: 'unreachable', reason: 'the customer has no owning staff member to notify' };
    return withClient(i, 'agent', async (cl) => {
      const res = await wecomApi.sendAppMessage(cl.c, { touser: to, msgtype: 'text', agentid: Number(cl.agentId), text: { content: String(i.content.text ?? '') } });
      return { status: 'delivered', providerRef: res.msgid ?? `app:${i.messageId}`, detail: { sender: to } };
    });
  },
};

/** One staff member's part of a mass send: the task's status (0 not sent, 2 sent) and each target's (get_groupmsg_send_result). */
export interface MassSendTask {
  userid: string;
  status: number;
  targets: { id: string; status: MassSendTargetStatus; sendTime?: number }[];
}

/** get_groupmsg_send_result status (客户联系 > 消息推送 > 获取群发记录列表: 获取企业群发成员执行结果). */
export const MASS_SEND_STATUS = {
  0: 'not sent yet',
  1: 'sent',
  2: 'not a friend of the sender',
  3: 'already received its share of mass sends',
} as const;
export type MassSendTargetStatus = keyof typeof MASS_SEND_STATUS;

/**
 * Where a mass send (add_msg_template) stands: the tasks of get_groupmsg_task and, for the tasks
 * the staff member has sent, the targets of get_groupmsg_send_result (all pages of both). Null
 * when no corp is connected; a WeComError (e.g. an unknown msgid) propagates.
 */
export async function massSendResults(ctx: Ctx, workspaceId: string, msgid: string, only?: ReadonlySet<string>): Promise<MassSendTask[] | null> {
  const cl = await client(ctx, workspaceId, 'contact');
  if (typeof cl === 'string') return null;
  const tasks: MassSendTask[] = [];
  let cursor: string | undefined;
  do {
    const page = await wecomApi.getGroupMsgTasks(cl.c, { msgid, cursor, limit: 1000 });
    for (const t of page.task_list) if (!only || only.has(t.userid)) tasks.push({ userid: t.userid, status: t.status, targets: [] });
    cursor = page.next_cursor || undefined;
  } while (cursor);
  for (const t of tasks) {
    if (t.status === 0) continue;
    let c: string | undefined;
    do {
      const page = await wecomApi.getGroupMsgSendResult(cl.c, { msgid, userid: t.userid, cursor: c, limit: 1000 });
      for (const r of page.send_list) {
        const id = r.external_userid ?? r.chat_id;
        if (id) t.targets.push({ id, status: (r.status in MASS_SEND_STATUS ? r.status : 0) as MassSendTargetStatus, sendTime: r.send_time });
      }
      c = page.next_cursor || undefined;
    } while (c);
  }
  return tasks;
}
