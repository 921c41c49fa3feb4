// Wire shapes of /api/wecom/* as the WeCom pages consume them.

export interface WecomSettings {
  corpId: string;
  agentId: string | null;
  apiBaseUrl: string;
  hasAgentSecret: boolean;
  callbackPath: string;
  options: { groupCap: number; massSendMonthlyCap: number | null };
  connectedAt: string;
  sync: { status?: 'running' | 'done' | 'failed'; relationsDone?: number; staff?: number; contacts?: number; relations?: number; groups?: number; error?: string; finishedAt?: string };
}

export interface ConnectionCheck {
  field: string;
  ok: boolean;
  message: string;
}

export type Strategy = 'round_robin' | 'weighted' | 'scheduled';

export interface PoolMember {
  userid: string;
  weight: number;
  dailyCap: number | null;
  hours: { days: number[]; start: string; end: string } | null;
}

export type WelcomeAttachment =
  | { type: 'image'; picUrl: string }
  | { type: 'link'; title: string; url: string; desc?: string; picUrl?: string }
  | { type: 'miniprogram'; title: string; appid: string; page: string; picMediaId: string };

export interface WelcomeMessage {
  text: string;
  attachments: WelcomeAttachment[];
}

export interface LiveCode {
  id: string;
  name: string;
  channel: string;
  channelName: string;
  state: string;
  short: string;
  configId: string;
  qrUrl: string;
  strategy: Strategy;
  pool: PoolMember[];
  backupUserid: string | null;
  skipVerify: boolean;
  tags: string[];
  welcome: WelcomeMessage | null;
  current: string[];
  adds: number;
  active: number;
  createdAt: string;
}

export interface LiveCodeInput {
  name: string;
  channel: string;
  channelName?: string;
  strategy: Strategy;
  pool: PoolMember[];
  backupUserid: string | null;
  skipVerify: boolean;
  tags: string[];
  welcome: WelcomeMessage | null;
}

export interface StatsRow {
  key: string;
  label: string;
  adds: number;
  deletes: number;
  net: number;
  eligible7: number;
  retained7: number;
  retention7: number | null;
}

export interface Stats {
  byDay: StatsRow[];
  byCode: StatsRow[];
  byStaff: StatsRow[];
}

export interface Staff {
  userid: string;
  name: string;
  department: string | null;
  customers: number;
  addsToday: number;
  deletesToday: number;
}

export interface GroupItem {
  chatId: string;
  name: string;
  owner: string;
  ownerName: string | null;
  customers: number;
  codeId: string | null;
  joinedByCode: number;
  createdAt: string;
  dismissed: boolean;
}

export interface GroupCode {
  id: string;
  name: string;
  channel: string;
  channelName: string;
  state: string;
  short: string;
  qrUrl: string;
  autoCreate: boolean;
  roomBaseName: string;
  cap: number;
  welcome: string | null;
  chatIds: string[];
  groups: { chatId: string; name: string; owner: string; customers: number; joinedByCode: number; dismissed: boolean }[];
  createdAt: string;
}

export interface Relation {
  userid: string;
  staffName: string | null;
  externalUserid: string;
  remark: string | null;
  addWay: number | null;
  state: string | null;
  liveCode: string | null;
  channel: string | null;
  tags: string[];
  addedAt: string;
  deletedAt: string | null;
  deletedBy: string | null;
  welcome: string | null;
}

export interface WelcomeTemplates {
  templates: { element: 'value' | 'action' | 'urgency'; text: string }[];
  variables: string[];
}
