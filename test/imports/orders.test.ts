import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { importLocalFile, type ImportJob, prepareLocalFile } from '../../src/imports/index.js';
import { seedWorkspace } from '../support/app.js';
import { type TestCtx, testStores } from '../support/stores.js';
import { inboxSize, orderTotals, ordersCsv, tempFile } from './support.js';

// The "done when": an order export with a few bad rows; progress is reported, bad rows
// come back by line, and importing the same file again adds nothing. (100k rows: bench/imports.ts.)
const ROWS = 6000;
let ctx: TestCtx;
let ws: string;
beforeAll(async () => {
  ctx = await testStores();
  ws = (await seedWorkspace(ctx, 'orders-import')).id;
});
afterAll(() => ctx?.close());

it('imports an order CSV with bad rows: progress, per-line errors, totals equal the file, re-import adds nothing', async () => {
  const file = ordersCsv(ROWS, 1000);
  const local = await prepareLocalFile(tempFile('订单导出.csv', file.csv), { kind: 'orders', encoding: 'utf-8', overrides: {} });
  expect(local.mapping).toEqual({ 订单号: 'order_id', 会员ID: 'user_id', 手机号: 'phone', 下单时间: 'ordered_at', '实付金额(元)': 'total', 订单状态: 'status', 商品编码: 'sku', 数量: 'quantity' });

  const progress: ImportJob[] = [];
  const first = await importLocalFile(ctx, ws, local, { createdBy: 'test', onProgress: (j) => progress.push(j), chunkRows: 500 });
  expect(first.status).toBe('completed');
  expect(progress.length).toBeGreaterThan(5);
  const rowsSeen = progress.map((p) => p.rows_read);
  expect(rowsSeen).toEqual([...rowsSeen].sort((a, b) => a - b));
  expect(progress.some((p) => Number(p.bytes_done) > 0 && Number(p.bytes_done) < Number(p.total_bytes))).toBe(true);
  expect({ rows: first.rows_read, imported: first.imported, duplicates: first.duplicates, failed: first.failed }).toEqual({ rows: ROWS, imported: ROWS - file.bad.size, duplicates: 0, failed: file.bad.size });

  const errors = await ctx.db.selectFrom('import_errors').selectAll().where('import_id', '=', first.id).orderBy('line').execute();
  expect(errors.map((e) => e.line)).toEqual([...file.bad.keys()]);
  for (const e of errors) {
    const expected = file.bad.get(e.line)!;
    expect(e.field).toBe(expected.field);
    expect(e.reason).toMatch(expected.reason);
  }
  expect(errors.find((e) => e.field === 'total')?.value).toBe('-12.50');
  expect(errors.find((e) => e.field === 'phone')?.value).toBeNull(); // personal data stays out of the report

  expect(await orderTotals(ctx, ws)).toEqual({ orders: file.orders, grossFen: file.grossFen, netFen: file.netFen });
  const inbox = await inboxSize(ctx, ws);

  const again = await importLocalFile(ctx, ws, local, { createdBy: 'test', chunkRows: 500 });
  expect({ rows: again.rows_read, imported: again.imported, duplicates: again.duplicates, failed: again.failed }).toEqual({ rows: ROWS, imported: 0, duplicates: ROWS - file.bad.size, failed: file.bad.size });
  expect(await inboxSize(ctx, ws)).toBe(inbox);
  expect(await orderTotals(ctx, ws)).toEqual({ orders: file.orders, grossFen: file.grossFen, netFen: file.netFen });
});

it('reads a GB18030 shop export with one row per line item, partial and full refunds; one bad line refuses its whole order', async () => {
  const shop = (await seedWorkspace(ctx, 'taobao-shop')).id;
  const file = path.resolve('test/imports/fixtures/taobao-orders-gb18030.csv');
  await expect(prepareLocalFile(file, { kind: 'orders', encoding: 'utf-8', overrides: {} })).rejects.toThrow(/not UTF-8 text: a file saved by Excel in Chinese is usually GB18030/);
  const local = await prepareLocalFile(file, { kind: 'orders', encoding: 'gb18030', overrides: {} });
  expect(local.mapping).toEqual({ 订单编号: 'order_id', 买家会员名: 'taobao_buyer', 付款时间: 'ordered_at', 实付金额: 'total', 退款金额: 'refund', 订单状态: 'status', 商品编码: 'sku', 商品名称: 'product_name', 数量: 'quantity', 单价: 'price' });
  const job = await importLocalFile(ctx, shop, local, { createdBy: 'test' });
  expect({ rows: job.rows_read, imported: job.imported, duplicates: job.duplicates, failed: job.failed }).toEqual({ rows: 7, imported: 4, duplicates: 0, failed: 3 });
  const errors = await ctx.db.selectFrom('import_errors').select(['line', 'field', 'reason']).where('import_id', '=', job.id).orderBy('line').execute();
  expect(errors).toEqual([
    { line: 6, field: 'quantity', reason: 'must not be negative' },
    { line: 7, field: 'row', reason: 'refused with order T5 (see line 8)' },
    { line: 8, field: 'quantity', reason: 'is not a whole number' },
  ]);
  const orders = await ctx.events.query<{ order_id: string; status: string; total_fen: number; refunded_fen: number; skus: string[]; products: string }>(
    `SELECT order_id, status, total_fen, refunded_fen, skus, products FROM ${ctx.events.table('orders')} FINAL WHERE workspace_id = {ws:UUID} ORDER BY order_id`,
    { ws: shop },
  );
  expect(orders.map((o) => ({ id: o.order_id, status: o.status, total: Number(o.total_fen), refunded: Number(o.refunded_fen), skus: o.skus }))).toEqual([
    { id: 'T1', status: 'completed', total: 30_000, refunded: 0, skus: ['SKU-1', 'SKU-2'] },
    { id: 'T2', status: 'completed', total: 5000, refunded: 2000, skus: ['SKU-3'] },
    { id: 'T3', status: 'refunded', total: 8000, refunded: 8000, skus: ['SKU-4'] },
  ]);
  expect(JSON.parse(orders[0].products)[1]).toEqual({ sku: 'SKU-2', name: '保湿面霜', category: '', quantity: 2, priceFen: 10_000 });
});
