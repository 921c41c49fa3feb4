import { type RawBuilder, sql } from 'kysely';

const SEPARATOR = '\u001f';

/**
 * A text column for `unnest(…)`, sent as one parameter and split by the server. Both drivers
 * serialize a JS array element by element (quoting and escaping each), which costs more than the
 * statement's own work for a large chunk; one joined string does not, and it avoids the 32,767
 * (PGlite) / 65,535 (PostgreSQL) parameter limits of multi-row VALUES. The separator is a control
 * character, which identifiers, uuids, ciphertexts and numbers never contain (checked).
 */
export function textColumn(values: readonly string[]): RawBuilder<string[]> {
  if (values.length === 1) return sql<string[]>`ARRAY[${values[0]}::text]`; // '' would split into no element
  for (const v of values) if (v.includes(SEPARATOR)) throw new Error('a value to store contains the unit separator (U+001F)');
  return sql<string[]>`string_to_array(${values.join(SEPARATOR)}::text, E'\\x1f')`;
}
