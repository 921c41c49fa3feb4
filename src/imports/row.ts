import { parseField, PERSONAL_FIELDS } from './fields.js';
import type { FieldMapping, ImportKind } from './schema.js';
import { isError, type Parsed } from './values.js';

/** A record of the file seen through the mapping: Siyu field → the cell that feeds it. */
export interface Cell {
  column: string;
  value: unknown;
}

export interface MappedRow {
  line: number;
  cells: Map<string, Cell>;
  /** `traits.<key>` / `properties.<key>` cells, and whole `traits` / `properties` objects in `cells`. */
  custom: { key: string; cell: Cell }[];
  /** App id given in the mapping (`wechat_openid:<appid>`), for files of one app's openids. */
  openidApp?: string;
}

export interface RowError {
  line: number;
  field: string;
  column: string | null;
  reason: string;
  value: string | null;
}

export interface MappingPlan {
  fixed: { column: string; field: string }[];
  custom: { column: string; key: string }[];
  openidApp?: string;
  /** JSONL columns may be dotted paths into nested objects (context.traits.phone). */
  paths: boolean;
}

export function planMapping(kind: ImportKind, mapping: FieldMapping, paths: boolean): MappingPlan {
  const plan: MappingPlan = { fixed: [], custom: [], paths };
  for (const [column, name] of Object.entries(mapping)) {
    const f = parseField(kind, name);
    if (!f) continue; // refused by checkMapping before any row is read
    if (f.custom) plan.custom.push({ column, key: f.custom });
    else plan.fixed.push({ column, field: f.field });
    if (f.appId) plan.openidApp = f.appId;
  }
  return plan;
}

export function mapRow(line: number, values: Record<string, unknown>, plan: MappingPlan): MappedRow {
  const get = (column: string) => (plan.paths ? valueAt(values, column) : values[column]);
  return {
    line,
    cells: new Map(plan.fixed.map(({ column, field }) => [field, { column, value: get(column) }])),
    custom: plan.custom.map(({ column, key }) => ({ key, cell: { column, value: get(column) } })),
    openidApp: plan.openidApp,
  };
}

function valueAt(values: Record<string, unknown>, path: string): unknown {
  if (path in values) return values[path];
  let cur: unknown = values;
  for (const part of path.split('.')) {
    if (!cur || typeof cur !== 'object' || Array.isArray(cur)) return undefined;
    cur = (cur as Record<string, unknown>)[part];
  }
  return cur;
}

/** Collects a row's errors while its fields are read, so the report lists every problem at once. */
export class RowIssues {
  readonly list: RowError[] = [];
  constructor(private readonly row: MappedRow) {}

  add(field: string, reason: string, cell?: Cell): void {
    const shown = cell && !PERSONAL_FIELDS.has(field) && cell.value !== undefined && cell.value !== null ? String(typeof cell.value === 'object' ? JSON.stringify(cell.value) : cell.value).slice(0, 200) : null;
    this.list.push({ line: this.row.line, field, column: cell?.column ?? null, reason, value: shown });
  }

  /** The field parsed, or undefined when empty or invalid (then the error is recorded). */
  read<T>(field: string, parse: (v: unknown) => Parsed<T>): T | undefined {
    const cell = this.row.cells.get(field);
    if (!cell) return undefined;
    const v = parse(cell.value);
    if (isError(v)) {
      this.add(field, v.reason, cell);
      return undefined;
    }
    return v;
  }

  /** Like read, but a missing value is an error too. */
  require<T>(field: string, parse: (v: unknown) => Parsed<T>): T | undefined {
    const v = this.read(field, parse);
    if (v === undefined && !this.list.some((e) => e.field === field)) this.add(field, 'is missing', this.row.cells.get(field));
    return v;
  }

  get ok(): boolean {
    return this.list.length === 0;
  }
}
