import { z } from 'zod';

/**
 * The WeCom server API's wire shapes (客户联系 docs), shared by the client, which parses answers
 * with them, and the simulator, which validates requests with them. Unknown fields pass through:
 * WeCom adds fields over time.
 */
const ok = z.object({ errcode: z.number(), errmsg: z.string() }).passthrough();
export const okResponse = ok;

export const tokenResponse = ok.extend({ access_token: z.string(), expires_in: z.number() });

export const department = z.object({ id: z.number(), name: z.string(), parentid: z.number(), order: z.number().optional() });
export const departmentListResponse = ok.extend({ department: z.array(department) });
export const user = z.object({ userid: z.string(), name: z.string(), department: z.array(z.number()), status: z.number().optional() });
export const userListResponse = ok.extend({ userlist: z.array(user) });
export const agentResponse = ok.extend({ agentid: z.number(), name: z.string() });

export const followUserListResponse = ok.extend({ follow_user: z.array(z.string()) });
export const externalListResponse = ok.extend({ external_userid: z.array(z.string()) });

export const externalContact = z.object({
  external_userid: z.string(),
  name: z.string(),
  type: z.number(),
  avatar: z.string().optional(),
  gender: z.number().optional(),
  unionid: z.string().optional(),
  corp_name: z.string().optional(),
});
const followTag = z.object({ group_name: z.string(), tag_name: z.string(), tag_id: z.string().optional(), type: z.number() });
export const followUser = z.object({
  userid: z.string(),
  remark: z.string(),
  description: z.string(),
  createtime: z.number(),
  tags: z.array(followTag).optional(),
  remark_mobiles: z.array(z.string()).optional(),
  add_way: z.number(),
  oper_userid: z.string().optional(),
  state: z.string().optional(),
});
export type FollowUser = z.infer<typeof followUser>;
export const externalGetResponse = ok.extend({ external_contact: externalContact, follow_user: z.array(followUser), next_cursor: z.string().optional() });

export const batchGetByUserRequest = z.object({ userid_list: z.array(z.string()).min(1).max(100), cursor: z.string().optional(), limit: z.number().int().min(1).max(100).default(50) });
const followInfo = followUser.omit({ tags: true }).extend({ tag_id: z.array(z.string()) });
export const batchGetByUserResponse = ok.extend({
  external_contact_list: z.array(z.object({ external_contact: externalContact, follow_info: followInfo })),
  next_cursor: z.string(),
});
export type ContactWithFollow = z.infer<typeof batchGetByUserResponse>['external_contact_list'][number];

export const remarkRequest = z.object({
  userid: z.string(),
  external_userid: z.string(),
  remark: z.string().max(20).optional(),
  description: z.string().max(150).optional(),
  remark_mobiles: z.array(z.string()).max(5).optional(),
});

const tag = z.object({ id: z.string(), name: z.string(), create_time: z.number(), order: z.number(), deleted: z.boolean().optional() });
export const tagGroup = z.object({ group_id: z.string(), group_name: z.string(), create_time: z.number(), order: z.number(), deleted: z.boolean().optional(), tag: z.array(tag) });
export const tagListRequest = z.object({ tag_id: z.array(z.string()).optional(), group_id: z.array(z.string()).optional() });
export const tagListResponse = ok.extend({ tag_group: z.array(tagGroup) });
export const addTagRequest = z.object({
  group_id: z.string().optional(),
  group_name: z.string().max(30).optional(),
  order: z.number().optional(),
  tag: z.array(z.object({ name: z.string().min(1).max(30), order: z.number().optional() })).min(1),
});
export const addTagResponse = ok.extend({ tag_group: tagGroup });
export const editTagRequest = z.object({ id: z.string(), name: z.string().min(1).max(30).optional(), order: z.number().optional() });
export const delTagRequest = z.object({ tag_id: z.array(z.string()).optional(), group_id: z.array(z.string()).optional() });
export const markTagRequest = z.object({ userid: z.string(), external_userid: z.string(), add_tag: z.array(z.string()).optional(), remove_tag: z.array(z.string()).optional() });

/** 客户联系「联系我」管理 (doc 92228): remark and state at most 30 characters. */
export const contactWayRequest = z.object({
  type: z.union([z.literal(1), z.literal(2)]),
  scene: z.union([z.literal(1), z.literal(2)]),
  style: z.number().optional(),
  remark: z.string().max(30).optional(),
  skip_verify: z.boolean().default(true),
  state: z.string().max(30).optional(),
  user: z.array(z.string()).optional(),
  party: z.array(z.number()).optional(),
});
export type ContactWayRequest = z.input<typeof contactWayRequest>;
export const contactWayResponse = ok.extend({ config_id: z.string(), qr_code: z.string().optional() });
export const contactWay = contactWayRequest.extend({ config_id: z.string(), qr_code: z.string().optional() });
export const getContactWayResponse = ok.extend({ contact_way: contactWay });
export const updateContactWayRequest = contactWayRequest.omit({ type: true, scene: true }).partial().extend({ config_id: z.string() });
export const configIdRequest = z.object({ config_id: z.string() });

/** Attachments of welcome and mass-send messages (at most 9). */
export const attachment = z.discriminatedUnion('msgtype', [
  z.object({ msgtype: z.literal('image'), image: z.object({ media_id: z.string().optional(), pic_url: z.string().optional() }) }),
  z.object({ msgtype: z.literal('link'), link: z.object({ title: z.string(), picurl: z.string().optional(), desc: z.string().optional(), url: z.string() }) }),
  z.object({ msgtype: z.literal('miniprogram'), miniprogram: z.object({ title: z.string(), pic_media_id: z.string().optional(), appid: z.string(), page: z.string() }) }),
  z.object({ msgtype: z.literal('video'), video: z.object({ media_id: z.string() }) }),
  z.object({ msgtype: z.literal('file'), file: z.object({ media_id: z.string() }) }),
]);
export type Attachment = z.infer<typeof attachment>;
export const welcomeRequest = z.object({
  welcome_code: z.string().optional(),
  text: z.object({ content: z.string().max(4000) }).optional(),
  attachments: z.array(attachment).max(9).optional(),
});
export type WelcomeRequest = z.infer<typeof welcomeRequest>;

export const groupListRequest = z.object({
  status_filter: z.number().optional(),
  owner_filter: z.object({ userid_list: z.array(z.string()) }).optional(),
  cursor: z.string().optional(),
  limit: z.number().int().min(1).max(1000),
});
export const groupListResponse = ok.extend({ group_chat_list: z.array(z.object({ chat_id: z.string(), status: z.number() })), next_cursor: z.string().optional() });
export const groupMember = z.object({
  userid: z.string(),
  type: z.number(),
  join_time: z.number(),
  join_scene: z.number(),
  invitor: z.object({ userid: z.string() }).optional(),
  group_nickname: z.string().optional(),
  name: z.string().optional(),
  unionid: z.string().optional(),
  state: z.string().optional(),
});
export const groupChat = z.object({
  chat_id: z.string(),
  name: z.string(),
  owner: z.string(),
  create_time: z.number(),
  notice: z.string().optional(),
  member_list: z.array(groupMember),
  admin_list: z.array(z.object({ userid: z.string() })).optional(),
  member_version: z.string().optional(),
});
export type GroupChat = z.infer<typeof groupChat>;
export const groupGetRequest = z.object({ chat_id: z.string(), need_name: z.number().optional() });
export const groupGetResponse = ok.extend({ group_chat: groupChat });

/** 客户群「加入群聊」管理 (doc 92229): at most 5 groups; auto_create_room makes a new one when full. */
export const joinWayRequest = z.object({
  scene: z.union([z.literal(1), z.literal(2)]),
  remark: z.string().max(30).optional(),
  auto_create_room: z.number().int().min(0).max(1).default(1),
  room_base_name: z.string().max(40).optional(),
  room_base_id: z.number().int().optional(),
  chat_id_list: z.array(z.string()).min(1).max(5),
  state: z.string().max(30).optional(),
});
export type JoinWayRequest = z.input<typeof joinWayRequest>;
export const joinWay = joinWayRequest.extend({ config_id: z.string(), qr_code: z.string().optional() });
export const joinWayResponse = ok.extend({ config_id: z.string() });
export const getJoinWayResponse = ok.extend({ join_way: joinWay });
export const updateJoinWayRequest = joinWayRequest.extend({ config_id: z.string() });

/** 在职继承 / 离职继承 (doc 92125, 92124): at most 100 customers a call. */
export const transferRequest = z.object({
  handover_userid: z.string(),
  takeover_userid: z.string(),
  external_userid: z.array(z.string()).min(1).max(100),
  transfer_success_msg: z.string().max(200).optional(),
});
export const transferResponse = ok.extend({ customer: z.array(z.object({ external_userid: z.string(), errcode: z.number() })) });
export const transferResultRequest = z.object({ handover_userid: z.string(), takeover_userid: z.string(), cursor: z.string().optional() });
export const transferResultResponse = ok.extend({
  customer: z.array(z.object({ external_userid: z.string(), status: z.number(), takeover_time: z.number().optional() })),
  next_cursor: z.string().optional(),
});

/** 创建企业群发 (doc 92135): at most 10,000 customers or 2,000 groups a call, 9 attachments. */
export const msgTemplateRequest = z.object({
  chat_type: z.enum(['single', 'group']).default('single'),
  external_userid: z.array(z.string()).max(10000).optional(),
  chat_id_list: z.array(z.string()).max(2000).optional(),
  sender: z.string().optional(),
  allow_select: z.boolean().optional(),
  text: z.object({ content: z.string().max(4000) }).optional(),
  attachments: z.array(attachment).max(9).optional(),
});
export type MsgTemplateRequest = z.input<typeof msgTemplateRequest>;
export const msgTemplateResponse = ok.extend({ fail_list: z.array(z.string()), msgid: z.string() });
export const groupMsgListRequest = z.object({
  chat_type: z.enum(['single', 'group']),
  start_time: z.number(),
  end_time: z.number(),
  creator: z.string().optional(),
  filter_type: z.number().optional(),
  limit: z.number().int().min(1).max(100).default(50),
  cursor: z.string().optional(),
});
export const groupMsgListResponse = ok.extend({
  group_msg_list: z.array(z.object({ msgid: z.string(), creator: z.string(), create_time: z.number(), create_type: z.number(), text: z.object({ content: z.string() }).optional(), attachments: z.array(attachment).optional() })),
  next_cursor: z.string().optional(),
});
export const groupMsgTaskRequest = z.object({ msgid: z.string(), limit: z.number().int().min(1).max(1000).default(500), cursor: z.string().optional() });
export const groupMsgTaskResponse = ok.extend({ task_list: z.array(z.object({ userid: z.string(), status: z.number(), send_time: z.number().optional() })), next_cursor: z.string().optional() });
export const groupMsgSendResultRequest = groupMsgTaskRequest.extend({ userid: z.string() });
export const groupMsgSendResultResponse = ok.extend({
  send_list: z.array(z.object({ external_userid: z.string().optional(), chat_id: z.string().optional(), userid: z.string(), status: z.number(), send_time: z.number().optional() })),
  next_cursor: z.string().optional(),
});

/** 客户朋友圈 企业发表 (doc 95094): an async job; its result carries the moment id. */
export const momentTaskRequest = z.object({
  text: z.object({ content: z.string().max(2000) }).optional(),
  attachments: z.array(attachment).max(9).optional(),
  visible_range: z.object({ sender_list: z.object({ user_list: z.array(z.string()) }).optional() }).optional(),
});
export const momentTaskResponse = ok.extend({ jobid: z.string() });
export const momentResultResponse = ok.extend({ status: z.number(), type: z.string(), result: z.object({ errcode: z.number(), errmsg: z.string(), moment_id: z.string().optional() }).passthrough() });

/** 入群欢迎语素材管理 (doc 92366): text (with %NICKNAME% for the joiner) and one attachment; notify tells the group owners. */
export const groupWelcomeTemplate = z.object({
  text: z.object({ content: z.string().max(3000) }).optional(),
  image: z.object({ media_id: z.string().optional(), pic_url: z.string().optional() }).optional(),
  link: z.object({ title: z.string(), picurl: z.string().optional(), desc: z.string().optional(), url: z.string() }).optional(),
  miniprogram: z.object({ title: z.string(), pic_media_id: z.string(), appid: z.string(), page: z.string() }).optional(),
});
export type GroupWelcomeTemplate = z.infer<typeof groupWelcomeTemplate>;
export const addGroupWelcomeRequest = groupWelcomeTemplate.extend({ agentid: z.number().optional(), notify: z.number().int().min(0).max(1).default(1) });
export const editGroupWelcomeRequest = groupWelcomeTemplate.extend({ template_id: z.string(), agentid: z.number().optional() });
export const templateIdRequest = z.object({ template_id: z.string(), agentid: z.number().optional() });
export const addGroupWelcomeResponse = ok.extend({ template_id: z.string() });
export const getGroupWelcomeResponse = ok.extend(groupWelcomeTemplate.shape);

/** 发送应用消息 (doc 90236): text to staff, with the agent's secret. */
export const appMessageResponse = ok.extend({ invaliduser: z.string().optional(), msgid: z.string().optional() });
