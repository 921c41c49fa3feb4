import { DeleteOutlined, PlusOutlined } from '@ant-design/icons';
import { AutoComplete, Button, Card, Checkbox, Dropdown, Input, InputNumber, Segmented, Select, Space, Tag, Typography } from 'antd';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { Catalog, FieldInfo, Group, PropertyFilter, Rule, TimeWindow } from './types';

/**
 * The visual rule builder: groups (all / any of) of conditions, each of which can be negated
 * ("exclude"), nested to any depth. It edits the same JSON the API validates; errors the API
 * returns are shown on the node they point at (paths like body.rule.rules.1.op).
 */
export interface BuilderProps {
  value: Group;
  onChange: (rule: Group) => void;
  catalog: Catalog;
  errors?: { path: string; message: string }[];
  /** The API path of the root rule, e.g. body.rule. */
  root?: string;
}

export const EVENTS = ['Product Viewed', 'Product Added', 'Product Favorited', 'Checkout Started', 'Order Completed', 'Order Refunded', 'Segment Entered', 'Segment Exited'];
export const CATEGORIES = ['口红', '粉底液', '面霜', '精华', '小样'];
const RFM_KEYS = ['important_value', 'important_develop', 'important_retain', 'important_winback', 'general_value', 'general_develop', 'general_retain', 'general_winback'];
const COUNT_OPS = ['gte', 'gt', 'eq', 'neq', 'lte', 'lt'];
const CONDITION_TYPES = ['trait', 'computed', 'event', 'sequence', 'orders', 'rfm', 'lifecycle', 'ltv', 'tag', 'segment', 'consent'] as const;

const isGroup = (r: Rule): r is Group => r.type === 'and' || r.type === 'or';

export function emptyGroup(): Group {
  return { type: 'and', rules: [] };
}

function defaultCondition(type: (typeof CONDITION_TYPES)[number], catalog: Catalog): Rule {
  switch (type) {
    case 'trait':
      return { type, field: 'city', op: 'eq', value: '' };
    case 'computed':
      return { type, field: 'order_count', op: 'gte', value: 1 };
    case 'event':
      return { type, event: 'Product Viewed', time: { lastDays: 30 } };
    case 'sequence':
      return { type, first: { event: 'Product Added' }, then: { event: 'Order Completed' }, withinHours: 24 };
    case 'orders':
      return { type, metric: 'count', op: 'gte', value: 1, time: { lastDays: 30 } };
    case 'rfm':
      return { type, segments: ['important_winback'] };
    case 'lifecycle':
      return { type, stages: [catalog.lifecycleStages[0] ?? 'new'] };
    case 'ltv':
      return { type, tiers: [catalog.ltvTiers[0] ?? 'high_value'] };
    case 'tag':
      return { type, tagId: catalog.tags[0]?.id ?? '' };
    case 'segment':
      return { type, segmentId: catalog.segments[0]?.id ?? '' };
    case 'consent':
      return { type, channel: 'sms', granted: true };
  }
}

function messagesAt(errors: BuilderProps['errors'], path: string, leaf: boolean): string[] {
  return (errors ?? []).filter((e) => (leaf ? e.path === path || e.path.startsWith(`${path}.`) : e.path === path || e.path === `${path}.rules`)).map((e) => e.message);
}

export function RuleBuilder({ value, onChange, catalog, errors, root = 'body.rule' }: BuilderProps) {
  return (
    <div data-testid="rule-builder">
      <GroupEditor node={value} onChange={(g) => onChange(g)} catalog={catalog} errors={errors} path={root} depth={0} />
    </div>
  );
}

interface NodeProps<T> {
  node: T;
  onChange: (node: T) => void;
  catalog: Catalog;
  errors: BuilderProps['errors'];
  path: string;
  depth: number;
}

function ErrorText({ messages }: { messages: string[] }) {
  return messages.length ? (
    <Typography.Text type="danger" data-testid="rule-error">
      {messages.join('; ')}
    </Typography.Text>
  ) : null;
}

function GroupEditor({ node, onChange, catalog, errors, path, depth }: NodeProps<Group>) {
  const { t } = useTranslation();
  const set = (i: number, child: Rule) => onChange({ ...node, rules: node.rules.map((r, k) => (k === i ? child : r)) });
  const remove = (i: number) => onChange({ ...node, rules: node.rules.filter((_r, k) => k !== i) });
  const add = (child: Rule) => onChange({ ...node, rules: [...node.rules, child] });
  const menu = CONDITION_TYPES.map((type) => ({
    key: type,
    label: t(`rules.type.${type}`),
    disabled: (type === 'tag' && catalog.tags.length === 0) || (type === 'segment' && catalog.segments.length === 0),
  }));
  return (
    <Card size="small" style={{ background: depth % 2 ? '#fafafa' : undefined }} data-testid="rule-group">
      <Space direction="vertical" style={{ width: '100%' }}>
        <Space wrap>
          <Segmented
            size="small"
            value={node.type}
            options={[
              { value: 'and', label: t('rules.all') },
              { value: 'or', label: t('rules.any') },
            ]}
            onChange={(type) => onChange({ ...node, type: type as 'and' | 'or' })}
          />
          <ErrorText messages={messagesAt(errors, path, false)} />
        </Space>
        {node.rules.map((child, i) => {
          const negated = child.type === 'not';
          const inner = child.type === 'not' ? child.rule : child;
          const childPath = `${path}.rules.${i}${negated ? '.rule' : ''}`;
          const update = (r: Rule) => set(i, negated ? { type: 'not', rule: r } : r);
          return (
            <Space key={i} align="start" style={{ width: '100%' }} data-testid="rule-row">
              <Checkbox style={{ whiteSpace: 'nowrap' }} checked={negated} onChange={(e) => set(i, e.target.checked ? { type: 'not', rule: inner } : inner)} data-testid="rule-exclude">
                {t('rules.exclude')}
              </Checkbox>
              <div style={{ flex: 1 }}>
                {isGroup(inner) ? (
                  <GroupEditor node={inner} onChange={update} catalog={catalog} errors={errors} path={childPath} depth={depth + 1} />
                ) : inner.type === 'not' ? (
                  <Typography.Text code>{JSON.stringify(inner)}</Typography.Text>
                ) : (
                  <Space direction="vertical" size={2}>
                    <ConditionEditor node={inner} onChange={update} catalog={catalog} />
                    <ErrorText messages={messagesAt(errors, childPath, true)} />
                  </Space>
                )}
              </div>
              <Button size="small" type="text" icon={<DeleteOutlined />} onClick={() => remove(i)} aria-label={t('rules.remove')} />
            </Space>
          );
        })}
        <Space>
          <Dropdown trigger={['click']} menu={{ items: menu, onClick: ({ key }) => add(defaultCondition(key as (typeof CONDITION_TYPES)[number], catalog)) }}>
            <Button size="small" icon={<PlusOutlined />} data-testid="rule-add">
              {t('rules.addCondition')}
            </Button>
          </Dropdown>
          <Button size="small" onClick={() => add(emptyGroup())}>
            {t('rules.addGroup')}
          </Button>
        </Space>
      </Space>
    </Card>
  );
}

type Leaf = Exclude<Rule, Group | { type: 'not' }>;

function ConditionEditor({ node, onChange, catalog }: { node: Leaf; onChange: (r: Rule) => void; catalog: Catalog }) {
  const { t } = useTranslation();
  const label = <Tag color="green">{t(`rules.type.${node.type}`)}</Tag>;
  const multi = (values: string[], options: { value: string; label: ReactNode }[], set: (v: string[]) => void) => (
    <Select mode="multiple" style={{ minWidth: 240 }} value={values} options={options} onChange={set} />
  );
  switch (node.type) {
    case 'trait':
    case 'computed': {
      const fields = node.type === 'trait' ? catalog.traits : catalog.computed;
      const field = fields.find((f) => f.key === node.field);
      return (
        <Space wrap>
          {label}
          <Select
            showSearch
            style={{ minWidth: 160 }}
            value={node.field}
            options={fields.map((f) => ({ value: f.key, label: t(`rules.field.${f.key}`, { defaultValue: f.key }) }))}
            onChange={(key) => {
              const next = fields.find((f) => f.key === key);
              onChange({ ...node, field: key, op: next?.ops[0] ?? 'eq', value: undefined });
            }}
            data-testid="rule-field"
          />
          <Select style={{ minWidth: 120 }} value={node.op} options={(field?.ops ?? []).map((op) => ({ value: op, label: t(`rules.op.${op}`) }))} onChange={(op) => onChange({ ...node, op, value: undefined })} data-testid="rule-op" />
          {field && <ValueInput field={field} op={node.op} value={node.value} onChange={(value) => onChange({ ...node, value })} />}
        </Space>
      );
    }
    case 'event':
      return (
        <Space direction="vertical" size={4}>
          <Space wrap>
            {label}
            <Select style={{ width: 110 }} value={node.did === false ? 'no' : 'yes'} options={[{ value: 'yes', label: t('rules.did') }, { value: 'no', label: t('rules.didNot') }]} onChange={(v) => onChange({ ...node, did: v === 'no' ? false : undefined })} />
            <EventInput value={node.event} onChange={(event) => onChange({ ...node, event })} />
            <TimeInput value={node.time} onChange={(time) => onChange({ ...node, time })} />
            <Checkbox checked={!!node.count} onChange={(e) => onChange({ ...node, count: e.target.checked ? { op: 'gte', value: 3 } : undefined, per: e.target.checked ? node.per : undefined })}>
              {t('rules.times')}
            </Checkbox>
            {node.count && (
              <>
                <Select style={{ width: 90 }} value={node.count.op} options={COUNT_OPS.map((op) => ({ value: op, label: t(`rules.op.${op}`) }))} onChange={(op) => onChange({ ...node, count: { ...node.count!, op } })} />
                <InputNumber min={0} value={node.count.value} onChange={(v) => onChange({ ...node, count: { ...node.count!, value: v ?? 0 } })} />
                <Input style={{ width: 160 }} placeholder={t('rules.perPlaceholder')} value={node.per ?? ''} onChange={(e) => onChange({ ...node, per: e.target.value || undefined })} />
              </>
            )}
          </Space>
          <PropertyFilters value={node.where ?? []} onChange={(where) => onChange({ ...node, where: where.length ? where : undefined })} />
        </Space>
      );
    case 'sequence':
      return (
        <Space wrap>
          {label}
          <EventInput value={node.first.event} onChange={(event) => onChange({ ...node, first: { ...node.first, event } })} />
          <Typography.Text>{t('rules.then')}</Typography.Text>
          <EventInput value={node.then.event} onChange={(event) => onChange({ ...node, then: { ...node.then, event } })} />
          <Typography.Text>{t('rules.within')}</Typography.Text>
          <InputNumber min={0.1} value={node.withinHours} onChange={(v) => onChange({ ...node, withinHours: v ?? 24 })} addonAfter={t('rules.hours')} />
          <TimeInput value={node.time} onChange={(time) => onChange({ ...node, time })} />
        </Space>
      );
    case 'orders': {
      const yuan = node.metric === 'sum_fen';
      const scalar = Array.isArray(node.value) ? node.value[0] : node.value;
      return (
        <Space wrap>
          {label}
          <Select style={{ width: 120 }} value={node.metric} options={[{ value: 'count', label: t('rules.orderCount') }, { value: 'sum_fen', label: t('rules.orderSum') }]} onChange={(metric) => onChange({ ...node, metric })} />
          <Select style={{ width: 90 }} value={node.op} options={COUNT_OPS.map((op) => ({ value: op, label: t(`rules.op.${op}`) }))} onChange={(op) => onChange({ ...node, op })} />
          <InputNumber min={0} value={yuan ? scalar / 100 : scalar} addonAfter={yuan ? '¥' : undefined} onChange={(v) => onChange({ ...node, value: Math.round((v ?? 0) * (yuan ? 100 : 1)) })} />
          <TimeInput value={node.time} onChange={(time) => onChange({ ...node, time })} />
          <Select
            mode="tags"
            style={{ minWidth: 180 }}
            placeholder={t('rules.categories')}
            value={node.product?.categories ?? []}
            options={CATEGORIES.map((c) => ({ value: c, label: c }))}
            onChange={(categories: string[]) => onChange({ ...node, product: categories.length || node.product?.skus ? { ...node.product, categories: categories.length ? categories : undefined } : undefined })}
          />
        </Space>
      );
    }
    case 'rfm':
      return (
        <Space wrap>
          {label}
          {multi(node.segments, RFM_KEYS.map((k) => ({ value: k, label: t(`layers.rfmSegment.${k}`) })), (segments) => onChange({ ...node, segments }))}
        </Space>
      );
    case 'lifecycle':
      return (
        <Space wrap>
          {label}
          {multi(node.stages, catalog.lifecycleStages.map((k) => ({ value: k, label: t(`layers.level.lifecycle.${k}`) })), (stages) => onChange({ ...node, stages }))}
        </Space>
      );
    case 'ltv':
      return (
        <Space wrap>
          {label}
          {multi(node.tiers, catalog.ltvTiers.map((k) => ({ value: k, label: t(`layers.level.ltv.${k}`) })), (tiers) => onChange({ ...node, tiers }))}
        </Space>
      );
    case 'tag':
      return (
        <Space wrap>
          {label}
          <Select showSearch optionFilterProp="label" style={{ minWidth: 200 }} value={node.tagId} options={catalog.tags.map((g) => ({ value: g.id, label: `${g.groupName} / ${g.name}` }))} onChange={(tagId) => onChange({ ...node, tagId })} />
        </Space>
      );
    case 'segment':
      return (
        <Space wrap>
          {label}
          <Select showSearch optionFilterProp="label" style={{ minWidth: 200 }} value={node.segmentId} options={catalog.segments.map((s) => ({ value: s.id, label: s.name }))} onChange={(segmentId) => onChange({ ...node, segmentId })} />
        </Space>
      );
    case 'consent':
      return (
        <Space wrap>
          {label}
          <Select style={{ width: 120 }} value={node.channel} options={['sms', 'email', 'wecom', 'wechat'].map((c) => ({ value: c, label: t(`rules.channel.${c}`) }))} onChange={(channel) => onChange({ ...node, channel })} />
          <Select style={{ width: 110 }} value={node.granted ? 'yes' : 'no'} options={[{ value: 'yes', label: t('rules.granted') }, { value: 'no', label: t('rules.notGranted') }]} onChange={(v) => onChange({ ...node, granted: v === 'yes' })} />
        </Space>
      );
  }
}

export function EventInput({ value, onChange }: { value: string; onChange: (v: string) => void }) {
  return <AutoComplete style={{ width: 180 }} value={value} options={EVENTS.map((e) => ({ value: e }))} onChange={onChange} filterOption={(input, o) => (o?.value ?? '').toLowerCase().includes(input.toLowerCase())} data-testid="rule-event" />;
}

function TimeInput({ value, onChange }: { value: TimeWindow | undefined; onChange: (v: TimeWindow | undefined) => void }) {
  const { t } = useTranslation();
  const mode = !value ? 'ever' : 'lastDays' in value ? 'last' : 'between';
  return (
    <Space size={4}>
      <Select
        style={{ width: 110 }}
        value={mode}
        options={[
          { value: 'ever', label: t('rules.ever') },
          { value: 'last', label: t('rules.lastDays') },
          { value: 'between', label: t('rules.between') },
        ]}
        onChange={(m) => onChange(m === 'ever' ? undefined : m === 'last' ? { lastDays: 30 } : { from: today(-30), to: today(0) })}
      />
      {value && 'lastDays' in value && <InputNumber min={1} value={value.lastDays} addonAfter={t('rules.days')} onChange={(v) => onChange({ lastDays: v ?? 1 })} style={{ width: 120 }} />}
      {value && 'from' in value && (
        <>
          <Input type="date" value={value.from} onChange={(e) => onChange({ ...value, from: e.target.value })} style={{ width: 150 }} />
          <Input type="date" value={value.to} onChange={(e) => onChange({ ...value, to: e.target.value })} style={{ width: 150 }} />
        </>
      )}
    </Space>
  );
}

function today(offsetDays: number): string {
  return new Date(Date.now() + offsetDays * 86_400_000).toISOString().slice(0, 10);
}

const PROPERTY_OPS = ['eq', 'neq', 'in', 'contains', 'gt', 'gte', 'lt', 'lte', 'exists', 'not_exists'];

export function PropertyFilters({ value, onChange }: { value: PropertyFilter[]; onChange: (v: PropertyFilter[]) => void }) {
  const { t } = useTranslation();
  const set = (i: number, f: PropertyFilter) => onChange(value.map((x, k) => (k === i ? f : x)));
  const parse = (text: string, op: string): PropertyFilter['value'] => {
    if (op === 'in') return text.split(/[,，]/).map((s) => s.trim()).filter(Boolean);
    const n = Number(text);
    return ['gt', 'gte', 'lt', 'lte'].includes(op) || (text !== '' && !Number.isNaN(n) && /^-?\d+(\.\d+)?$/.test(text)) ? n : text;
  };
  return (
    <Space direction="vertical" size={2} style={{ paddingLeft: 8 }}>
      {value.map((f, i) => (
        <Space key={i} size={4}>
          <Typography.Text type="secondary">{t('rules.where')}</Typography.Text>
          <Input style={{ width: 140 }} placeholder={t('rules.property')} value={f.property} onChange={(e) => set(i, { ...f, property: e.target.value })} />
          <Select style={{ width: 100 }} value={f.op} options={PROPERTY_OPS.map((op) => ({ value: op, label: t(`rules.op.${op}`) }))} onChange={(op) => set(i, { ...f, op, value: op === 'exists' || op === 'not_exists' ? undefined : f.value })} />
          {f.op !== 'exists' && f.op !== 'not_exists' && (
            <Input style={{ width: 160 }} value={Array.isArray(f.value) ? f.value.join(',') : String(f.value ?? '')} onChange={(e) => set(i, { ...f, value: parse(e.target.value, f.op) })} />
          )}
          <Button size="small" type="text" icon={<DeleteOutlined />} onClick={() => onChange(value.filter((_x, k) => k !== i))} />
        </Space>
      ))}
      <Button size="small" type="link" onClick={() => onChange([...value, { property: 'category', op: 'eq', value: '' }])}>
        + {t('rules.addFilter')}
      </Button>
    </Space>
  );
}

function ValueInput({ field, op, value, onChange }: { field: FieldInfo; op: string; value: unknown; onChange: (v: unknown) => void }) {
  const { t } = useTranslation();
  if (op === 'exists' || op === 'not_exists') return null;
  if (op === 'in' || op === 'not_in') return <Select mode="tags" style={{ minWidth: 200 }} value={(value as string[] | undefined) ?? []} onChange={onChange} data-testid="rule-value" />;
  if (op === 'within_last' || op === 'before_last') return <InputNumber min={1} value={value as number | undefined} addonAfter={t('rules.days')} onChange={onChange} data-testid="rule-value" />;
  if (field.type === 'date') {
    if (op === 'between') {
      const [from, to] = (value as [string, string] | undefined) ?? ['', ''];
      return (
        <Space size={4}>
          <Input type="date" value={from} onChange={(e) => onChange([e.target.value, to])} />
          <Input type="date" value={to} onChange={(e) => onChange([from, e.target.value])} />
        </Space>
      );
    }
    return <Input type="date" value={(value as string | undefined) ?? ''} onChange={(e) => onChange(e.target.value)} data-testid="rule-value" />;
  }
  if (field.type === 'number') {
    if (op === 'between') {
      const [lo, hi] = (value as [number, number] | undefined) ?? [0, 0];
      return (
        <Space size={4}>
          <InputNumber value={lo} onChange={(v) => onChange([v ?? 0, hi])} />
          <InputNumber value={hi} onChange={(v) => onChange([lo, v ?? 0])} />
        </Space>
      );
    }
    return <InputNumber value={value as number | undefined} onChange={onChange} data-testid="rule-value" />;
  }
  if (field.type === 'boolean') return <Select style={{ width: 90 }} value={value as boolean | undefined} options={[{ value: true, label: t('rules.true') }, { value: false, label: t('rules.false') }]} onChange={onChange} />;
  return <Input style={{ width: 180 }} value={(value as string | undefined) ?? ''} onChange={(e) => onChange(e.target.value)} data-testid="rule-value" />;
}
