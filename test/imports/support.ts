import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Ctx } from '../../src/store/index.js';

/** A temporary file holding `content`, removed by the returned cleanup. */
export function tempFile(name: string, content: string | Buffer): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'siyu-import-'));
  const file = path.join(dir, name);
  fs.writeFileSync(file, content);
  return file;
}

export interface OrdersFile {
  csv: string;
  /** 1-based file line → why that row is bad. */
  bad: Map<number, { field: string; reason: RegExp }>;
  orders: number;
  /** Net revenue of the good rows, in fen (refunded orders count 0). */
  netFen: number;
  grossFen: number;
}

/**
 * An order export as a shop would give it (Chinese header, yuan, local times), with bad rows
 * sprinkled at known lines. Every 20th order is refunded in full.
 */
export function ordersCsv(n: number, badEvery = 0): OrdersFile {
  const lines = ['订单号,会员ID,手机号,下单时间,实付金额(元),订单状态,商品编码,数量'];
  const bad = new Map<number, { field: string; reason: RegExp }>();
  let netFen = 0;
  let grossFen = 0;
  let orders = 0;
  const breakers: ((i: number) => [string, { field: string; reason: RegExp }])[] = [
    (i) => [`B${i},M${i % 997},,2025-03-01 10:00:00,-12.50,已完成,SKU-1,1`, { field: 'total', reason: /negative/ }],
    (i) => [`B${i},M${i % 997},,2025-02-30 10:00:00,12.50,已完成,SKU-1,1`, { field: 'ordered_at', reason: /not a valid date/ }],
    (i) => [`B${i},,,2025-03-01 10:00:00,12.50,已完成,SKU-1,1`, { field: 'identifier', reason: /missing/ }],
    (i) => [`B${i},M${i % 997},,2025-03-01 10:00:00,12.50,发货中了吗,SKU-1,1`, { field: 'status', reason: /not a known order status/ }],
    (i) => [`B${i},,12345,2025-03-01 10:00:00,12.50,已完成,SKU-1,1`, { field: 'phone', reason: /not a phone number/ }],
  ];
  for (let i = 0; i < n; i++) {
    const line = lines.length + 1;
    if (badEvery && i % badEvery === badEvery - 1) {
      const [text, why] = breakers[(i / badEvery) % breakers.length | 0](i);
      lines.push(text);
      bad.set(line, why);
      continue;
    }
    const fen = 100 + ((i * 7919) % 99_900);
    const refunded = i % 20 === 19;
    const day = String(1 + (i % 28)).padStart(2, '0');
    const month = String(1 + (i % 12)).padStart(2, '0');
    const phone = i % 3 === 0 ? `139${String(i % 997).padStart(8, '0')}` : '';
    lines.push(`O${i},M${i % 997},${phone},2025-${month}-${day} ${String(i % 24).padStart(2, '0')}:15:00,${(fen / 100).toFixed(2)},${refunded ? '已退款' : '已完成'},SKU-${i % 50},${1 + (i % 3)}`);
    orders++;
    grossFen += fen;
    if (!refunded) netFen += fen;
  }
  return { csv: lines.join('\n') + '\n', bad, orders, netFen, grossFen };
}

export async function orderTotals(ctx: Ctx, workspaceId: string): Promise<{ orders: number; grossFen: number; netFen: number }> {
  const [r] = await ctx.events.query<{ orders: number; gross: number; net: number }>(
    `SELECT count() AS orders, sum(total_fen) AS gross, sum(total_fen - refunded_fen) AS net FROM ${ctx.events.table('orders')} FINAL WHERE workspace_id = {ws:UUID}`,
    { ws: workspaceId },
  );
  return { orders: Number(r.orders), grossFen: Number(r.gross), netFen: Number(r.net) };
}

export async function inboxSize(ctx: Ctx, workspaceId: string): Promise<number> {
  const r = await ctx.db.selectFrom('ingest_inbox').select((eb) => eb.fn.countAll<number>().as('n')).where('workspace_id', '=', workspaceId).executeTakeFirstOrThrow();
  return Number(r.n);
}

/** A multipart body as browsers and curl send it: fields first, then the file. */
export function multipart(fields: Record<string, string>, file?: { name: string; content: string | Buffer }) {
  const boundary = '----siyu-test-boundary';
  const parts: Buffer[] = [];
  for (const [k, v] of Object.entries(fields)) parts.push(Buffer.from(`--${boundary}\r\ncontent-disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`));
  if (file) {
    parts.push(Buffer.from(`--${boundary}\r\ncontent-disposition: form-data; name="file"; filename="${file.name}"\r\ncontent-type: text/csv\r\n\r\n`));
    parts.push(Buffer.isBuffer(file.content) ? file.content : Buffer.from(file.content));
    parts.push(Buffer.from('\r\n'));
  }
  parts.push(Buffer.from(`--${boundary}--\r\n`));
  return { payload: Buffer.concat(parts), headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } };
}
