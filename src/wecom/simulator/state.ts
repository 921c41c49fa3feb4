import { randomBytes } from 'node:crypto';
import type { Clock } from '../../core/index.js';
import type { Attachment, FollowUser, GroupWelcomeTemplate } from '../protocol.js';

/** Everything one simulated corp holds. Plain data, so tests can look inside. */
export interface SimCorp {
  clock: Clock;
  corpId: string;
  contactSecret: string;
  agentId: number;
  agentSecret: string;
  /** Customers join a group by QR code until it has this many (客户群 doc: 200 for QR joins). */
  groupJoinCap: number;
  /** Per corp per API: about 10,000 calls a minute and 150,000 an hour (主动调用频率限制). */
  limits: { perMinute: number; perHour: number };
  /** Mass sends a customer receives a month; null: as many as the month has days (doc 92135). */
  massSendMonthlyCap: number | null;
  tokens: Map<string, { secret: 'contact' | 'agent'; expiresAt: number }>;
  calls: Map<string, number>;
  departments: { id: number; name: string; parentid: number }[];
  staff: Map<string, { userid: string; name: string; department: number[] }>;
  customers: Map<string, { external_userid: string; name: string; type: number; gender: number; unionid?: string; avatar: string }>;
  /** external_userid → userid → follow info. */
  follows: Map<string, Map<string, FollowUser & { tag_id: string[] }>>;
  tagGroups: { group_id: string; group_name: string; create_time: number; order: number; tag: { id: string; name: string; create_time: number; order: number }[] }[];
  contactWays: Map<string, { config_id: string; type: 1 | 2; scene: 1 | 2; remark?: string; skip_verify: boolean; state?: string; user: string[]; party: number[]; qr_code: string; turn: number }>;
  joinWays: Map<string, { config_id: string; scene: 1 | 2; remark?: string; auto_create_room: number; room_base_name?: string; room_base_id?: number; chat_id_list: string[]; state?: string; qr_code: string }>;
  groups: Map<string, SimGroup>;
  welcomeCodes: Map<string, { userid: string; external_userid: string; expiresAt: number; used: boolean }>;
  /** Welcome messages delivered to customers, in order. */
  welcomes: { userid: string; external_userid: string; text?: string; attachments: Attachment[]; at: number }[];
  transfers: { kind: 'onjob' | 'resigned'; handover: string; takeover: string; external_userid: string; requestedAt: number; refused: boolean; applied: boolean }[];
  msgTemplates: Map<string, SimMassSend>;
  /** Mass sends received per customer (or group), as epoch seconds. */
  received: Map<string, number[]>;
  moments: Map<string, { jobid: string; moment_id: string }>;
  /** 入群欢迎语素材 by template id. */
  groupWelcomeTemplates: Map<string, GroupWelcomeTemplate>;
  /** Group welcomes sent to joiners, in order. */
  groupWelcomes: { chat_id: string; userid: string; text?: string; at: number }[];
  /** App messages (应用消息, message/send) delivered to staff, in order. */
  appMessages: { msgid: string; touser: string[]; agentid: number; text: string; at: number }[];
  /** Where the simulator is served, for its QR image URLs (set when it listens or is mounted). */
  qrBase: string | null;
}

export interface SimGroup {
  chat_id: string;
  name: string;
  owner: string;
  create_time: number;
  notice: string;
  members: { userid: string; type: number; join_time: number; join_scene: number; invitor?: { userid: string }; name?: string; unionid?: string; state?: string }[];
  version: number;
  dismissed: boolean;
  /** The 入群欢迎语 the owner chose for the group in WeCom, if any. */
  welcome_template_id?: string;
}

export interface SimMassSend {
  msgid: string;
  chat_type: 'single' | 'group';
  creator: string;
  create_time: number;
  text?: { content: string };
  attachments: Attachment[];
  /** sender userid → targets (external userids or chat ids) with send status. */
  tasks: Map<string, { status: number; send_time?: number; targets: { id: string; status: number; send_time?: number }[] }>;
}

export interface SimulatorOptions {
  clock: Clock;
  corpId?: string;
  contactSecret?: string;
  agentId?: number;
  agentSecret?: string;
  staff?: { userid: string; name: string; department?: number[] }[];
  departments?: { id: number; name: string; parentid: number }[];
  groupJoinCap?: number;
  limits?: { perMinute: number; perHour: number };
  massSendMonthlyCap?: number | null;
}

export function createCorp(opts: SimulatorOptions): SimCorp {
  const departments = opts.departments ?? [{ id: 1, name: '总部', parentid: 0 }];
  return {
    clock: opts.clock,
    corpId: opts.corpId ?? `ww${hex(8)}`,
    contactSecret: opts.contactSecret ?? randomBytes(32).toString('base64url').slice(0, 43),
    agentId: opts.agentId ?? 1000002,
    agentSecret: opts.agentSecret ?? randomBytes(32).toString('base64url').slice(0, 43),
    groupJoinCap: opts.groupJoinCap ?? 200,
    limits: opts.limits ?? { perMinute: 10_000, perHour: 150_000 },
    massSendMonthlyCap: opts.massSendMonthlyCap ?? null,
    tokens: new Map(),
    calls: new Map(),
    departments,
    staff: new Map((opts.staff ?? []).map((s) => [s.userid, { userid: s.userid, name: s.name, department: s.department ?? [departments[0].id] }])),
    customers: new Map(),
    follows: new Map(),
    tagGroups: [],
    contactWays: new Map(),
    joinWays: new Map(),
    groups: new Map(),
    welcomeCodes: new Map(),
    welcomes: [],
    transfers: [],
    msgTemplates: new Map(),
    received: new Map(),
    moments: new Map(),
    groupWelcomeTemplates: new Map(),
    groupWelcomes: [],
    appMessages: [],
    qrBase: null,
  };
}

export function hex(bytes: number): string {
  return randomBytes(bytes).toString('hex');
}

export function nowSeconds(corp: SimCorp): number {
  return Math.floor(corp.clock.now().getTime() / 1000);
}

/** An error answer: WeCom replies HTTP 200 with a non-zero errcode. */
export class SimError extends Error {
  constructor(
    readonly errcode: number,
    readonly errmsg: string,
  ) {
    super(errmsg);
  }
}

export function fail(errcode: number, errmsg: string): never {
  throw new SimError(errcode, errmsg);
}

export function staffOrFail(corp: SimCorp, userid: string) {
  return corp.staff.get(userid) ?? fail(40003, `invalid userid ${userid}`);
}

export function customerOrFail(corp: SimCorp, externalUserid: string) {
  return corp.customers.get(externalUserid) ?? fail(40096, `invalid external userid ${externalUserid}`);
}

export function followOrFail(corp: SimCorp, userid: string, externalUserid: string) {
  customerOrFail(corp, externalUserid);
  return corp.follows.get(externalUserid)?.get(userid) ?? fail(84061, 'not external contact');
}

/** Contact-way and join-way configs share one quota of 500,000 a corp (「联系我」管理, doc 92228). */
export const CONFIG_QUOTA = 500_000;

export function checkConfigQuota(corp: SimCorp): void {
  if (corp.contactWays.size + corp.joinWays.size >= CONFIG_QUOTA) fail(45024, `the corp has ${CONFIG_QUOTA} contact and join ways already`);
}

/** Corp tags: at most 3,000 a corp (客户标签管理, doc 92117). */
export const TAG_CAP = 3000;

export function tagCount(corp: SimCorp): number {
  return corp.tagGroups.reduce((n, g) => n + g.tag.length, 0);
}

export function page<T>(items: T[], cursor: string | undefined, limit: number): { items: T[]; next: string } {
  const start = cursor ? Number(cursor) || 0 : 0;
  const slice = items.slice(start, start + limit);
  return { items: slice, next: start + limit < items.length ? String(start + limit) : '' };
}
