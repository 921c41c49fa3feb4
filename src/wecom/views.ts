import { sql } from 'kysely';
import { maskName } from '../core/index.js';
import type { Ctx } from '../store/index.js';
import { customerMembers, rootCustomer } from '../customers/index.js';
import { localTime, workspaceZone } from './local.js';

export interface StaffView {
  userid: string;
  name: string;
  department: string | null;
  customers: number;
  addsToday: number;
  deletesToday: number;
}

/** WeCom staff with their current customers and today's adds and deletes (workspace zone). */
export async function listStaff(ctx: Ctx, workspaceId: string): Promise<StaffView[]> {
  const today = localTime(ctx.clock.now(), await workspaceZone(ctx, workspaceId)).dayStart;
  const staff = await ctx.db.selectFrom('staff').selectAll().where('workspace_id', '=', workspaceId).orderBy('userid').execute();
  const counts = await ctx.db
    .selectFrom('wecom_relations')
    .select([
      'userid',
      sql<number>`count(*) filter (where deleted_at is null)`.as('customers'),
      sql<number>`count(*) filter (where added_at >= ${today})`.as('adds'),
      sql<number>`count(*) filter (where deleted_at >= ${today})`.as('deletes'),
    ])
    .where('workspace_id', '=', workspaceId)
    .groupBy('userid')
    .execute();
  return staff.map((s) => {
    const c = counts.find((x) => x.userid === s.userid);
    return { userid: s.userid, name: s.name, department: s.department, customers: Number(c?.customers ?? 0), addsToday: Number(c?.adds ?? 0), deletesToday: Number(c?.deletes ?? 0) };
  });
}

export interface GroupListItem {
  chatId: string;
  name: string;
  owner: string;
  ownerName: string | null;
  customers: number;
  codeId: string | null;
  joinedByCode: number;
  createdAt: Date;
  dismissed: boolean;
}

export async function listGroups(ctx: Ctx, workspaceId: string): Promise<GroupListItem[]> {
  const rows = await ctx.db
    .selectFrom('wecom_groups as g')
    .leftJoin('staff as s', (j) => j.onRef('s.workspace_id', '=', 'g.workspace_id').onRef('s.userid', '=', 'g.owner'))
    .select(['g.chat_id', 'g.name', 'g.owner', 's.name as owner_name', 'g.member_count', 'g.code_id', 'g.code_joins', 'g.created_at', 'g.dismissed_at'])
    .where('g.workspace_id', '=', workspaceId)
    .orderBy('g.created_at', 'desc')
    .orderBy('g.chat_id')
    .limit(1000)
    .execute();
  return rows.map((r) => ({
    chatId: r.chat_id,
    name: r.name,
    owner: r.owner,
    ownerName: r.owner_name,
    customers: r.member_count,
    codeId: r.code_id,
    joinedByCode: r.code_joins,
    createdAt: r.created_at,
    dismissed: r.dismissed_at !== null,
  }));
}

export interface RelationView {
  userid: string;
  staffName: string | null;
  externalUserid: string;
  remark: string | null;
  description: string | null;
  addWay: number | null;
  state: string | null;
  liveCode: string | null;
  channel: string | null;
  tags: string[];
  addedAt: Date;
  deletedAt: Date | null;
  deletedBy: string | null;
  welcome: string | null;
}

/** The customer's staff relations (its merged customers' too); remarks masked without pii:read. */
export async function customerRelations(ctx: Ctx, workspaceId: string, customerId: string, revealPii: boolean): Promise<RelationView[]> {
  const root = await rootCustomer(ctx.db, workspaceId, customerId);
  if (!root) return [];
  const members = [...(await customerMembers(ctx.db, workspaceId, [root])).keys()];
  const rows = await ctx.db
    .selectFrom('wecom_relations as r')
    .leftJoin('staff as s', (j) => j.onRef('s.workspace_id', '=', 'r.workspace_id').onRef('s.userid', '=', 'r.userid'))
    .leftJoin('wecom_codes as c', (j) => j.onRef('c.workspace_id', '=', 'r.workspace_id').onRef('c.id', '=', 'r.code_id'))
    .selectAll('r')
    .select(['s.name as staff_name', 'c.name as code_name', 'c.channel as code_channel'])
    .where('r.workspace_id', '=', workspaceId)
    .where('r.customer_id', 'in', members)
    .orderBy('r.added_at')
    .execute();
  return rows.map((r) => {
    const remark = r.remark_enc ? ctx.secrets.decrypt(r.remark_enc) : null;
    return {
      userid: r.userid,
      staffName: r.staff_name,
      externalUserid: r.external_userid,
      remark: revealPii ? remark : maskName(remark),
      description: r.description,
      addWay: r.add_way,
      state: r.state,
      liveCode: r.code_name,
      channel: r.code_channel,
      tags: r.tags,
      addedAt: r.added_at,
      deletedAt: r.deleted_at,
      deletedBy: r.deleted_by,
      welcome: r.welcome_status,
    };
  });
}
