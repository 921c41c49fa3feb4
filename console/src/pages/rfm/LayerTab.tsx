import { App, Button, Card, Drawer, Space, Table, Tag, Typography, type TableColumnsType } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, errorTitle } from '../../api';
import { DateTime } from '../../components/DateTime';
import { ErrorState } from '../../components/ErrorState';
import { Loading } from '../../components/Loading';
import { useFormat } from '../../hooks/useFormat';
import { useRequest } from '../../hooks/useRequest';
import { useSession } from '../../hooks/useSession';
import type { Page } from '../../types';
import { CustomerTable } from '../segments/CustomerTable';
import { LivePreview, type PreviewErrors } from '../segments/LivePreview';
import { RuleBuilder } from '../segments/RuleBuilder';
import type { Group, Member, Rule } from '../segments/types';
import { useCatalog } from '../segments/useCatalog';
import { LevelChart } from './RfmCharts';
import type { LayerLevel, LayerSummary } from './types';

const asGroup = (rule: Rule): Group => (rule.type === 'and' || rule.type === 'or' ? rule : { type: 'and', rules: [rule] });

/** Lifecycle stages or LTV tiers: customers per level, their members, and the rules (checked in order). */
export function LayerTab({ kind }: { kind: 'lifecycle' | 'ltv' }) {
  const { t } = useTranslation();
  const fmt = useFormat();
  const { can } = useSession();
  const { message } = App.useApp();
  const [pick, setPick] = useState<string | null>(null);
  const [editing, setEditing] = useState<number | null>(null);
  const data = useRequest(
    async (signal) => {
      const [summary, settings] = await Promise.all([api.get<LayerSummary>(`/api/${kind}/summary`, { signal }), api.get<{ levels: LayerLevel[] }>(`/api/${kind}/settings`, { signal })]);
      return { summary, settings };
    },
    [kind],
  );
  if (data.error) return <ErrorState error={data.error} onRetry={data.reload} />;
  if (!data.data) return <Loading />;
  const { summary, settings } = data.data;
  const name = (key: string) => t(`layers.level.${kind}.${key}`, { defaultValue: summary.levels.find((l) => l.key === key)?.name ?? key });

  const saveLevel = async (index: number, rule: Rule | null) => {
    const levels = settings.levels.map((l, i) => (i === index ? { ...l, rule } : l));
    try {
      await api.put(`/api/${kind}/settings`, { levels });
      setEditing(null);
      data.reload();
    } catch (err) {
      message.error((err as { problem?: { errors?: { message: string }[] } }).problem?.errors?.[0]?.message ?? errorTitle(err));
    }
  };

  const rows = settings.levels.map((l, order) => ({ ...l, order, customers: summary.levels.find((s) => s.key === l.key)?.customers ?? 0, share: summary.levels.find((s) => s.key === l.key)?.share ?? 0 }));
  const columns: TableColumnsType<(typeof rows)[number]> = [
    { title: t('layers.order'), dataIndex: 'order', width: 60, render: (i: number) => i + 1 },
    { title: t('layers.level.title'), key: 'name', render: (_v, l) => <Typography.Link onClick={() => setPick(l.key)}>{name(l.key)}</Typography.Link> },
    ...(kind === 'ltv' ? [{ title: t('layers.groupType'), dataIndex: 'groupType', render: (g: string) => <Tag color="green">{g}</Tag> }] : []),
    { title: t('layers.customers'), dataIndex: 'customers', align: 'right', render: (n: number, l) => <Typography.Link onClick={() => setPick(l.key)}>{fmt.number(n)}</Typography.Link> },
    { title: t('layers.customerShare'), dataIndex: 'share', align: 'right', render: (v: number) => `${(v * 100).toFixed(1)}%` },
    { title: t('layers.rule'), key: 'rule', render: (_v, l) => (l.rule ? <Typography.Text code ellipsis style={{ maxWidth: 420 }}>{JSON.stringify(l.rule)}</Typography.Text> : <Typography.Text type="secondary">{t('layers.everyoneElse')}</Typography.Text>) },
    ...(can('settings:write') ? [{ title: t('common.actions'), key: 'edit', render: (_v: unknown, l: (typeof rows)[number]) => l.rule && <Button size="small" onClick={() => setEditing(l.order)}>{t('layers.editRule')}</Button> }] : []),
  ];

  return (
    <Space direction="vertical" size="middle" style={{ width: '100%' }}>
      <Card size="small" title={t('layers.customersN', { n: fmt.number(summary.customers) })}>
        <LevelChart levels={summary.levels.map((l) => ({ ...l, name: name(l.key) }))} onPick={setPick} />
      </Card>
      <Card size="small" title={t('layers.rules')} extra={<Typography.Text type="secondary">{t('layers.firstMatch')}</Typography.Text>}>
        <Table rowKey="key" columns={columns} dataSource={rows} pagination={false} size="small" data-testid={`${kind}-levels`} />
      </Card>
      <Drawer open={pick !== null} width={820} title={pick && name(pick)} onClose={() => setPick(null)} destroyOnHidden>
        {pick && (
          <CustomerTable<Member>
            resetKey={`${kind}:${pick}`}
            fetchPage={(cursor, signal) => api.get<Page<Member>>(`/api/${kind}/members`, { query: { level: pick, cursor, limit: 20 }, signal })}
            extra={[{ title: t('segments.since'), dataIndex: 'since', render: (iso: string) => <DateTime iso={iso} /> }]}
          />
        )}
      </Drawer>
      {editing !== null && settings.levels[editing]?.rule && (
        <LevelRuleDrawer title={name(settings.levels[editing]!.key)} rule={settings.levels[editing]!.rule!} onClose={() => setEditing(null)} onSave={(rule) => saveLevel(editing, rule)} />
      )}
    </Space>
  );
}

function LevelRuleDrawer({ title, rule, onClose, onSave }: { title: string; rule: Rule; onClose: () => void; onSave: (rule: Rule) => void }) {
  const { t } = useTranslation();
  const catalog = useCatalog();
  const [value, setValue] = useState<Group>(asGroup(rule));
  const [errors, setErrors] = useState<PreviewErrors>([]);
  return (
    <Drawer open width={1000} title={title} onClose={onClose} extra={<Button type="primary" onClick={() => onSave(value)}>{t('segments.save')}</Button>}>
      {catalog.data ? (
        <Space direction="vertical" style={{ width: '100%' }}>
          <RuleBuilder value={value} onChange={setValue} catalog={catalog.data} errors={errors} />
          <LivePreview rule={value} onErrors={setErrors} />
        </Space>
      ) : (
        <Loading />
      )}
    </Drawer>
  );
}
