import { z } from 'zod';
import { type Actor, recordAudit } from '../audit/index.js';
import { AppError, isUuid, newId } from '../core/index.js';
import { CHANNELS, type Channel } from '../channels/index.js';
import type { Ctx } from '../store/index.js';
import { isChannel, parseContent, type TemplateContent } from './content.js';
import { checkTemplateVariables, saveTimeVariables, templateSyntaxErrors, templateVariables } from './variables.js';

export const templateInput = z
  .object({
    name: z.string().trim().min(1).max(100),
    channel: z.enum(CHANNELS),
    content: z.record(z.string(), z.unknown()).describe('per channel: see the MessageTemplate content schemas'),
  })
  .strict();
export type TemplateInput = z.infer<typeof templateInput>;

export interface MessageTemplate {
  id: string;
  name: string;
  channel: Channel;
  content: TemplateContent;
  variables: string[];
  createdAt: Date;
  createdBy: string | null;
  updatedAt: Date;
}

type Row = {
  id: string;
  name: string;
  channel: string;
  content: Record<string, unknown>;
  variables: string[];
  created_at: Date;
  created_by: string | null;
  updated_at: Date;
};
const toTemplate = (r: Row): MessageTemplate => ({
  id: r.id,
  name: r.name,
  channel: r.channel as Channel,
  content: r.content as TemplateContent,
  variables: r.variables,
  createdAt: r.created_at,
  createdBy: r.created_by,
  updatedAt: r.updated_at,
});

const COLUMNS = ['id', 'name', 'channel', 'content', 'variables', 'created_at', 'created_by', 'updated_at'] as const;

/** The workspace's trait keys: what `customer.<trait>` may name. */
async function traitKeys(ctx: Ctx, workspaceId: string): Promise<string[]> {
  const rows = await ctx.db.selectFrom('trait_keys').select('key').where('workspace_id', '=', workspaceId).execute();
  return rows.map((r) => r.key);
}

/** Checks shape, mustache syntax and variables; throws a 400 naming the first offending variable. */
export async function validateTemplate(ctx: Ctx, workspaceId: string, input: TemplateInput): Promise<{ content: TemplateContent; variables: string[] }> {
  if (!isChannel(input.channel)) throw new AppError('validation_failed', `unknown channel ${input.channel}`);
  const parsed = parseContent(input.channel, input.content);
  if (!parsed.ok) throw new AppError('validation_failed', `template content: ${parsed.errors[0].path}: ${parsed.errors[0].message}`, parsed.errors);
  const syntax = templateSyntaxErrors({ content: parsed.content });
  if (syntax.length) throw new AppError('validation_failed', `template syntax: ${syntax[0].path}: ${syntax[0].message}`, syntax);
  const available = saveTimeVariables(await traitKeys(ctx, workspaceId), Object.keys(parsed.content.links ?? {}));
  const check = checkTemplateVariables({ content: parsed.content }, available);
  if (!check.ok) {
    throw new AppError(
      'validation_failed',
      `unknown template variable${check.missing.length > 1 ? 's' : ''}: ${check.missing.map((m) => `{{${m}}}`).join(', ')}`,
      check.missing.map((m) => ({ path: 'content', message: `unknown variable {{${m}}}` })),
    );
  }
  return { content: parsed.content, variables: templateVariables({ content: parsed.content }) };
}

export async function listTemplates(ctx: Ctx, workspaceId: string, filter: { channel?: string } = {}): Promise<MessageTemplate[]> {
  let q = ctx.db.selectFrom('message_templates').select(COLUMNS).where('workspace_id', '=', workspaceId).where('deleted_at', 'is', null);
  if (filter.channel) q = q.where('channel', '=', filter.channel);
  return (await q.orderBy('name').execute()).map(toTemplate);
}

/** A template, also a deleted one (messages already queued still render with it). */
export async function getTemplate(ctx: Pick<Ctx, 'db'>, workspaceId: string, id: string, opts: { includeDeleted?: boolean } = {}): Promise<MessageTemplate> {
  if (!isUuid(id)) throw new AppError('not_found', `no message template ${id}`);
  let q = ctx.db.selectFrom('message_templates').select(COLUMNS).where('workspace_id', '=', workspaceId).where('id', '=', id);
  if (!opts.includeDeleted) q = q.where('deleted_at', 'is', null);
  const row = await q.executeTakeFirst();
  if (!row) throw new AppError('not_found', `no message template ${id}`);
  return toTemplate(row);
}

async function nameTaken(ctx: Ctx, workspaceId: string, name: string, except?: string): Promise<boolean> {
  let q = ctx.db.selectFrom('message_templates').select('id').where('workspace_id', '=', workspaceId).where('name', '=', name).where('deleted_at', 'is', null);
  if (except) q = q.where('id', '!=', except);
  return (await q.executeTakeFirst()) !== undefined;
}

export async function createTemplate(ctx: Ctx, workspaceId: string, input: TemplateInput, by: { actor: Actor; requestId?: string }): Promise<MessageTemplate> {
  const { content, variables } = await validateTemplate(ctx, workspaceId, input);
  if (await nameTaken(ctx, workspaceId, input.name)) throw new AppError('conflict', `a template named "${input.name}" exists`);
  const now = ctx.clock.now();
  const id = newId(ctx.clock);
  await ctx.db.transaction().execute(async (trx) => {
    await trx
      .insertInto('message_templates')
      .values({ workspace_id: workspaceId, id, name: input.name, channel: input.channel, content: JSON.stringify(content), variables: JSON.stringify(variables), created_at: now, created_by: by.actor.name, updated_at: now })
      .execute();
    await recordAudit(ctx, trx, { workspaceId, actor: by.actor, action: 'message_template.create', entity: 'message_template', entityId: id, after: { ...input, content }, requestId: by.requestId });
  });
  return getTemplate(ctx, workspaceId, id);
}

export async function updateTemplate(ctx: Ctx, workspaceId: string, id: string, input: TemplateInput, by: { actor: Actor; requestId?: string }): Promise<MessageTemplate> {
  const before = await getTemplate(ctx, workspaceId, id);
  const { content, variables } = await validateTemplate(ctx, workspaceId, input);
  if (await nameTaken(ctx, workspaceId, input.name, id)) throw new AppError('conflict', `a template named "${input.name}" exists`);
  await ctx.db.transaction().execute(async (trx) => {
    await trx
      .updateTable('message_templates')
      .set({ name: input.name, channel: input.channel, content: JSON.stringify(content), variables: JSON.stringify(variables), updated_at: ctx.clock.now() })
      .where('workspace_id', '=', workspaceId)
      .where('id', '=', id)
      .execute();
    await recordAudit(ctx, trx, { workspaceId, actor: by.actor, action: 'message_template.update', entity: 'message_template', entityId: id, before, after: { ...input, content }, requestId: by.requestId });
  });
  return getTemplate(ctx, workspaceId, id);
}

/** Soft delete: messages already queued with it still render; new sends cannot pick it. */
export async function deleteTemplate(ctx: Ctx, workspaceId: string, id: string, by: { actor: Actor; requestId?: string }): Promise<void> {
  const before = await getTemplate(ctx, workspaceId, id);
  await ctx.db.transaction().execute(async (trx) => {
    await trx.updateTable('message_templates').set({ deleted_at: ctx.clock.now() }).where('workspace_id', '=', workspaceId).where('id', '=', id).execute();
    await recordAudit(ctx, trx, { workspaceId, actor: by.actor, action: 'message_template.delete', entity: 'message_template', entityId: id, before, requestId: by.requestId });
  });
}
