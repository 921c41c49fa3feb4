import { fenToYuan } from '../core/index.js';
import { type BuildEnv, type Built, type Message, plausibleTime, who } from './build.js';
import { rowIdentity } from './ids.js';
import { type MappedRow, RowIssues } from './row.js';
import { Bad, fen, isError, list, orderStatus, type Parsed, quantity, text, yuan } from './values.js';

/** An order may span adjacent rows (one per line item, as shop exports do); more is refused. */
export const MAX_ORDER_LINES = 1000;

const LINE_FIELDS = ['sku', 'product_name', 'category', 'quantity', 'price', 'price_fen'];

interface Line {
  sku: string;
  name: string;
  category: string;
  quantity: number;
  priceFen: number;
}

const orderId = (v: unknown) => {
  const t = text(v);
  return typeof t === 'string' && t.length > 100 ? new Bad('is longer than 100 characters') : t;
};
const currency = (v: unknown) => {
  const t = text(v);
  if (typeof t !== 'string') return t;
  return /^[A-Za-z]{3}$/.test(t) ? t.toUpperCase() : new Bad('is not a currency code such as CNY');
};

/** The key adjacent rows of one order share. */
export function orderKey(row: MappedRow): string | null {
  const cell = row.cells.get('order_id');
  const t = cell ? text(cell.value) : undefined;
  return typeof t === 'string' ? t : null;
}

/**
 * The rows of one order → `Order Completed`, plus `Order Refunded` when the order is refunded
 * (the whole order, or the refund amount given). Order fields come from the first row; every
 * row may add line items. One bad row refuses the whole order, so no order is half-imported.
 */
export function orderMessages(rows: MappedRow[], env: BuildEnv): Built {
  const first = rows[0];
  const issues = new RowIssues(first);
  const id = issues.require('order_id', orderId);
  const orderedAt = issues.require('ordered_at', plausibleTime(env));
  const identity = rowIdentity(first, issues, env.rules, env.anonymousIdFor);
  const given = issues.read('total', yuan) ?? issues.read('total_fen', fen);
  const discount = issues.read('discount', yuan);
  const status = issues.read('status', orderStatus) ?? 'completed';
  const refund = issues.read('refund', yuan) ?? issues.read('refund_fen', fen);
  const refundedAt = issues.read('refunded_at', plausibleTime(env));
  const cur = issues.read('currency', currency) ?? 'CNY';
  const channel = issues.read('channel', text);
  const staff = issues.read('staff_userid', text);
  const lineIssues = rows.map((r, i) => (i === 0 ? issues : new RowIssues(r)));
  const lines = rows.flatMap((r, i) => lineItems(r, lineIssues[i]));
  const total = given ?? (lines.some((l) => l.priceFen > 0) ? lines.reduce((s, l) => s + l.priceFen * l.quantity, 0) : undefined);
  if (issues.ok && total === undefined) issues.add('total', 'is missing: give the order total or the product prices', first.cells.get('total') ?? first.cells.get('total_fen'));
  if (total !== undefined && refund !== undefined && refund > total) issues.add(first.cells.has('refund') ? 'refund' : 'refund_fen', 'is more than the order total', first.cells.get('refund') ?? first.cells.get('refund_fen'));
  if (orderedAt && refundedAt && refundedAt < orderedAt) issues.add('refunded_at', 'is before the order time', first.cells.get('refunded_at'));
  if (rows.length > MAX_ORDER_LINES || lines.length > MAX_ORDER_LINES) issues.add('products', `the order has more than ${MAX_ORDER_LINES} line items`);

  if (!identity || !id || !orderedAt || total === undefined || lineIssues.some((i) => !i.ok)) {
    const bad = lineIssues.find((i) => !i.ok)?.list[0]?.line ?? first.line;
    for (const li of lineIssues) if (li.ok) li.add('row', `refused with ${id ? `order ${id}` : 'its order'} (see line ${bad})`);
    return { ok: false, errors: lineIssues.flatMap((i) => i.list) };
  }

  const base = who(identity, first, env, { contactInContext: true });
  const properties = {
    order_id: id,
    total: fenToYuan(total),
    ...(discount ? { discount: fenToYuan(discount) } : {}),
    currency: cur,
    ...(channel ? { channel } : {}),
    ...(staff ? { staff_userid: staff } : {}),
    products: lines.map((l) => ({ sku: l.sku, name: l.name, category: l.category, quantity: l.quantity, price: fenToYuan(l.priceFen) })),
  };
  const messages: Message[] = [{ type: 'track', event: 'Order Completed', messageId: env.messageId(`order\u0000${id}`), timestamp: orderedAt.toISOString(), properties, ...base }];
  const refunds = status === 'refunded' || (refund ?? 0) > 0;
  if (refunds) {
    // A refund without its own time follows the order by a millisecond, so it always folds after it.
    const at = refundedAt ?? new Date(orderedAt.getTime() + 1);
    const amount = refund === undefined ? {} : { total: fenToYuan(refund) };
    messages.push({ type: 'track', event: 'Order Refunded', messageId: env.messageId(`refund\u0000${id}`), timestamp: at.toISOString(), properties: { order_id: id, currency: cur, ...amount }, ...base });
  }
  return { ok: true, messages };
}

/** Line items of a row: a JSON `products` list, and/or one line from the sku / name / price columns. */
function lineItems(row: MappedRow, issues: RowIssues): Line[] {
  const lines: Line[] = [];
  const listed = issues.read('products', list) ?? [];
  listed.forEach((raw, i) => {
    const p = raw && typeof raw === 'object' && !Array.isArray(raw) ? (raw as Record<string, unknown>) : null;
    if (!p) return issues.add('products', `item ${i + 1} is not an object`, row.cells.get('products'));
    const bad = (what: string, v: Parsed<unknown>) => (isError(v) ? `item ${i + 1} ${what} ${v.reason}` : null);
    const price = p.price !== undefined ? yuan(p.price) : undefined;
    const qty = p.quantity !== undefined ? quantity(p.quantity) : undefined;
    const reason = bad('price', price) ?? bad('quantity', qty);
    if (reason) return issues.add('products', reason, row.cells.get('products'));
    lines.push({ sku: str(p.sku ?? p.product_id), name: str(p.name), category: str(p.category), quantity: (qty as number | undefined) ?? 1, priceFen: (price as number | undefined) ?? 0 });
  });
  if (LINE_FIELDS.some((f) => row.cells.has(f) && text(row.cells.get(f)!.value) !== undefined)) {
    const sku = issues.read('sku', text);
    const name = issues.read('product_name', text);
    const category = issues.read('category', text);
    const qty = issues.read('quantity', quantity);
    const price = issues.read('price', yuan) ?? issues.read('price_fen', fen);
    lines.push({ sku: sku ?? '', name: name ?? '', category: category ?? '', quantity: qty ?? 1, priceFen: price ?? 0 });
  }
  return lines;
}

function str(v: unknown): string {
  return typeof v === 'string' || typeof v === 'number' ? String(v).trim().slice(0, 500) : '';
}
