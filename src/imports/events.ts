import { type BuildEnv, type Built, failed, plausibleTime, who } from './build.js';
import { rowIdentity } from './ids.js';
import { type MappedRow, RowIssues } from './row.js';
import { Bad, loose, object, text } from './values.js';

const eventName = (v: unknown) => {
  const t = text(v);
  return typeof t === 'string' && t.length > 200 ? new Bad('is longer than 200 characters') : t;
};

/**
 * An event row → one track. Its natural key is its own id when the file has one, else the
 * row's content, so an identical row (in this file or a re-import) is a duplicate.
 */
export function eventMessages(row: MappedRow, env: BuildEnv): Built {
  const issues = new RowIssues(row);
  const event = issues.require('event', eventName);
  const timestamp = issues.require('timestamp', plausibleTime(env));
  const ownId = issues.read('message_id', text);
  const channel = issues.read('channel', text);
  const bulk = issues.read('properties', object) ?? {};
  const id = rowIdentity(row, issues, env.rules, env.anonymousIdFor);
  if (!id || !issues.ok || !event || !timestamp) return failed(issues);
  const custom = Object.fromEntries(row.custom.map(({ key, cell }) => [key, loose(cell.value)]).filter(([, v]) => v !== undefined));
  const properties = { ...bulk, ...custom };
  const key = ownId !== undefined ? `id\u0000${ownId}` : `row\u0000${JSON.stringify([...row.cells.entries(), ...row.custom.map((c) => [c.key, c.cell])])}`;
  return {
    ok: true,
    messages: [{ type: 'track', event, messageId: env.messageId(key), timestamp: timestamp.toISOString(), properties, ...who(id, row, env, { channel, contactInContext: true }) }],
  };
}
