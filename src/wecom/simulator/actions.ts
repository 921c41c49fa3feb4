import type { CallbackSender } from './callbacks.js';
import { type SimCorp, type SimGroup, customerOrFail, fail, hex, nowSeconds, staffOrFail } from './state.js';

/** What people do in WeCom, played against the simulated corp; each emits WeCom's callbacks. */
export interface Sim {
  corp: SimCorp;
  callbacks: CallbackSender;
}

export interface NewCustomer {
  name?: string;
  unionid?: string;
  gender?: number;
}

const SURNAMES = [...'王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗'];
const GIVEN = ['小红', '思雨', '佳怡', '梓涵', '欣怡', '雨桐', '诗涵', '一诺', '可馨', '晓彤', '子萱', '梦琪'];

function newCustomer(corp: SimCorp, c: NewCustomer = {}) {
  const n = corp.customers.size;
  const customer = {
    external_userid: `wm${hex(15)}`,
    name: c.name ?? `${SURNAMES[n % SURNAMES.length]}${GIVEN[Math.floor(n / SURNAMES.length) % GIVEN.length]}`,
    type: 1,
    gender: c.gender ?? 2,
    avatar: `https://wx.qlogo.cn/mmhead/${hex(8)}/0`,
    ...(c.unionid ? { unionid: c.unionid } : {}),
  };
  corp.customers.set(customer.external_userid, customer);
  return customer;
}

/** A contact way or join way, by config id, state or QR code URL (whatever a script has at hand). */
function findWay<T extends { config_id: string; state?: string; qr_code: string }>(ways: Map<string, T>, code: string): T {
  return ways.get(code) ?? [...ways.values()].find((w) => w.state === code || w.qr_code === code) ?? fail(40058, `no way with config id, state or QR code ${code}`);
}

/**
 * A customer scans a 联系我 code: WeCom hands them to the way's staff in turn, records the follow
 * with the way's state, and calls back add_external_contact (or add_half_external_contact when the
 * staff member has not confirmed yet) carrying State and a WelcomeCode valid for 20 seconds.
 */
export async function addContact(sim: Sim, code: string, opts: { customer?: NewCustomer; externalUserid?: string; half?: boolean } = {}) {
  const { corp } = sim;
  const way = findWay(corp.contactWays, code);
  const users = [...new Set([...way.user, ...[...corp.staff.values()].filter((s) => s.department.some((d) => way.party.includes(d))).map((s) => s.userid)])];
  if (users.length === 0) fail(40058, 'the contact way has nobody to add');
  const userid = users[way.turn++ % users.length];
  const customer = opts.externalUserid ? customerOrFail(corp, opts.externalUserid) : newCustomer(corp, opts.customer);
  const follows = corp.follows.get(customer.external_userid) ?? new Map();
  corp.follows.set(customer.external_userid, follows);
  const now = nowSeconds(corp);
  // add_way 1: scanned a QR code (客户详情 add_way table).
  follows.set(userid, { userid, remark: '', description: '', createtime: now, tag_id: [], remark_mobiles: [], add_way: 1, oper_userid: customer.external_userid, ...(way.state ? { state: way.state } : {}) });
  const welcomeCode = hex(16);
  corp.welcomeCodes.set(welcomeCode, { userid, external_userid: customer.external_userid, expiresAt: corp.clock.now().getTime() + 20_000, used: false });
  await sim.callbacks.send({
    Event: 'change_external_contact',
    ChangeType: opts.half ? 'add_half_external_contact' : 'add_external_contact',
    UserID: userid,
    ExternalUserID: customer.external_userid,
    ...(way.state ? { State: way.state } : {}),
    WelcomeCode: welcomeCode,
  });
  return { externalUserid: customer.external_userid, userid, welcomeCode };
}

/** A staff member edits a contact in the WeCom sidebar: remark, description or corp tags. */
export async function editContact(sim: Sim, userid: string, externalUserid: string, change: { remark?: string; description?: string; addTag?: string[]; removeTag?: string[] }) {
  const f = sim.corp.follows.get(externalUserid)?.get(userid) ?? fail(84061, 'not external contact');
  const { addTag = [], removeTag = [], ...text } = change;
  for (const id of [...addTag, ...removeTag]) if (!sim.corp.tagGroups.some((g) => g.tag.some((t) => t.id === id))) fail(40068, `invalid tagid ${id}`);
  Object.assign(f, text);
  f.tag_id = [...new Set([...f.tag_id.filter((t) => !removeTag.includes(t)), ...addTag])];
  await sim.callbacks.send({ Event: 'change_external_contact', ChangeType: 'edit_external_contact', UserID: userid, ExternalUserID: externalUserid });
}

/** by staff: del_external_contact; by the customer: del_follow_user. */
export async function deleteContact(sim: Sim, userid: string, externalUserid: string, by: 'staff' | 'customer') {
  const follows = sim.corp.follows.get(externalUserid);
  if (!follows?.delete(userid)) fail(84061, 'not external contact');
  await sim.callbacks.send({
    Event: 'change_external_contact',
    ChangeType: by === 'staff' ? 'del_external_contact' : 'del_follow_user',
    UserID: userid,
    ExternalUserID: externalUserid,
  });
}

export async function createGroup(sim: Sim, owner: string, name: string): Promise<SimGroup> {
  staffOrFail(sim.corp, owner);
  const now = nowSeconds(sim.corp);
  const group: SimGroup = { chat_id: `wr${hex(15)}`, name, owner, create_time: now, notice: '', members: [{ userid: owner, type: 1, join_time: now, join_scene: 1 }], version: 1, dismissed: false };
  sim.corp.groups.set(group.chat_id, group);
  await sim.callbacks.send({ Event: 'change_external_chat', ChangeType: 'create', ChatId: group.chat_id });
  return group;
}

/** The cap counts the customers of a group: its staff (owner, admins) do not take a joiner's place. */
export function customersIn(group: SimGroup): number {
  return group.members.filter((m) => m.type === 2).length;
}

/**
 * A customer scans a 加入群聊 code: they join the first listed group below the join cap; when all
 * are full and auto_create_room is on, WeCom creates `room_base_name + room_base_id` (owned by the
 * first group's owner), lists it, and puts them there.
 */
export async function joinGroup(sim: Sim, code: string, opts: { customer?: NewCustomer } = {}) {
  const { corp } = sim;
  const way = findWay(corp.joinWays, code);
  let group = way.chat_id_list.map((id) => corp.groups.get(id)).find((g) => g && !g.dismissed && customersIn(g) < corp.groupJoinCap);
  if (!group) {
    if (way.auto_create_room !== 1) fail(40058, 'every group of the join way is full');
    const first = corp.groups.get(way.chat_id_list[0]) ?? fail(86001, 'the join way has no group');
    const baseId = way.room_base_id ?? 1;
    group = await createGroup(sim, first.owner, `${way.room_base_name ?? first.name}${baseId}`);
    way.room_base_id = baseId + 1;
    // A join way lists at most 5 groups: the oldest full one makes room.
    way.chat_id_list = [...(way.chat_id_list.length >= 5 ? way.chat_id_list.slice(1) : way.chat_id_list), group.chat_id];
  }
  const customer = newCustomer(corp, opts.customer);
  const last = group.version;
  // join_scene 3: joined by scanning the group QR code.
  group.members.push({ userid: customer.external_userid, type: 2, join_time: nowSeconds(corp), join_scene: 3, name: customer.name, ...(customer.unionid ? { unionid: customer.unionid } : {}), ...(way.state ? { state: way.state } : {}) });
  group.version++;
  const template = group.welcome_template_id ? corp.groupWelcomeTemplates.get(group.welcome_template_id) : undefined;
  if (template) corp.groupWelcomes.push({ chat_id: group.chat_id, userid: customer.external_userid, text: template.text?.content.replaceAll('%NICKNAME%', customer.name), at: nowSeconds(corp) });
  await sim.callbacks.send({
    Event: 'change_external_chat',
    ChangeType: 'update',
    ChatId: group.chat_id,
    UpdateDetail: 'add_member',
    JoinScene: 3,
    MemChangeCnt: 1,
    MemChangeList: [customer.external_userid],
    LastMemVer: String(last),
    CurMemVer: String(group.version),
  });
  return { chatId: group.chat_id, externalUserid: customer.external_userid };
}

export async function quitGroup(sim: Sim, chatId: string, userid: string) {
  const group = sim.corp.groups.get(chatId) ?? fail(86001, `invalid chatid ${chatId}`);
  const before = group.members.length;
  group.members = group.members.filter((m) => m.userid !== userid);
  if (group.members.length === before) fail(40058, `${userid} is not in ${chatId}`);
  const last = group.version++;
  await sim.callbacks.send({
    Event: 'change_external_chat',
    ChangeType: 'update',
    ChatId: chatId,
    UpdateDetail: 'del_member',
    QuitScene: 0,
    MemChangeCnt: 1,
    MemChangeList: [userid],
    LastMemVer: String(last),
    CurMemVer: String(group.version),
  });
}

export async function dismissGroup(sim: Sim, chatId: string) {
  const group = sim.corp.groups.get(chatId) ?? fail(86001, `invalid chatid ${chatId}`);
  group.dismissed = true;
  await sim.callbacks.send({ Event: 'change_external_chat', ChangeType: 'dismiss', ChatId: chatId });
}

/** An admin adds a tag in the WeCom admin page: change_external_tag create. */
export async function adminAddTag(sim: Sim, groupName: string, name: string) {
  const now = nowSeconds(sim.corp);
  let group = sim.corp.tagGroups.find((g) => g.group_name === groupName);
  if (!group) {
    group = { group_id: `et${hex(12)}`, group_name: groupName, create_time: now, order: 0, tag: [] };
    sim.corp.tagGroups.push(group);
  }
  const tag = { id: `et${hex(12)}`, name, create_time: now, order: 0 };
  group.tag.push(tag);
  await sim.callbacks.send({ Event: 'change_external_tag', ChangeType: 'create', Id: tag.id, TagType: 'tag' });
  return tag.id;
}

/** The customer refuses an on-the-job handover: transfer_fail with customer_refused. */
export async function refuseTransfer(sim: Sim, externalUserid: string) {
  const t = sim.corp.transfers.find((x) => x.external_userid === externalUserid && !x.applied && !x.refused) ?? fail(40058, 'no pending transfer');
  t.refused = true;
  await sim.callbacks.send({ Event: 'change_external_contact', ChangeType: 'transfer_fail', FailReason: 'customer_refused', UserID: t.takeover, ExternalUserID: externalUserid });
}

/** Handovers complete 24 hours after the request unless refused (在职继承 / 离职继承). */
export function applyTransfers(corp: SimCorp): void {
  const now = nowSeconds(corp);
  for (const t of corp.transfers) {
    if (t.applied || t.refused || now - t.requestedAt < 86400) continue;
    const follows = corp.follows.get(t.external_userid);
    const f = follows?.get(t.handover);
    if (follows && f) {
      follows.delete(t.handover);
      follows.set(t.takeover, { ...f, userid: t.takeover, createtime: t.requestedAt + 86400 });
    }
    t.applied = true;
  }
}

/** The group owner picks a 入群欢迎语 for the group in the WeCom app (no API does this). */
export function chooseGroupWelcome(sim: Sim, chatId: string, templateId: string): void {
  const group = sim.corp.groups.get(chatId) ?? fail(86001, `invalid chatid ${chatId}`);
  if (!sim.corp.groupWelcomeTemplates.has(templateId)) fail(40058, `invalid template_id ${templateId}`);
  group.welcome_template_id = templateId;
}
