import { z } from 'zod';
import { AppError, newId } from '../core/index.js';
import type { Ctx } from '../store/index.js';
import { type Actor, recordAudit } from '../audit/index.js';
import { type Principal, principalFor } from './principal.js';
import { canGrant, type Role, ROLES } from './roles.js';
import { newToken, tokenHash, tokenPrefix } from './tokens.js';

/**
 * API keys (Bearer, `sk_…`) act with a role inside one workspace; write keys (`wk_…`) only
 * send data to the collection API. Both are shown once and stored as hashes.
 */
export const apiKeyInput = z.object({ name: z.string().trim().min(1).max(80), role: z.enum(ROLES) });
export const writeKeyInput = z.object({ name: z.string().trim().min(1).max(80) });

export interface ApiKeyView {
  id: string;
  name: string;
  role: Role;
  prefix: string;
  createdAt: Date;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
}

export interface WriteKeyView {
  id: string;
  name: string;
  prefix: string;
  createdAt: Date;
  revokedAt: Date | null;
}

export async function createApiKey(
  ctx: Ctx,
  workspaceId: string,
  input: z.input<typeof apiKeyInput>,
  by: { actor: Actor; role: Role; requestId?: string },
): Promise<ApiKeyView & { key: string }> {
  const data = apiKeyInput.parse(input);
  if (!canGrant(by.role, data.role)) throw new AppError('forbidden', `a ${by.role} cannot create a key with role ${data.role}`);
  const key = newToken('sk_');
  const row = await ctx.db.transaction().execute(async (trx) => {
    const created = await trx
      .insertInto('api_keys')
      .values({
        workspace_id: workspaceId,
        id: newId(ctx.clock),
        name: data.name,
        role: data.role,
        prefix: tokenPrefix(key),
        key_hash: tokenHash(key),
        created_by: by.actor.type === 'operator' ? by.actor.id : null,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    await recordAudit(ctx, trx, { workspaceId, actor: by.actor, action: 'apikey.create', entity: 'apikey', entityId: created.id, after: { name: data.name, role: data.role, prefix: created.prefix }, requestId: by.requestId });
    return created;
  });
  return { ...apiKeyView(row), key };
}

export async function listApiKeys(ctx: Ctx, workspaceId: string): Promise<ApiKeyView[]> {
  const rows = await ctx.db.selectFrom('api_keys').selectAll().where('workspace_id', '=', workspaceId).orderBy('created_at', 'desc').execute();
  return rows.map(apiKeyView);
}

export async function revokeApiKey(ctx: Ctx, workspaceId: string, id: string, by: { actor: Actor; requestId?: string }): Promise<void> {
  await revoke(ctx, 'api_keys', 'apikey', workspaceId, id, by);
}

export async function resolveApiKey(ctx: Ctx, key: string): Promise<Principal | null> {
  const row = await ctx.db
    .selectFrom('api_keys')
    .innerJoin('workspaces', 'workspaces.id', 'api_keys.workspace_id')
    .select(['api_keys.id as key_id', 'api_keys.name as key_name', 'api_keys.role', 'api_keys.revoked_at', 'api_keys.last_used_at', 'workspaces.id', 'workspaces.slug', 'workspaces.name', 'workspaces.timezone'])
    .where('api_keys.key_hash', '=', tokenHash(key))
    .executeTakeFirst();
  if (!row || row.revoked_at) return null;
  const now = ctx.clock.now();
  // Touch last_used_at at most once a minute: a busy key must not write on every request.
  if (!row.last_used_at || now.getTime() - row.last_used_at.getTime() > 60_000) {
    await ctx.db.updateTable('api_keys').set({ last_used_at: now }).where('workspace_id', '=', row.id).where('id', '=', row.key_id).execute();
  }
  return principalFor(
    { id: row.id, slug: row.slug, name: row.name, timezone: row.timezone },
    row.role as Role,
    { type: 'apikey', id: row.key_id, name: row.key_name },
  );
}

export async function createWriteKey(
  ctx: Ctx,
  workspaceId: string,
  input: z.input<typeof writeKeyInput>,
  by: { actor: Actor; requestId?: string },
): Promise<WriteKeyView & { key: string }> {
  const data = writeKeyInput.parse(input);
  const key = newToken('wk_');
  const row = await ctx.db.transaction().execute(async (trx) => {
    const created = await trx
      .insertInto('write_keys')
      .values({
        workspace_id: workspaceId,
        id: newId(ctx.clock),
        name: data.name,
        prefix: tokenPrefix(key),
        key_hash: tokenHash(key),
        created_by: by.actor.type === 'operator' ? by.actor.id : null,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    await recordAudit(ctx, trx, { workspaceId, actor: by.actor, action: 'writekey.create', entity: 'writekey', entityId: created.id, after: { name: data.name, prefix: created.prefix }, requestId: by.requestId });
    return created;
  });
  return { ...writeKeyView(row), key };
}

export async function listWriteKeys(ctx: Ctx, workspaceId: string): Promise<WriteKeyView[]> {
  const rows = await ctx.db.selectFrom('write_keys').selectAll().where('workspace_id', '=', workspaceId).orderBy('created_at', 'desc').execute();
  return rows.map(writeKeyView);
}

export async function revokeWriteKey(ctx: Ctx, workspaceId: string, id: string, by: { actor: Actor; requestId?: string }): Promise<void> {
  await revoke(ctx, 'write_keys', 'writekey', workspaceId, id, by);
}

/** The workspace a write key sends to, or null when it is unknown or revoked. */
export async function resolveWriteKey(ctx: Ctx, key: string): Promise<{ workspaceId: string; writeKeyId: string } | null> {
  const row = await ctx.db
    .selectFrom('write_keys')
    .select(['workspace_id', 'id'])
    .where('key_hash', '=', tokenHash(key))
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return row ? { workspaceId: row.workspace_id, writeKeyId: row.id } : null;
}

async function revoke(
  ctx: Ctx,
  table: 'api_keys' | 'write_keys',
  entity: string,
  workspaceId: string,
  id: string,
  by: { actor: Actor; requestId?: string },
): Promise<void> {
  await ctx.db.transaction().execute(async (trx) => {
    const res = await trx
      .updateTable(table)
      .set({ revoked_at: ctx.clock.now() })
      .where('workspace_id', '=', workspaceId)
      .where('id', '=', id)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    if (Number(res.numUpdatedRows) === 0) throw new AppError('not_found', `no active ${entity} ${id} in this workspace`);
    await recordAudit(ctx, trx, { workspaceId, actor: by.actor, action: `${entity}.revoke`, entity, entityId: id, requestId: by.requestId });
  });
}

function apiKeyView(r: { id: string; name: string; role: string; prefix: string; created_at: Date; last_used_at: Date | null; revoked_at: Date | null }): ApiKeyView {
  return { id: r.id, name: r.name, role: r.role as Role, prefix: r.prefix, createdAt: r.created_at, lastUsedAt: r.last_used_at, revokedAt: r.revoked_at };
}

function writeKeyView(r: { id: string; name: string; prefix: string; created_at: Date; revoked_at: Date | null }): WriteKeyView {
  return { id: r.id, name: r.name, prefix: r.prefix, createdAt: r.created_at, revokedAt: r.revoked_at };
}
