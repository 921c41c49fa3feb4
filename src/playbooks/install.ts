import { AppError, isUuid } from '../core/index.js';
import type { Ctx } from '../store/index.js';
import { type Actor, recordAudit } from '../audit/index.js';
import { createSegment } from '../segments/index.js';
import { createTag, createTagGroup } from '../tags/index.js';
import { createTemplate } from '../messages/index.js';
import { createJourney, getJourney, publishJourney, type Journey } from '../journeys/index.js';
import { findPlaybook, type Playbook, type PlaybookMessage, type PlaybookRefs, PLAYBOOKS } from './catalog.js';

export interface InstallOptions {
  /** Go live at once (validated again on publish). */
  publish?: boolean;
  /** The group live code a group invite goes to; default the workspace's oldest group code. */
  groupCodeId?: string;
}

export interface InstalledItem {
  kind: 'message_template' | 'tag' | 'segment';
  key: string;
  id: string;
  name: string;
  /** false: an existing one with that name was reused. */
  created: boolean;
}

export interface InstallResult {
  journey: Journey;
  items: InstalledItem[];
}

type By = { actor: Actor; requestId?: string };
type Ws = { id: string; timezone: string };

/** A template for the gallery: how customers enter, how many steps, what installing creates and what it relies on. */
export function playbookSummary(p: Playbook) {
  const graph = p.graph(placeholderRefs());
  const requires: ('wecom' | 'groupCode' | 'events' | 'traits')[] = [];
  if (p.relies.wecom) requires.push('wecom');
  if (p.relies.groupCode) requires.push('groupCode');
  if (p.relies.events?.length) requires.push('events');
  if (p.relies.traits?.length) requires.push('traits');
  return {
    key: p.key,
    name: p.name,
    description: p.description,
    triggerKind: graph.trigger.kind,
    triggerSummary: p.triggerSummary,
    steps: graph.steps.length,
    goal: graph.goal ? { event: graph.goal.event, withinDays: graph.goal.withinDays } : null,
    requires,
    relies: { events: p.relies.events ?? [], traits: p.relies.traits ?? [] },
    creates: {
      messageTemplates: p.messages.map((m) => ({ name: m.name, channel: m.channel, text: m.body })),
      tags: p.tags.map((t) => ({ group: t.group, name: t.name })),
      segments: p.segments.map((x) => ({ name: x.name, description: x.description })),
      coupons: p.coupons.map((c) => ({ ...c })),
    },
  };
}
export type PlaybookSummary = ReturnType<typeof playbookSummary>;

/** The gallery, with the journey each template is installed as (not archived), if any. */
export async function listPlaybooks(ctx: Ctx, workspaceId: string): Promise<(PlaybookSummary & { installed: string | null })[]> {
  const rows = await ctx.db.selectFrom('journeys').select(['id', 'template_key']).where('workspace_id', '=', workspaceId).where('template_key', 'is not', null).where('status', '!=', 'archived').execute();
  const installed = new Map(rows.map((r) => [r.template_key, r.id]));
  return PLAYBOOKS.map((p) => ({ ...playbookSummary(p), installed: installed.get(p.key) ?? null }));
}

/** Distinct, well-formed uuids for every reference: lets the graph be built and shape-checked without a workspace. */
export function placeholderRefs(): PlaybookRefs {
  const ids = new Map<string, string>();
  const id = (k: string) => {
    let v = ids.get(k);
    if (!v) {
      v = `00000000-0000-4000-8000-${String(ids.size + 1).padStart(12, '0')}`;
      ids.set(k, v);
    }
    return v;
  };
  return { message: (k) => id(`m:${k}`), tag: (k) => id(`t:${k}`), segment: (k) => id(`s:${k}`), groupCode: () => id('g') };
}

function messageContent(m: PlaybookMessage): Record<string, unknown> {
  switch (m.channel) {
    case 'wecom_1v1':
    case 'wecom_group':
    case 'wecom_moments':
      return { text: m.body, attachments: [] };
    case 'email':
      return { subject: m.title ?? m.name, html: m.body };
    default:
      return { text: m.body };
  }
}

async function ensureMessage(ctx: Ctx, ws: Ws, m: PlaybookMessage, by: By): Promise<InstalledItem> {
  const existing = await ctx.db.selectFrom('message_templates').select(['id', 'channel']).where('workspace_id', '=', ws.id).where('name', '=', m.name).where('deleted_at', 'is', null).executeTakeFirst();
  if (existing) {
    if (existing.channel !== m.channel) throw new AppError('conflict', `a message template named "${m.name}" exists for ${existing.channel}, not ${m.channel}: rename it and install again`);
    return { kind: 'message_template', key: m.key, id: existing.id, name: m.name, created: false };
  }
  const t = await createTemplate(ctx, ws.id, { name: m.name, channel: m.channel, content: messageContent(m) }, by);
  return { kind: 'message_template', key: m.key, id: t.id, name: m.name, created: true };
}

async function ensureTag(ctx: Ctx, ws: Ws, t: Playbook['tags'][number], by: By): Promise<InstalledItem> {
  let group = await ctx.db.selectFrom('tag_groups').select('id').where('workspace_id', '=', ws.id).where('name', '=', t.group).executeTakeFirst();
  if (!group) group = { id: (await createTagGroup(ctx, ws.id, { name: t.group }, by)).id };
  const existing = await ctx.db.selectFrom('tags').select(['id', 'kind']).where('workspace_id', '=', ws.id).where('group_id', '=', group.id).where('name', '=', t.name).executeTakeFirst();
  if (existing) {
    if (existing.kind !== 'manual') throw new AppError('conflict', `tag "${t.group}/${t.name}" is a rule tag; the journey needs a manual tag of that name: rename it and install again`);
    return { kind: 'tag', key: t.key, id: existing.id, name: t.name, created: false };
  }
  const tag = await createTag(ctx, ws, { groupId: group.id, name: t.name }, by);
  return { kind: 'tag', key: t.key, id: tag.id, name: t.name, created: true };
}

async function ensureSegment(ctx: Ctx, ws: Ws, s: Playbook['segments'][number], by: By): Promise<InstalledItem> {
  const existing = await ctx.db.selectFrom('segments').select('id').where('workspace_id', '=', ws.id).where('name', '=', s.name).executeTakeFirst();
  if (existing) return { kind: 'segment', key: s.key, id: existing.id, name: s.name, created: false };
  const seg = await createSegment(ctx, ws, { name: s.name, description: s.description, rule: s.rule }, by);
  return { kind: 'segment', key: s.key, id: seg.id, name: s.name, created: true };
}

async function groupCodeFor(ctx: Ctx, ws: Ws, p: Playbook, given: string | undefined): Promise<string | null> {
  if (!p.relies.groupCode) return null;
  let q = ctx.db.selectFrom('wecom_codes').select('id').where('workspace_id', '=', ws.id).where('kind', '=', 'group').where('deleted_at', 'is', null);
  if (given !== undefined) {
    if (!isUuid(given)) throw new AppError('validation_failed', `groupCodeId ${given} is not an id`, [{ path: 'body.groupCodeId', message: 'a group live code id' }]);
    q = q.where('id', '=', given);
  }
  const row = await q.orderBy('created_at').orderBy('id').executeTakeFirst();
  if (!row) {
    throw new AppError(
      'conflict',
      given !== undefined ? `group live code ${given} does not exist` : `"${p.name}" invites to a WeCom group: create a group live code (群活码) first, or pass groupCodeId`,
      [{ path: 'body.groupCodeId', message: 'no group live code' }],
    );
  }
  return row.id;
}

/**
 * Installs a template: its message templates, tags and segments (reused when one with the same
 * name exists, so a retry after a failure creates nothing twice), then the journey (a draft, or
 * live with `publish`). Installing a template whose journey exists and is not archived is a 409
 * naming that journey; after archiving it, installing again makes a new journey, with a suffix
 * when the name is taken. Each created object is audited as usual, and the install as a whole
 * as `playbook.install` listing them.
 */
export async function installPlaybook(ctx: Ctx, ws: Ws, key: string, opts: InstallOptions, by: By): Promise<InstallResult> {
  const p = findPlaybook(key);
  if (!p) throw new AppError('not_found', `no journey template "${key}"; GET /api/journeys/templates lists them`);
  const installed = await ctx.db
    .selectFrom('journeys')
    .select(['id', 'name', 'status'])
    .where('workspace_id', '=', ws.id)
    .where('template_key', '=', key)
    .where('status', '!=', 'archived')
    .executeTakeFirst();
  if (installed) {
    throw new AppError('conflict', `"${p.name}" is installed already as journey "${installed.name}" (${installed.id}, ${installed.status}); archive it to install again`, [
      { path: 'key', message: `installed as journey ${installed.id}` },
    ]);
  }
  const groupCode = await groupCodeFor(ctx, ws, p, opts.groupCodeId);

  const items: InstalledItem[] = [];
  for (const m of p.messages) items.push(await ensureMessage(ctx, ws, m, by));
  for (const t of p.tags) items.push(await ensureTag(ctx, ws, t, by));
  for (const s of p.segments) items.push(await ensureSegment(ctx, ws, s, by));
  const ref = (kind: InstalledItem['kind'], k: string) => {
    const item = items.find((i) => i.kind === kind && i.key === k);
    if (!item) throw new Error(`playbook ${p.key} refers to ${kind} "${k}", which it does not declare`);
    return item.id;
  };
  const graph = p.graph({
    message: (k) => ref('message_template', k),
    tag: (k) => ref('tag', k),
    segment: (k) => ref('segment', k),
    groupCode: () => {
      if (!groupCode) throw new Error(`playbook ${p.key} uses a group code but does not say it relies on one`);
      return groupCode;
    },
  });

  const names = new Set((await ctx.db.selectFrom('journeys').select('name').where('workspace_id', '=', ws.id).where('name', 'like', `${p.name}%`).execute()).map((r) => r.name));
  let name = p.name;
  for (let n = 2; names.has(name); n++) name = `${p.name}（${n}）`;

  let journey = await createJourney(ctx, ws.id, { name, description: p.description, graph, templateKey: p.key }, by);
  if (opts.publish) journey = await publishJourney(ctx, ws.id, journey.id, by);
  await ctx.db.transaction().execute(async (trx) => {
    await recordAudit(ctx, trx, {
      workspaceId: ws.id,
      actor: by.actor,
      action: 'playbook.install',
      entity: 'journey',
      entityId: journey.id,
      after: { template: p.key, journey: journey.id, published: !!opts.publish, groupCodeId: groupCode, items },
      requestId: by.requestId,
    });
  });
  return { journey: await getJourney(ctx, ws.id, journey.id), items };
}
