import { buildServer, type Server } from '../../src/api/index.js';
import { systemActor } from '../../src/audit/index.js';
import { createApiKey, createOperator, ensureWorkspace, type Role, setMembership } from '../../src/auth/index.js';
import { type CustomerRecord, writeCustomers } from '../../src/customers/index.js';
import { newId } from '../../src/core/index.js';
import { type TestCtx, testStores } from './stores.js';

export interface TestApp {
  ctx: TestCtx;
  app: Server;
  close(): Promise<void>;
}

export async function testApp(opts: Parameters<typeof testStores>[0] = {}): Promise<TestApp> {
  const ctx = await testStores(opts);
  const app = await buildServer(ctx, { logger: false });
  await app.ready();
  return {
    ctx,
    app,
    async close() {
      await app.close();
      await ctx.close();
    },
  };
}

export async function seedWorkspace(ctx: TestCtx, slug: string) {
  const { workspace } = await ensureWorkspace(ctx, { slug, name: `Brand ${slug}` }, systemActor);
  return workspace;
}

export async function seedOperator(ctx: TestCtx, workspaceId: string, email: string, role: Role, password = 'correct horse 1') {
  const op = await createOperator(ctx, { email, name: email.split('@')[0], password });
  await setMembership(ctx, workspaceId, op.id, role, systemActor);
  return { ...op, password };
}

export async function apiKey(ctx: TestCtx, workspaceId: string, role: Role): Promise<string> {
  const k = await createApiKey(ctx, workspaceId, { name: `${role} key`, role }, { actor: systemActor, role: 'owner' });
  return k.key;
}

export function customer(partial: Partial<CustomerRecord> & { name: string }): CustomerRecord {
  return {
    id: newId(),
    firstSeenAt: new Date('2026-01-01T00:00:00Z'),
    identifiers: [],
    ...partial,
  };
}

export async function seedCustomers(ctx: TestCtx, workspaceId: string, records: CustomerRecord[]) {
  await writeCustomers(ctx, workspaceId, records);
  return records;
}

export const bearer = (key: string) => ({ authorization: `Bearer ${key}` });
