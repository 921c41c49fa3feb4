import type { z } from 'zod';
import * as p from '../protocol.js';
import { applyTransfers } from './actions.js';
import {
  type SimCorp,
  TAG_CAP,
  checkConfigQuota,
  customerOrFail,
  fail,
  followOrFail,
  hex,
  nowSeconds,
  page,
  staffOrFail,
  tagCount,
} from './state.js';

/** One API: its input (query merged with the JSON body) to the answer's fields besides errcode. */
export type Handler = (corp: SimCorp, input: Record<string, unknown>) => Record<string, unknown>;

function parse<S extends z.ZodType>(schema: S, input: unknown): z.infer<S> {
  const r = schema.safeParse(input);
  if (!r.success) fail(40058, `invalid parameter: ${r.error.issues.map((i) => `${i.path.join('.')} ${i.message}`).join('; ')}`);
  return r.data;
}

const str = (input: Record<string, unknown>, key: string): string => {
  const v = input[key];
  return typeof v === 'string' && v ? v : fail(40058, `${key} missing`);
};

function followView(corp: SimCorp, f: ReturnType<typeof followOrFail>): p.FollowUser {
  const { tag_id, ...rest } = f;
  const tags = tag_id.flatMap((id) => {
    const g = corp.tagGroups.find((grp) => grp.tag.some((t) => t.id === id));
    const t = g?.tag.find((x) => x.id === id);
    return g && t ? [{ group_name: g.group_name, tag_name: t.name, tag_id: id, type: 1 }] : [];
  });
  return { ...rest, tags };
}

function findTag(corp: SimCorp, id: string) {
  for (const g of corp.tagGroups) {
    const t = g.tag.find((x) => x.id === id);
    if (t) return { group: g, tag: t };
  }
  return null;
}

function validUsers(corp: SimCorp, users: string[] | undefined): string[] {
  for (const u of users ?? []) staffOrFail(corp, u);
  return users ?? [];
}

function validChats(corp: SimCorp, chats: string[]): string[] {
  for (const c of chats) if (!corp.groups.get(c) || corp.groups.get(c)!.dismissed) fail(86001, `invalid chatid ${c}`);
  return chats;
}

/** QR image URLs: the simulator's own PNGs when it knows where it is served, else WeCom-like URLs. */
const qr = (corp: SimCorp, id: string) => (corp.qrBase ? `${corp.qrBase}/sim/qr/${id}.png` : `https://wework.qpic.cn/wwpic/${id}/0`);

function monthlyCap(corp: SimCorp): number {
  if (corp.massSendMonthlyCap !== null) return corp.massSendMonthlyCap;
  // The month of Beijing time (UTC+8, no DST): as many sends as it has days.
  const local = new Date(corp.clock.now().getTime() + 8 * 3_600_000);
  return new Date(Date.UTC(local.getUTCFullYear(), local.getUTCMonth() + 1, 0)).getUTCDate();
}

function monthStart(corp: SimCorp): number {
  const local = new Date(corp.clock.now().getTime() + 8 * 3_600_000);
  return Date.UTC(local.getUTCFullYear(), local.getUTCMonth(), 1) / 1000 - 8 * 3600;
}

/** A staff member confirms a mass send: each target gets it unless it is over its monthly cap. */
export function sendMassTask(corp: SimCorp, msgid: string, userid: string): number {
  const msg = corp.msgTemplates.get(msgid) ?? fail(40058, `no mass send ${msgid}`);
  const task = msg.tasks.get(userid) ?? fail(40003, `${userid} has no task in ${msgid}`);
  if (task.status !== 0) return 0;
  const now = nowSeconds(corp);
  const cap = monthlyCap(corp);
  const since = monthStart(corp);
  let sent = 0;
  for (const t of task.targets) {
    const isFriend = msg.chat_type === 'group' || corp.follows.get(t.id)?.has(userid);
    const got = (corp.received.get(t.id) ?? []).filter((at) => at >= since);
    // 1 sent, 2 not a friend, 3 already received its share of mass sends (status codes of get_groupmsg_send_result).
    t.status = !isFriend ? 2 : got.length >= cap ? 3 : 1;
    t.send_time = now;
    if (t.status === 1) {
      corp.received.set(t.id, [...got, now]);
      sent++;
    }
  }
  task.status = 2;
  task.send_time = now;
  return sent;
}

export const handlers: Record<string, Handler> = {
  'GET /cgi-bin/user/list': (corp, q) => {
    const dep = Number(q.department_id ?? 1);
    return { userlist: [...corp.staff.values()].filter((s) => q.fetch_child === '1' || s.department.includes(dep)).map((s) => ({ ...s, status: 1 })) };
  },
  'GET /cgi-bin/department/list': (corp) => ({ department: corp.departments.map((d, i) => ({ ...d, order: i })) }),
  'GET /cgi-bin/agent/get': (corp, q) => {
    if (Number(q.agentid) !== corp.agentId) fail(40056, `invalid agentid ${String(q.agentid)}`);
    return { agentid: corp.agentId, name: '私域助手' };
  },

  'GET /cgi-bin/externalcontact/get_follow_user_list': (corp) => ({
    follow_user: [...corp.staff.keys()],
  }),
  'GET /cgi-bin/externalcontact/list': (corp, q) => {
    const userid = str(q, 'userid');
    staffOrFail(corp, userid);
    return { external_userid: [...corp.follows].filter(([, f]) => f.has(userid)).map(([id]) => id) };
  },
  'GET /cgi-bin/externalcontact/get': (corp, q) => {
    const c = customerOrFail(corp, str(q, 'external_userid'));
    const follows = [...(corp.follows.get(c.external_userid)?.values() ?? [])];
    if (follows.length === 0) fail(84061, 'not external contact');
    return { external_contact: c, follow_user: follows.map((f) => followView(corp, f)) };
  },
  'POST /cgi-bin/externalcontact/batch/get_by_user': (corp, input) => {
    const req = parse(p.batchGetByUserRequest, input);
    for (const u of req.userid_list) staffOrFail(corp, u);
    const all = req.userid_list.flatMap((u) =>
      [...corp.follows].filter(([, f]) => f.has(u)).map(([ext, f]) => ({ external_contact: corp.customers.get(ext)!, follow_info: f.get(u)! })),
    );
    const { items, next } = page(all, req.cursor, req.limit);
    return { external_contact_list: items, next_cursor: next };
  },
  'POST /cgi-bin/externalcontact/remark': (corp, input) => {
    const req = parse(p.remarkRequest, input);
    const f = followOrFail(corp, req.userid, req.external_userid);
    if (req.remark !== undefined) f.remark = req.remark;
    if (req.description !== undefined) f.description = req.description;
    if (req.remark_mobiles !== undefined) f.remark_mobiles = req.remark_mobiles;
    return {};
  },

  'POST /cgi-bin/externalcontact/get_corp_tag_list': (corp, input) => {
    const req = parse(p.tagListRequest, input);
    const groups = corp.tagGroups
      .filter((g) => !req.group_id?.length || req.group_id.includes(g.group_id))
      .map((g) => ({ ...g, tag: g.tag.filter((t) => !req.tag_id?.length || req.tag_id.includes(t.id)) }))
      .filter((g) => !req.tag_id?.length || g.tag.length > 0);
    return { tag_group: groups };
  },
  'POST /cgi-bin/externalcontact/add_corp_tag': (corp, input) => {
    const req = parse(p.addTagRequest, input);
    const now = nowSeconds(corp);
    let group = req.group_id ? corp.tagGroups.find((g) => g.group_id === req.group_id) : corp.tagGroups.find((g) => g.group_name === req.group_name);
    if (req.group_id && !group) fail(40068, `invalid tag group ${req.group_id}`);
    if (!group && !req.group_name) fail(40058, 'group_id or group_name missing');
    if (tagCount(corp) + req.tag.length > TAG_CAP) fail(45024, `a corp has at most ${TAG_CAP} tags`);
    if (!group) {
      group = { group_id: `et${hex(12)}`, group_name: req.group_name!, create_time: now, order: req.order ?? 0, tag: [] };
      corp.tagGroups.push(group);
    }
    const added = req.tag.map((t) => {
      const existing = group!.tag.find((x) => x.name === t.name);
      if (existing) return existing;
      const created = { id: `et${hex(12)}`, name: t.name, create_time: now, order: t.order ?? 0 };
      group!.tag.push(created);
      return created;
    });
    return { tag_group: { ...group, tag: added } };
  },
  'POST /cgi-bin/externalcontact/edit_corp_tag': (corp, input) => {
    const req = parse(p.editTagRequest, input);
    const found = findTag(corp, req.id);
    const group = corp.tagGroups.find((g) => g.group_id === req.id);
    if (found) Object.assign(found.tag, { ...(req.name ? { name: req.name } : {}), ...(req.order !== undefined ? { order: req.order } : {}) });
    else if (group) Object.assign(group, { ...(req.name ? { group_name: req.name } : {}), ...(req.order !== undefined ? { order: req.order } : {}) });
    else fail(40068, `invalid tagid ${req.id}`);
    return {};
  },
  'POST /cgi-bin/externalcontact/del_corp_tag': (corp, input) => {
    const req = parse(p.delTagRequest, input);
    for (const id of req.tag_id ?? []) if (!findTag(corp, id)) fail(40068, `invalid tagid ${id}`);
    corp.tagGroups = corp.tagGroups
      .filter((g) => !req.group_id?.includes(g.group_id))
      .map((g) => ({ ...g, tag: g.tag.filter((t) => !req.tag_id?.includes(t.id)) }))
      .filter((g) => g.tag.length > 0);
    return {};
  },
  'POST /cgi-bin/externalcontact/mark_tag': (corp, input) => {
    const req = parse(p.markTagRequest, input);
    const f = followOrFail(corp, req.userid, req.external_userid);
    for (const id of [...(req.add_tag ?? []), ...(req.remove_tag ?? [])]) if (!findTag(corp, id)) fail(40068, `invalid tagid ${id}`);
    f.tag_id = [...new Set([...f.tag_id.filter((t) => !req.remove_tag?.includes(t)), ...(req.add_tag ?? [])])];
    return {};
  },

  'POST /cgi-bin/externalcontact/add_contact_way': (corp, input) => {
    const req = parse(p.contactWayRequest, input);
    const user = validUsers(corp, req.user);
    if (req.type === 1 && user.length !== 1) fail(40058, 'a single-person contact way needs exactly one user');
    if (user.length === 0 && !req.party?.length) fail(40058, 'user or party missing');
    checkConfigQuota(corp);
    const config_id = hex(16);
    const way = { config_id, type: req.type, scene: req.scene, remark: req.remark, skip_verify: req.skip_verify, state: req.state, user, party: req.party ?? [], qr_code: qr(corp, config_id), turn: 0 };
    corp.contactWays.set(config_id, way);
    return { config_id, ...(req.scene === 2 ? { qr_code: way.qr_code } : {}) };
  },
  'POST /cgi-bin/externalcontact/get_contact_way': (corp, input) => {
    const { config_id } = parse(p.configIdRequest, input);
    const way = corp.contactWays.get(config_id) ?? fail(40058, `invalid config_id ${config_id}`);
    const { turn: _turn, ...contact_way } = way;
    return { contact_way };
  },
  'POST /cgi-bin/externalcontact/update_contact_way': (corp, input) => {
    const req = parse(p.updateContactWayRequest, input);
    const way = corp.contactWays.get(req.config_id) ?? fail(40058, `invalid config_id ${req.config_id}`);
    if (req.user) {
      if (way.type === 1 && req.user.length !== 1) fail(40058, 'a single-person contact way needs exactly one user');
      way.user = validUsers(corp, req.user);
    }
    if (req.party) way.party = req.party;
    if (req.remark !== undefined) way.remark = req.remark;
    if (req.state !== undefined) way.state = req.state;
    if (input.skip_verify !== undefined && req.skip_verify !== undefined) way.skip_verify = req.skip_verify;
    return {};
  },
  'POST /cgi-bin/externalcontact/del_contact_way': (corp, input) => {
    const { config_id } = parse(p.configIdRequest, input);
    if (!corp.contactWays.delete(config_id)) fail(40058, `invalid config_id ${config_id}`);
    return {};
  },

  'POST /cgi-bin/externalcontact/send_welcome_msg': (corp, input) => {
    const req = parse(p.welcomeRequest, input);
    if (!req.welcome_code) fail(41049, 'missing welcome_code');
    const code = corp.welcomeCodes.get(req.welcome_code);
    // The code from the add-contact callback is valid for 20 seconds and for one use (新客户欢迎语, doc 92137).
    if (!code || code.used || corp.clock.now().getTime() > code.expiresAt) fail(41050, 'invalid welcome code');
    if (!req.text && !req.attachments?.length) fail(40058, 'text or attachments missing');
    code.used = true;
    corp.welcomes.push({ userid: code.userid, external_userid: code.external_userid, text: req.text?.content, attachments: req.attachments ?? [], at: nowSeconds(corp) });
    return {};
  },

  'POST /cgi-bin/externalcontact/groupchat/list': (corp, input) => {
    const req = parse(p.groupListRequest, input);
    const owners = req.owner_filter?.userid_list;
    const all = [...corp.groups.values()].filter((g) => !g.dismissed && (!owners?.length || owners.includes(g.owner)));
    const { items, next } = page(all, req.cursor, req.limit);
    return { group_chat_list: items.map((g) => ({ chat_id: g.chat_id, status: 0 })), next_cursor: next };
  },
  'POST /cgi-bin/externalcontact/groupchat/get': (corp, input) => {
    const req = parse(p.groupGetRequest, input);
    const g = corp.groups.get(req.chat_id);
    if (!g || g.dismissed) fail(86001, `invalid chatid ${req.chat_id}`);
    return {
      group_chat: {
        chat_id: g.chat_id,
        name: g.name,
        owner: g.owner,
        create_time: g.create_time,
        notice: g.notice,
        member_list: g.members,
        admin_list: [],
        member_version: String(g.version),
      },
    };
  },
  'POST /cgi-bin/externalcontact/groupchat/add_join_way': (corp, input) => {
    const req = parse(p.joinWayRequest, input);
    validChats(corp, req.chat_id_list);
    if (req.auto_create_room === 1 && (!req.room_base_name || req.room_base_id === undefined)) fail(40058, 'room_base_name and room_base_id are required with auto_create_room');
    checkConfigQuota(corp);
    const config_id = hex(16);
    corp.joinWays.set(config_id, { ...req, config_id, qr_code: qr(corp, config_id) });
    return { config_id };
  },
  'POST /cgi-bin/externalcontact/groupchat/get_join_way': (corp, input) => {
    const { config_id } = parse(p.configIdRequest, input);
    return { join_way: corp.joinWays.get(config_id) ?? fail(40058, `invalid config_id ${config_id}`) };
  },
  'POST /cgi-bin/externalcontact/groupchat/update_join_way': (corp, input) => {
    const req = parse(p.updateJoinWayRequest, input);
    const way = corp.joinWays.get(req.config_id) ?? fail(40058, `invalid config_id ${req.config_id}`);
    validChats(corp, req.chat_id_list);
    Object.assign(way, req);
    return {};
  },
  'POST /cgi-bin/externalcontact/groupchat/del_join_way': (corp, input) => {
    const { config_id } = parse(p.configIdRequest, input);
    if (!corp.joinWays.delete(config_id)) fail(40058, `invalid config_id ${config_id}`);
    return {};
  },

  'POST /cgi-bin/externalcontact/transfer_customer': (corp, input) => transfer(corp, 'onjob', parse(p.transferRequest, input)),
  'POST /cgi-bin/externalcontact/resigned/transfer_customer': (corp, input) => transfer(corp, 'resigned', parse(p.transferRequest, input)),
  'POST /cgi-bin/externalcontact/transfer_result': (corp, input) => transferResult(corp, 'onjob', parse(p.transferResultRequest, input)),
  'POST /cgi-bin/externalcontact/resigned/transfer_result': (corp, input) => transferResult(corp, 'resigned', parse(p.transferResultRequest, input)),

  'POST /cgi-bin/externalcontact/add_msg_template': (corp, input) => {
    const req = parse(p.msgTemplateRequest, input);
    if (!req.text && !req.attachments?.length) fail(40058, 'text or attachments missing');
    const msgid = `msg${hex(10)}`;
    const tasks = new Map<string, { status: number; targets: { id: string; status: number }[] }>();
    const fail_list: string[] = [];
    const add = (userid: string, id: string) => {
      const t = tasks.get(userid) ?? { status: 0, targets: [] };
      t.targets.push({ id, status: 0 });
      tasks.set(userid, t);
    };
    if (req.chat_type === 'single') {
      for (const ext of req.external_userid ?? []) {
        const follows = [...(corp.follows.get(ext)?.keys() ?? [])].filter((u) => !req.sender || u === req.sender);
        if (follows.length === 0) fail_list.push(ext);
        else add(follows[0], ext);
      }
      if (!req.external_userid?.length && req.sender) for (const [ext, f] of corp.follows) if (f.has(req.sender)) add(req.sender, ext);
    } else {
      for (const chat of req.chat_id_list ?? []) {
        const g = corp.groups.get(chat);
        if (!g || g.dismissed || (req.sender && g.owner !== req.sender)) fail_list.push(chat);
        else add(g.owner, chat);
      }
    }
    if (tasks.size === 0) fail(40058, 'no recipient: every customer or group is unknown or not served by the sender');
    corp.msgTemplates.set(msgid, { msgid, chat_type: req.chat_type, creator: req.sender ?? 'admin', create_time: nowSeconds(corp), text: req.text, attachments: req.attachments ?? [], tasks });
    return { fail_list, msgid };
  },
  'POST /cgi-bin/externalcontact/get_groupmsg_list_v2': (corp, input) => {
    const req = parse(p.groupMsgListRequest, input);
    const all = [...corp.msgTemplates.values()].filter(
      (m) => m.chat_type === req.chat_type && m.create_time >= req.start_time && m.create_time <= req.end_time && (!req.creator || m.creator === req.creator),
    );
    const { items, next } = page(all, req.cursor, req.limit);
    return {
      group_msg_list: items.map((m) => ({ msgid: m.msgid, creator: m.creator, create_time: m.create_time, create_type: 0, text: m.text, attachments: m.attachments })),
      next_cursor: next,
    };
  },
  'POST /cgi-bin/externalcontact/get_groupmsg_task': (corp, input) => {
    const req = parse(p.groupMsgTaskRequest, input);
    const msg = corp.msgTemplates.get(req.msgid) ?? fail(40058, `invalid msgid ${req.msgid}`);
    const all = [...msg.tasks].map(([userid, t]) => ({ userid, status: t.status, ...(t.send_time ? { send_time: t.send_time } : {}) }));
    const { items, next } = page(all, req.cursor, req.limit);
    return { task_list: items, next_cursor: next };
  },
  'POST /cgi-bin/externalcontact/get_groupmsg_send_result': (corp, input) => {
    const req = parse(p.groupMsgSendResultRequest, input);
    const msg = corp.msgTemplates.get(req.msgid) ?? fail(40058, `invalid msgid ${req.msgid}`);
    const task = msg.tasks.get(req.userid) ?? fail(40003, `invalid userid ${req.userid}`);
    const key = msg.chat_type === 'single' ? 'external_userid' : 'chat_id';
    const all = task.targets.map((t) => ({ [key]: t.id, userid: req.userid, status: t.status, ...(t.send_time ? { send_time: t.send_time } : {}) }));
    const { items, next } = page(all, req.cursor, req.limit);
    return { send_list: items, next_cursor: next };
  },

  'POST /cgi-bin/externalcontact/group_welcome_template/add': (corp, input) => {
    const req = parse(p.addGroupWelcomeRequest, input);
    if (!req.text && !req.image && !req.link && !req.miniprogram) fail(40058, 'text or an attachment missing');
    const template_id = `msg${hex(12)}`;
    const { agentid: _a, notify: _n, ...template } = req;
    corp.groupWelcomeTemplates.set(template_id, template);
    return { template_id };
  },
  'POST /cgi-bin/externalcontact/group_welcome_template/edit': (corp, input) => {
    const { template_id, agentid: _a, ...template } = parse(p.editGroupWelcomeRequest, input);
    if (!corp.groupWelcomeTemplates.has(template_id)) fail(40058, `invalid template_id ${template_id}`);
    corp.groupWelcomeTemplates.set(template_id, template);
    return {};
  },
  'POST /cgi-bin/externalcontact/group_welcome_template/get': (corp, input) => {
    const { template_id } = parse(p.templateIdRequest, input);
    return corp.groupWelcomeTemplates.get(template_id) ?? fail(40058, `invalid template_id ${template_id}`);
  },
  'POST /cgi-bin/externalcontact/group_welcome_template/del': (corp, input) => {
    const { template_id } = parse(p.templateIdRequest, input);
    if (!corp.groupWelcomeTemplates.delete(template_id)) fail(40058, `invalid template_id ${template_id}`);
    return {};
  },

  // 发送应用消息 (doc 90236): text to staff by userid, '|'-separated; unknown users come back in invaliduser.
  'POST /cgi-bin/message/send': (corp, input) => {
    const req = input as { touser?: string; msgtype?: string; agentid?: number; text?: { content?: string } };
    if (Number(req.agentid) !== corp.agentId) fail(40056, `invalid agentid ${String(req.agentid)}`);
    if (req.msgtype !== 'text' || !req.text?.content) fail(40008, 'invalid message type: only text is simulated');
    const users = String(req.touser ?? '').split('|').filter(Boolean);
    const known = users.filter((u) => corp.staff.has(u));
    if (known.length === 0) fail(81013, 'user, department and tag all invalid');
    const msgid = `app${hex(10)}`;
    corp.appMessages.push({ msgid, touser: known, agentid: corp.agentId, text: req.text.content, at: nowSeconds(corp) });
    return { invaliduser: users.filter((u) => !corp.staff.has(u)).join('|'), msgid };
  },
  'POST /cgi-bin/externalcontact/add_moment_task': (corp, input) => {
    const req = parse(p.momentTaskRequest, input);
    if (!req.text && !req.attachments?.length) fail(40058, 'text or attachments missing');
    for (const u of req.visible_range?.sender_list?.user_list ?? []) staffOrFail(corp, u);
    const jobid = `job${hex(10)}`;
    corp.moments.set(jobid, { jobid, moment_id: `mom${hex(10)}` });
    return { jobid };
  },
  'GET /cgi-bin/externalcontact/get_moment_task_result': (corp, q) => {
    const job = corp.moments.get(str(q, 'jobid')) ?? fail(40058, 'invalid jobid');
    return { status: 3, type: 'add_moment_task', result: { errcode: 0, errmsg: 'ok', moment_id: job.moment_id } };
  },
};

/** 在职继承 at most twice in 90 days per customer (doc 92125); 离职继承 has no such limit. */
function transfer(corp: SimCorp, kind: 'onjob' | 'resigned', req: z.infer<typeof p.transferRequest>) {
  staffOrFail(corp, req.handover_userid);
  staffOrFail(corp, req.takeover_userid);
  const now = nowSeconds(corp);
  const customer = req.external_userid.map((ext) => {
    if (!corp.follows.get(ext)?.has(req.handover_userid)) return { external_userid: ext, errcode: 84061 };
    const recent = corp.transfers.filter((t) => t.kind === 'onjob' && t.external_userid === ext && now - t.requestedAt < 90 * 86400);
    if (kind === 'onjob' && recent.length >= 2) return { external_userid: ext, errcode: 40129 };
    if (corp.transfers.some((t) => t.external_userid === ext && !t.applied && !t.refused)) return { external_userid: ext, errcode: 40129 };
    corp.transfers.push({ kind, handover: req.handover_userid, takeover: req.takeover_userid, external_userid: ext, requestedAt: now, refused: false, applied: false });
    return { external_userid: ext, errcode: 0 };
  });
  return { customer };
}

function transferResult(corp: SimCorp, kind: 'onjob' | 'resigned', req: z.infer<typeof p.transferResultRequest>) {
  applyTransfers(corp);
  const rows = corp.transfers.filter((t) => t.kind === kind && t.handover === req.handover_userid && t.takeover === req.takeover_userid);
  // 1 taken over, 2 waiting, 3 refused by the customer (transfer_result status codes).
  const all = rows.map((t) => ({ external_userid: t.external_userid, status: t.refused ? 3 : t.applied ? 1 : 2, ...(t.applied ? { takeover_time: t.requestedAt + 86400 } : {}) }));
  const { items, next } = page(all, req.cursor, 1000);
  return { customer: items, next_cursor: next };
}
