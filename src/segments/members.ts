import { Readable } from 'node:stream';
import { AppError, isUuid } from '../core/index.js';
import type { Ctx } from '../store/index.js';
import type { Principal } from '../auth/index.js';
import { type CustomerCard, customerCards } from './cards.js';
import { compileEnv, compileInto, matchingSql, Params } from './environment.js';
import { syncProfiles } from './profiles.js';
import type { Rule } from './rules.js';

export interface RulePreview {
  count: number;
  sample: CustomerCard[];
}

/** Live count and a sample of the customers a rule matches now (the rule is not saved). */
export async function previewRule(ctx: Ctx, p: Principal, rule: Rule, sampleSize = 10): Promise<RulePreview> {
  await syncProfiles(ctx, p.workspace.id);
  const env = await compileEnv(ctx, p.workspace, [rule]);
  const params = new Params(p.workspace.id);
  const expr = compileInto(env, params, rule, 'body.rule');
  const [row] = await ctx.events.query<{ n: number; sample: string[] }>(
    `SELECT count() AS n, groupArraySorted(${params.add('UInt32', sampleSize)})(cid) AS sample FROM (${matchingSql(ctx, expr)})`,
    params.values,
  );
  const cards = await customerCards(ctx, p, row.sample);
  return { count: Number(row.n), sample: row.sample.map((id) => cards.get(id)).filter((c): c is CustomerCard => !!c) };
}

export interface Member extends CustomerCard {
  since: Date;
}

/** Current members of a materialized audience, by customer id, with when they got their value. */
export async function audienceMembers(
  ctx: Ctx,
  p: Principal,
  audience: string,
  opts: { cursor?: string; limit: number; value?: string },
): Promise<{ items: Member[]; nextCursor: string | null }> {
  if (opts.cursor && !isUuid(opts.cursor)) throw new AppError('validation_failed', 'cursor is not valid', [{ path: 'querystring.cursor', message: 'use nextCursor from the previous page' }]);
  const rows = await memberPage(ctx, p.workspace.id, audience, opts.cursor ?? null, opts.limit + 1, opts.value);
  const page = rows.slice(0, opts.limit);
  const cards = await customerCards(ctx, p, page.map((r) => r.customer_id));
  return {
    items: page.map((r) => ({ ...(cards.get(r.customer_id) ?? { id: r.customer_id, name: null, phone: null, city: null, channel: null }), since: chDate(r.changed_at) })),
    nextCursor: rows.length > opts.limit ? page[page.length - 1].customer_id : null,
  };
}

function memberPage(ctx: Ctx, workspaceId: string, audience: string, after: string | null, limit: number, value?: string) {
  return ctx.events.query<{ customer_id: string; changed_at: string }>(
    `SELECT customer_id, changed_at FROM ${ctx.events.table('audience_state')} FINAL
     WHERE workspace_id = {ws:UUID} AND audience = {aud:String} AND value != ''
       ${value ? 'AND value = {value:String}' : ''} ${after ? 'AND customer_id > {after:UUID}' : ''}
     ORDER BY customer_id LIMIT {limit:UInt32}`,
    { ws: workspaceId, aud: audience, limit, ...(after ? { after } : {}), ...(value ? { value } : {}) },
  );
}

const chDate = (s: string) => new Date(`${s.replace(' ', 'T')}Z`);

const CSV_COLUMNS = ['customer_id', 'name', 'phone', 'city', 'channel', 'member_since'];

function csvCell(v: string | null): string {
  if (v === null) return '';
  // Leading = + - @ would run as a formula in a spreadsheet.
  const safe = /^[=+\-@]/.test(v) ? `'${v}` : v;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

/**
 * All members as CSV (UTF-8 with BOM, so Excel opens Chinese correctly), streamed page by page;
 * names and phones are masked unless the caller may read personal data.
 */
export function exportMembersCsv(ctx: Ctx, p: Principal, audience: string, value?: string): Readable {
  async function* lines() {
    yield `\uFEFF${CSV_COLUMNS.join(',')}\r\n`;
    let after: string | null = null;
    for (;;) {
      const rows = await memberPage(ctx, p.workspace.id, audience, after, 5000, value);
      if (rows.length === 0) return;
      const cards = await customerCards(ctx, p, rows.map((r) => r.customer_id));
      yield rows
        .map((r) => {
          const c = cards.get(r.customer_id);
          return [r.customer_id, c?.name ?? null, c?.phone ?? null, c?.city ?? null, c?.channel ?? null, chDate(r.changed_at).toISOString()].map(csvCell).join(',') + '\r\n';
        })
        .join('');
      after = rows[rows.length - 1].customer_id;
    }
  }
  return Readable.from(lines());
}
