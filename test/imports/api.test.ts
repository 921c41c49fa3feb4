import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startImportWorker } from '../../src/imports/index.js';
import { apiKey, bearer, seedWorkspace, type TestApp, testApp } from '../support/app.js';
import { multipart, orderTotals, ordersCsv } from './support.js';

// The upload API: multipart (kind, mapping, then the file), 202 with a job whose progress and
// error report can be read; wrong kind, mapping, encoding or shape answer 4xx and store nothing.
let t: TestApp;
let ws: string;
let admin: string;
let viewer: string;
let stopWorker: () => Promise<void>;
beforeAll(async () => {
  t = await testApp();
  ws = (await seedWorkspace(t.ctx, 'api-import')).id;
  admin = await apiKey(t.ctx, ws, 'operator');
  viewer = await apiKey(t.ctx, ws, 'viewer');
  stopWorker = startImportWorker(t.ctx, { intervalMs: 20 });
});
afterAll(async () => {
  await stopWorker?.();
  await t?.close();
});

/** Follows an import through the API as a client would, until the worker has finished it. */
async function finished(id: string) {
  const seen: number[] = [];
  for (;;) {
    const view = (await t.app.inject({ url: `/api/imports/${id}`, headers: bearer(admin) })).json();
    seen.push(view.progress.percent);
    if (view.status === 'completed' || view.status === 'failed') {
      expect(seen).toEqual([...seen].sort((a, b) => a - b));
      return view;
    }
    await new Promise((r) => setTimeout(r, 20));
  }
}

const upload = (key: string, fields: Record<string, string>, file?: { name: string; content: string | Buffer }) => {
  const body = multipart(fields, file);
  return t.app.inject({ method: 'POST', url: '/api/imports', headers: { ...bearer(key), ...body.headers }, payload: body.payload });
};

async function jobsCount(): Promise<number> {
  const r = await t.ctx.db.selectFrom('imports').select((eb) => eb.fn.countAll<number>().as('n')).where('workspace_id', '=', ws).executeTakeFirstOrThrow();
  return Number(r.n);
}

describe('POST /api/imports', () => {
  it('answers 4xx for a wrong kind, mapping, encoding or body, and stores nothing', async () => {
    const csv = 'order_no,member,paid_at,amount\nA1,M1,2025-01-02 10:00,12.5\n';
    const cases: { fields: Record<string, string>; file?: { name: string; content: string | Buffer }; status: number; path: string }[] = [
      { fields: { kind: 'invoices' }, file: { name: 'a.csv', content: csv }, status: 400, path: 'kind' },
      { fields: { kind: 'orders', mapping: '{not json' }, file: { name: 'a.csv', content: csv }, status: 400, path: 'mapping' },
      { fields: { kind: 'orders', mapping: JSON.stringify({ order_no: 'order_id', member: 'user_id', paid_at: 'ordered_at', amount: 'money' }) }, file: { name: 'a.csv', content: csv }, status: 400, path: 'mapping.amount' },
      { fields: { kind: 'orders', mapping: JSON.stringify({ order_no: 'order_id', nope: 'user_id', paid_at: 'ordered_at', amount: 'total' }) }, file: { name: 'a.csv', content: csv }, status: 400, path: 'mapping.nope' },
      { fields: { kind: 'orders', mapping: JSON.stringify({ order_no: 'order_id', paid_at: 'ordered_at', amount: 'total' }) }, file: { name: 'a.csv', content: csv }, status: 400, path: 'mapping' },
      { fields: { kind: 'orders' }, file: { name: 'gbk.csv', content: Buffer.from([0xb6, 0xa9, 0xb5, 0xa5, 0xba, 0xc5, 0x0a, 0x31, 0x0a]) }, status: 400, path: 'encoding' },
      { fields: { kind: 'orders' }, file: { name: 'empty.csv', content: '' }, status: 400, path: 'file' },
      { fields: { kind: 'events', format: 'jsonl' }, file: { name: 'a.jsonl', content: csv }, status: 400, path: 'file' },
      { fields: { kind: 'orders' }, file: undefined, status: 400, path: 'file' },
    ];
    for (const c of cases) {
      const res = await upload(admin, c.fields, c.file);
      expect(res.statusCode, JSON.stringify(c.fields)).toBe(c.status);
      expect(res.headers['content-type']).toContain('application/problem+json');
      expect(res.json().errors.map((e: { path: string }) => e.path), res.body).toContain(c.path);
    }
    const gbkHint = await upload(admin, { kind: 'orders' }, { name: 'gbk.csv', content: Buffer.from([0xb6, 0xa9, 0xb5, 0xa5, 0xba, 0xc5, 0x0a, 0x31, 0x0a]) });
    expect(gbkHint.json().detail).toMatch(/GB18030/);
    const json = await t.app.inject({ method: 'POST', url: '/api/imports', headers: { ...bearer(admin), 'content-type': 'application/json' }, payload: '{"kind":"orders"}' });
    expect(json.statusCode).toBe(415);
    expect((await upload(viewer, { kind: 'orders' }, { name: 'a.csv', content: csv })).statusCode).toBe(403);
    expect(await jobsCount()).toBe(0);
    expect(await t.ctx.db.selectFrom('import_chunks').select('seq').execute()).toEqual([]);
  });

  it('takes an upload, reports progress and the error report as JSON and CSV; the same file again adds nothing', async () => {
    const file = ordersCsv(1200, 400);
    const res = await upload(admin, { kind: 'orders' }, { name: '订单.csv', content: file.csv });
    expect(res.statusCode).toBe(202);
    const queued = res.json();
    expect(queued).toMatchObject({ kind: 'orders', format: 'csv', status: 'queued', filename: '订单.csv', progress: { bytesDone: 0, totalBytes: Buffer.byteLength(file.csv), percent: 0 } });
    expect(queued.mapping).toMatchObject({ 订单号: 'order_id', '实付金额(元)': 'total' });

    const done = await finished(queued.id);
    expect(done).toMatchObject({ status: 'completed', progress: { percent: 100, rowsDone: 1200 }, summary: { rowsRead: 1200, imported: 1200 - file.bad.size, duplicates: 0, failed: file.bad.size }, errorCount: file.bad.size });
    expect(await t.ctx.db.selectFrom('import_chunks').select('seq').where('import_id', '=', queued.id).execute()).toEqual([]);
    expect(await orderTotals(t.ctx, ws)).toEqual({ orders: file.orders, grossFen: file.grossFen, netFen: file.netFen });

    const page = (await t.app.inject({ url: `/api/imports/${queued.id}/errors?limit=2`, headers: bearer(admin) })).json();
    expect(page.items.map((e: { line: number }) => e.line)).toEqual([...file.bad.keys()].slice(0, 2));
    const rest = (await t.app.inject({ url: `/api/imports/${queued.id}/errors?cursor=${page.nextCursor}`, headers: bearer(admin) })).json();
    expect(rest.items.map((e: { line: number }) => e.line)).toEqual([...file.bad.keys()].slice(2));
    expect(rest.nextCursor).toBeNull();
    const csv = await t.app.inject({ url: `/api/imports/${queued.id}/errors?format=csv`, headers: bearer(admin) });
    expect(csv.headers['content-type']).toContain('text/csv');
    const lines = csv.body.replace(/^\uFEFF/, '').trim().split('\n');
    expect(lines[0]).toBe('line,field,column,reason,value');
    expect(lines[1]).toBe(`${[...file.bad.keys()][0]},total,实付金额(元),must not be negative,-12.50`);
    expect(lines).toHaveLength(file.bad.size + 1);

    const list = (await t.app.inject({ url: '/api/imports', headers: bearer(admin) })).json();
    expect(list.items.map((i: { id: string }) => i.id)).toContain(queued.id);
    // Another workspace sees neither the import nor its errors.
    const other = await apiKey(t.ctx, (await seedWorkspace(t.ctx, 'api-import-other')).id, 'admin');
    expect((await t.app.inject({ url: `/api/imports/${queued.id}`, headers: bearer(other) })).statusCode).toBe(404);
    expect((await t.app.inject({ url: `/api/imports/${queued.id}/errors?format=csv`, headers: bearer(other) })).statusCode).toBe(404);
    expect((await t.app.inject({ url: '/api/imports', headers: bearer(other) })).json().items).toEqual([]);

    const again = await upload(admin, { kind: 'orders' }, { name: '订单.csv', content: file.csv });
    const second = await finished(again.json().id);
    expect(second.summary).toEqual({ rowsRead: 1200, imported: 0, duplicates: 1200 - file.bad.size, failed: file.bad.size });
    expect(await orderTotals(t.ctx, ws)).toEqual({ orders: file.orders, grossFen: file.grossFen, netFen: file.netFen });
  });
});

describe('POST /api/imports/preview', () => {
  it('gives columns, first rows and a suggested mapping for the console', async () => {
    const sample = Buffer.from('会员编号,手机号码,姓名,会员等级,积分\nM1,13800138000,张三,金卡,120\n').toString('base64');
    const res = await t.app.inject({ method: 'POST', url: '/api/imports/preview', headers: bearer(admin), payload: { kind: 'customers', sample, complete: true } });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({
      format: 'csv',
      columns: ['会员编号', '手机号码', '姓名', '会员等级', '积分'],
      rows: [{ 会员编号: 'M1', 手机号码: '13800138000', 姓名: '张三', 会员等级: '金卡', 积分: '120' }],
      suggested: { 会员编号: 'user_id', 手机号码: 'phone', 姓名: 'name', 会员等级: 'traits.会员等级', 积分: 'traits.积分' },
    });
    expect(res.json().fields.find((f: { name: string }) => f.name === 'phone')).toEqual({ name: 'phone', required: false, group: 'identifier' });
  });
});
