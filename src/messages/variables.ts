import Mustache from 'mustache';
import { contentStrings } from './content.js';

/**
 * Template variables. Names: `customer.<trait>`, `event.<property>`, `grant.coupon.amount` /
 * `.code` / `.expires`, `grant.points`, `staff.name`, `brand.name`, `group.qr_url`, `link.<name>`.
 * An available set holds exact names and `prefix.*` patterns (`event.*`: any event property).
 */
export interface TemplateLike {
  content: unknown;
}

/** The variables a template uses, sorted, without duplicates. Throws an AppError-friendly message on a mustache syntax error. */
export function templateVariables(template: TemplateLike): string[] {
  const names = new Set<string>();
  for (const { source } of contentStrings(template.content)) for (const n of sourceVariables(source)) names.add(n);
  return [...names].sort();
}

export function sourceVariables(source: string): string[] {
  const out: string[] = [];
  const walk = (tokens: unknown[][]) => {
    for (const t of tokens) {
      const [kind, name] = t as [string, string];
      if ((kind === 'name' || kind === '&' || kind === '#' || kind === '^') && name !== '.') out.push(name);
      if ((kind === '#' || kind === '^') && Array.isArray(t[4])) walk(t[4] as unknown[][]);
    }
  };
  walk(Mustache.parse(source) as unknown as unknown[][]);
  return out;
}

/** Mustache syntax errors of a template, one per string (path + message). */
export function templateSyntaxErrors(template: TemplateLike): { path: string; message: string }[] {
  const errors: { path: string; message: string }[] = [];
  for (const { path, source } of contentStrings(template.content)) {
    try {
      Mustache.parse(source);
    } catch (err) {
      errors.push({ path: `content.${path}`, message: (err as Error).message });
    }
  }
  return errors;
}

export function isAvailable(name: string, available: ReadonlySet<string>): boolean {
  if (available.has(name)) return true;
  const parts = name.split('.');
  for (let i = parts.length - 1; i >= 1; i--) if (available.has(`${parts.slice(0, i).join('.')}.*`)) return true;
  // a section opened on an object ({{#grant.coupon}}) is available when any name below it is
  for (const a of available) if (a.startsWith(`${name}.`)) return true;
  return false;
}

/** Which variables of the template are not in `available`; ok when none. */
export function checkTemplateVariables(template: TemplateLike, available: ReadonlySet<string>): { ok: boolean; missing: string[] } {
  const missing = templateVariables(template).filter((n) => !isAvailable(n, available));
  return { ok: missing.length === 0, missing };
}

export const COMPUTED_VARIABLES = ['order_count', 'total_spent', 'total_spent_fen', 'last_order_at', 'points'] as const;
export const BUILTIN_CUSTOMER_VARIABLES = ['name', 'nickname', 'gender', 'birthday', 'city', 'channel', 'first_seen_at', 'last_seen_at', ...COMPUTED_VARIABLES] as const;
export const GRANT_VARIABLES = ['grant.coupon.amount', 'grant.coupon.code', 'grant.coupon.expires', 'grant.coupon.threshold', 'grant.points'] as const;

/**
 * What a template may use at save time, before it is known which journey sends it: every
 * customer trait of the workspace, any event property, granted items, staff, brand, group code,
 * and the template's own tracked links.
 */
export function saveTimeVariables(traitKeys: Iterable<string>, linkNames: Iterable<string>): Set<string> {
  const s = new Set<string>(['event.*', 'event.name', ...GRANT_VARIABLES, 'staff.name', 'brand.name', 'group.qr_url', 'group.name']);
  for (const k of BUILTIN_CUSTOMER_VARIABLES) s.add(`customer.${k}`);
  for (const k of traitKeys) s.add(`customer.${k}`);
  for (const k of linkNames) s.add(`link.${k}`);
  return s;
}
