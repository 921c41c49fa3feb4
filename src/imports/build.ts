import { DAY_MS } from '../core/index.js';
import type { Identifier, IdentityRules } from '../identity/index.js';
import type { RowIdentity } from './ids.js';
import type { MappedRow, RowError, RowIssues } from './row.js';
import type { ImportKind } from './schema.js';
import { Bad, type Parsed, time } from './values.js';

/** What turning rows into Segment messages needs to know about the import. */
export interface BuildEnv {
  kind: ImportKind;
  jobId: string;
  timeZone: string;
  /** Now, for the plausibility of times (the collection API refuses more than a day ahead). */
  now: Date;
  /** When the import was created: the time of customer traits, the same on every run of the job. */
  importedAt: Date;
  rules: IdentityRules;
  anonymousIdFor(id: Identifier): string;
  /** A messageId derived from workspace, kind and the row's natural key: re-imports are duplicates. */
  messageId(naturalKey: string): string;
}

export type Message = Record<string, unknown>;
export type Built = { ok: true; messages: Message[] } | { ok: false; errors: RowError[] };

const EARLIEST = Date.UTC(2000, 0, 1);

/** An instant between 2000 and tomorrow, as the collection API accepts. */
export function plausibleTime(env: BuildEnv): (v: unknown) => Parsed<Date> {
  return (v) => {
    const t = time(v, env.timeZone);
    if (!(t instanceof Date)) return t;
    if (t.getTime() < EARLIEST) return new Bad('is before the year 2000');
    if (t.getTime() > env.now.getTime() + DAY_MS) return new Bad('is in the future');
    return t;
  };
}

/** The Segment fields that carry who the row is about, and where it came from. */
export function who(id: RowIdentity, row: MappedRow, env: BuildEnv, opts: { channel?: string; contactInContext: boolean }): Message {
  const contact = Object.fromEntries(Object.entries(id.contact).filter(([, v]) => v !== undefined));
  return {
    ...(id.userId ? { userId: id.userId } : {}),
    ...(id.anonymousId ? { anonymousId: id.anonymousId } : {}),
    context: {
      library: { name: 'siyu-import', version: '1' },
      import: { id: env.jobId, line: row.line },
      ...(opts.contactInContext && Object.keys(contact).length ? { traits: contact } : {}),
      ...(id.externalIds.length ? { externalIds: id.externalIds } : {}),
      ...(opts.channel ? { campaign: { source: opts.channel } } : {}),
    },
  };
}

export function failed(...issues: RowIssues[]): Built {
  return { ok: false, errors: issues.flatMap((i) => i.list) };
}
