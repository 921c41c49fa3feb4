import type { WeComClient } from './client.js';
import * as p from './protocol.js';

/** Typed calls of the WeCom server API, one function per endpoint used by Siyu. */

export const listDepartments = (c: WeComClient) => c.get('/cgi-bin/department/list', {}, p.departmentListResponse);
export const listUsers = (c: WeComClient, departmentId = 1) => c.get('/cgi-bin/user/list', { department_id: departmentId, fetch_child: 1 }, p.userListResponse);
export const getAgent = (c: WeComClient, agentId: string) => c.get('/cgi-bin/agent/get', { agentid: agentId }, p.agentResponse);

export const listFollowUsers = (c: WeComClient) => c.get('/cgi-bin/externalcontact/get_follow_user_list', {}, p.followUserListResponse);
export const listExternalContacts = (c: WeComClient, userid: string) => c.get('/cgi-bin/externalcontact/list', { userid }, p.externalListResponse);
export const getExternalContact = (c: WeComClient, externalUserid: string) => c.get('/cgi-bin/externalcontact/get', { external_userid: externalUserid }, p.externalGetResponse);
export const batchGetByUser = (c: WeComClient, body: { userid_list: string[]; cursor?: string; limit?: number }) => c.post('/cgi-bin/externalcontact/batch/get_by_user', body, p.batchGetByUserResponse);
export const remark = (c: WeComClient, body: { userid: string; external_userid: string; remark?: string; description?: string; remark_mobiles?: string[] }) =>
  c.post('/cgi-bin/externalcontact/remark', body, p.okResponse);

export const listCorpTags = (c: WeComClient, filter: { tag_id?: string[]; group_id?: string[] } = {}) => c.post('/cgi-bin/externalcontact/get_corp_tag_list', filter, p.tagListResponse);
export const addCorpTags = (c: WeComClient, body: { group_id?: string; group_name?: string; tag: { name: string }[] }) => c.post('/cgi-bin/externalcontact/add_corp_tag', body, p.addTagResponse);
export const editCorpTag = (c: WeComClient, body: { id: string; name?: string; order?: number }) => c.post('/cgi-bin/externalcontact/edit_corp_tag', body, p.okResponse);
export const deleteCorpTags = (c: WeComClient, body: { tag_id?: string[]; group_id?: string[] }) => c.post('/cgi-bin/externalcontact/del_corp_tag', body, p.okResponse);
export const markTags = (c: WeComClient, body: { userid: string; external_userid: string; add_tag?: string[]; remove_tag?: string[] }) =>
  c.post('/cgi-bin/externalcontact/mark_tag', body, p.okResponse);

export const addContactWay = (c: WeComClient, body: p.ContactWayRequest) => c.post('/cgi-bin/externalcontact/add_contact_way', body, p.contactWayResponse);
export const getContactWay = (c: WeComClient, configId: string) => c.post('/cgi-bin/externalcontact/get_contact_way', { config_id: configId }, p.getContactWayResponse);
export const updateContactWay = (c: WeComClient, body: { config_id: string } & Partial<p.ContactWayRequest>) => c.post('/cgi-bin/externalcontact/update_contact_way', body, p.okResponse);
export const deleteContactWay = (c: WeComClient, configId: string) => c.post('/cgi-bin/externalcontact/del_contact_way', { config_id: configId }, p.okResponse);
export const sendWelcome = (c: WeComClient, body: p.WelcomeRequest) => c.post('/cgi-bin/externalcontact/send_welcome_msg', body, p.okResponse);

export const listGroupChats = (c: WeComClient, body: { cursor?: string; limit: number; owner_filter?: { userid_list: string[] } }) => c.post('/cgi-bin/externalcontact/groupchat/list', body, p.groupListResponse);
export const getGroupChat = (c: WeComClient, chatId: string) => c.post('/cgi-bin/externalcontact/groupchat/get', { chat_id: chatId, need_name: 1 }, p.groupGetResponse);
export const addJoinWay = (c: WeComClient, body: p.JoinWayRequest) => c.post('/cgi-bin/externalcontact/groupchat/add_join_way', body, p.joinWayResponse);
export const getJoinWay = (c: WeComClient, configId: string) => c.post('/cgi-bin/externalcontact/groupchat/get_join_way', { config_id: configId }, p.getJoinWayResponse);
export const updateJoinWay = (c: WeComClient, body: p.JoinWayRequest & { config_id: string }) => c.post('/cgi-bin/externalcontact/groupchat/update_join_way', body, p.okResponse);
export const deleteJoinWay = (c: WeComClient, configId: string) => c.post('/cgi-bin/externalcontact/groupchat/del_join_way', { config_id: configId }, p.okResponse);

type Transfer = { handover_userid: string; takeover_userid: string; external_userid: string[]; transfer_success_msg?: string };
type TransferQuery = { handover_userid: string; takeover_userid: string; cursor?: string };
export const transferCustomers = (c: WeComClient, body: Transfer) => c.post('/cgi-bin/externalcontact/transfer_customer', body, p.transferResponse);
export const transferResult = (c: WeComClient, body: TransferQuery) => c.post('/cgi-bin/externalcontact/transfer_result', body, p.transferResultResponse);
export const transferResignedCustomers = (c: WeComClient, body: Omit<Transfer, 'transfer_success_msg'>) => c.post('/cgi-bin/externalcontact/resigned/transfer_customer', body, p.transferResponse);
export const resignedTransferResult = (c: WeComClient, body: TransferQuery) => c.post('/cgi-bin/externalcontact/resigned/transfer_result', body, p.transferResultResponse);

export const addMsgTemplate = (c: WeComClient, body: p.MsgTemplateRequest) => c.post('/cgi-bin/externalcontact/add_msg_template', body, p.msgTemplateResponse);
export const listGroupMsgs = (c: WeComClient, body: { chat_type: 'single' | 'group'; start_time: number; end_time: number; creator?: string; cursor?: string; limit?: number }) =>
  c.post('/cgi-bin/externalcontact/get_groupmsg_list_v2', body, p.groupMsgListResponse);
export const getGroupMsgTasks = (c: WeComClient, body: { msgid: string; cursor?: string; limit?: number }) => c.post('/cgi-bin/externalcontact/get_groupmsg_task', body, p.groupMsgTaskResponse);
export const getGroupMsgSendResult = (c: WeComClient, body: { msgid: string; userid: string; cursor?: string; limit?: number }) =>
  c.post('/cgi-bin/externalcontact/get_groupmsg_send_result', body, p.groupMsgSendResultResponse);

export const addMomentTask = (c: WeComClient, body: { text?: { content: string }; attachments?: p.Attachment[]; visible_range?: { sender_list?: { user_list: string[] } } }) =>
  c.post('/cgi-bin/externalcontact/add_moment_task', body, p.momentTaskResponse);
export const getMomentTaskResult = (c: WeComClient, jobid: string) => c.get('/cgi-bin/externalcontact/get_moment_task_result', { jobid }, p.momentResultResponse);

export const addGroupWelcome = (c: WeComClient, body: p.GroupWelcomeTemplate & { notify?: number }) => c.post('/cgi-bin/externalcontact/group_welcome_template/add', body, p.addGroupWelcomeResponse);
export const editGroupWelcome = (c: WeComClient, body: p.GroupWelcomeTemplate & { template_id: string }) => c.post('/cgi-bin/externalcontact/group_welcome_template/edit', body, p.okResponse);
export const getGroupWelcome = (c: WeComClient, templateId: string) => c.post('/cgi-bin/externalcontact/group_welcome_template/get', { template_id: templateId }, p.getGroupWelcomeResponse);
export const deleteGroupWelcome = (c: WeComClient, templateId: string) => c.post('/cgi-bin/externalcontact/group_welcome_template/del', { template_id: templateId }, p.okResponse);

/** 应用消息 to staff; the client must use the agent (app) secret. */
export const sendAppMessage = (c: WeComClient, body: { touser: string; msgtype: 'text'; agentid: number; text: { content: string } }) => c.post('/cgi-bin/message/send', body, p.appMessageResponse);
