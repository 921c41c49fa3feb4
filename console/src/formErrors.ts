import type { FormInstance } from 'antd';
import { ApiError } from './api';

/** "/body/name", "body.name", "name" → ["name"]; "items.0.sku" → ["items", 0, "sku"]. */
function toNamePath(path: string): (string | number)[] {
  const parts = path.split(/[./]/).filter(Boolean);
  if (parts[0] === 'body') parts.shift();
  return parts.map((part) => (/^\d+$/.test(part) ? Number(part) : part));
}

/**
 * Puts the field errors of a problem+json response on the matching form fields.
 * Returns true when at least one error landed on a field.
 */
export function applyFieldErrors(form: FormInstance, fields: readonly string[], err: unknown): boolean {
  if (!(err instanceof ApiError) || !err.problem.errors?.length) return false;
  const matched = err.problem.errors
    .map((e) => ({ name: toNamePath(e.path), errors: [e.message] }))
    .filter(({ name }) => typeof name[0] === 'string' && fields.includes(name[0]));
  form.setFields(matched);
  return matched.length > 0;
}
