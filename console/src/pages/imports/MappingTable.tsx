import { Select, Table, Tag, Typography, type TableColumnsType } from 'antd';
import { useTranslation } from 'react-i18next';
import type { FieldInfo, FieldMapping, ImportKind, Preview } from './types';

interface Props {
  kind: ImportKind;
  preview: Preview;
  mapping: FieldMapping;
  onChange: (mapping: FieldMapping) => void;
  /** Errors the server gave for `mapping.<column>`. */
  errors: Record<string, string>;
}

interface Row {
  column: string;
  samples: string[];
}

const IGNORE = '';
const customPrefix = (kind: ImportKind) => (kind === 'customers' ? 'traits.' : kind === 'events' ? 'properties.' : null);

const show = (v: unknown) => (v === undefined || v === null ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v));

/** One line per file column: a few sample values and the Siyu field it feeds (editable; the suggestion first). */
export function MappingTable({ kind, preview, mapping, onChange, errors }: Props) {
  const { t } = useTranslation();
  const prefix = customPrefix(kind);
  const fixed = preview.fields.filter((f) => f.group !== 'custom');
  const label = (f: FieldInfo) => `${t(`imports.fields.${f.name}`, { defaultValue: f.name })}${f.required ? ' *' : ''}`;

  const optionsFor = (column: string) => {
    const groups = (['identifier', 'field'] as const).map((g) => ({
      label: t(`imports.fieldGroups.${g}`),
      options: fixed.filter((f) => f.group === g).map((f) => ({ value: f.name, label: label(f) })),
    }));
    const custom = prefix ? [{ label: t(`imports.fieldGroups.custom.${kind}`), options: [{ value: `${prefix}${column.replace(/\./g, '_')}`, label: `${prefix}${column}` }] }] : [];
    return [{ value: IGNORE, label: t('imports.ignore') }, ...groups, ...custom];
  };

  const rows: Row[] = preview.columns.map((column) => ({ column, samples: preview.rows.slice(0, 3).map((r) => show(r[column])) }));
  const columns: TableColumnsType<Row> = [
    { title: t('imports.column'), dataIndex: 'column', width: 200, render: (c: string) => <Typography.Text strong>{c}</Typography.Text> },
    {
      title: t('imports.samples'),
      dataIndex: 'samples',
      render: (samples: string[]) => (
        <Typography.Text type="secondary" ellipsis style={{ maxWidth: 320 }}>
          {samples.filter(Boolean).join(' · ')}
        </Typography.Text>
      ),
    },
    {
      title: t('imports.field'),
      width: 300,
      render: (_: unknown, row) => {
        const value = mapping[row.column] ?? IGNORE;
        const suggested = preview.suggested[row.column] !== undefined && preview.suggested[row.column] === value;
        return (
          <div>
            <Select
              showSearch
              style={{ width: 240 }}
              value={value}
              options={optionsFor(row.column)}
              status={errors[row.column] ? 'error' : undefined}
              data-testid={`map-${row.column}`}
              onChange={(field: string) => {
                const next = { ...mapping };
                if (field === IGNORE) delete next[row.column];
                else next[row.column] = field;
                onChange(next);
              }}
            />
            {suggested && value !== IGNORE && <Tag style={{ marginInlineStart: 8 }}>{t('imports.suggested')}</Tag>}
            {errors[row.column] && <Typography.Text type="danger" style={{ display: 'block', fontSize: 12 }}>{errors[row.column]}</Typography.Text>}
          </div>
        );
      },
    },
  ];
  return <Table rowKey="column" size="small" pagination={false} columns={columns} dataSource={rows} />;
}

/** The first rows of the file as a table, columns as in the file. */
export function PreviewRows({ preview }: { preview: Preview }) {
  const columns = preview.columns.map((c) => ({ title: c, dataIndex: c, ellipsis: true, render: (v: unknown) => show(v) }));
  const data = preview.rows.slice(0, 5).map((r, i) => ({ ...r, __key: i }));
  return <Table rowKey="__key" size="small" pagination={false} scroll={{ x: true }} columns={columns} dataSource={data} />;
}
