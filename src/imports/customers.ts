import { type BuildEnv, type Built, failed, plausibleTime, who } from './build.js';
import { identifierKey, rowIdentity } from './ids.js';
import { type MappedRow, RowIssues } from './row.js';
import { date, gender, loose, object, text } from './values.js';

/**
 * A customer row → one identify. Its traits carry the time of the import, so they win over
 * older live values (the export is the brand's current view) and lose to anything newer. The
 * natural key is the strongest identifier plus the row's content: the same row again is a
 * duplicate, a changed row updates the customer.
 */
export function customerMessages(row: MappedRow, env: BuildEnv): Built {
  const issues = new RowIssues(row);
  const id = rowIdentity(row, issues, env.rules, env.anonymousIdFor);
  const createdAt = issues.read('created_at', plausibleTime(env));
  const given = {
    name: issues.read('name', text),
    gender: issues.read('gender', gender),
    birthday: issues.read('birthday', date),
    city: issues.read('city', text),
    address: issues.read('address', text),
    createdAt: createdAt?.toISOString(),
  };
  const channel = issues.read('channel', text);
  const bulk = issues.read('traits', object) ?? {};
  if (!id || !issues.ok) return failed(issues);
  const custom = Object.fromEntries(row.custom.map(({ key, cell }) => [key, loose(cell.value)]).filter(([, v]) => v !== undefined));
  const traits = { ...bulk, ...custom, ...defined(given), ...defined(id.contact) };
  const content = JSON.stringify([traits, id.userId, id.anonymousId, id.externalIds, channel]);
  return {
    ok: true,
    messages: [
      {
        type: 'identify',
        messageId: env.messageId(`${identifierKey(id.strongest)}\u0000${content}`),
        timestamp: env.importedAt.toISOString(),
        traits,
        ...who(id, row, env, { channel, contactInContext: false }),
      },
    ],
  };
}

function defined(o: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
}
