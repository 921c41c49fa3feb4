import { PlusOutlined } from '@ant-design/icons';
import { Button, Card, Select, Space, Table, Typography, type TableColumnsType } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useNavigate } from 'react-router-dom';
import { api } from '../../api';
import { CursorPager } from '../../components/CursorPager';
import { DateTime } from '../../components/DateTime';
import { ErrorState } from '../../components/ErrorState';
import { useCursorPager } from '../../hooks/useCursorPager';
import { useFormat } from '../../hooks/useFormat';
import { useSession } from '../../hooks/useSession';
import { StatusTag } from '../../journeys/StatusTag';
import type { Page } from '../../types';
import { CAMPAIGN_STATUSES, type Campaign } from './types';

const REPORTABLE = new Set(['sending', 'sent', 'cancelled', 'scheduled']);

/** 群发: campaigns, newest first, filtered by status. */
export default function Campaigns() {
  const { t } = useTranslation();
  const fmt = useFormat();
  const navigate = useNavigate();
  const { can } = useSession();
  const [status, setStatus] = useState<string>();
  const pager = useCursorPager<Campaign>((cursor, signal) => api.get<Page<Campaign>>('/api/campaigns', { signal, query: { status, cursor } }), status ?? '');
  if (pager.error) return <ErrorState error={pager.error} onRetry={pager.reload} />;

  const columns: TableColumnsType<Campaign> = [
    { title: t('campaigns.name'), dataIndex: 'name', render: (name: string, c) => <Link to={`/campaigns/${c.id}`} data-testid="campaign-open">{name}</Link> },
    { title: t('campaigns.statusCol'), dataIndex: 'status', render: (s: string) => <StatusTag status={s} ns="campaigns" /> },
    { title: t('campaigns.channel'), dataIndex: 'channel', render: (c: string) => t(`journeys.channel.${c}`, { defaultValue: c }) },
    { title: t('campaigns.variants'), dataIndex: 'variants', render: (v: Campaign['variants'], c) => `${v.map((x) => x.key).join(' / ')}${c.holdoutPercent ? ` + ${t('campaigns.holdoutShort', { pct: c.holdoutPercent })}` : ''}` },
    { title: t('campaigns.recipients'), dataIndex: 'recipients', align: 'right', render: (n: number) => fmt.number(n) },
    { title: t('campaigns.createdBy'), dataIndex: ['createdBy', 'name'], render: (n: string | null) => n ?? '—' },
    { title: t('campaigns.dueAt'), dataIndex: 'dueAt', render: (iso: string | null, c) => <DateTime iso={iso ?? c.sentAt} /> },
    {
      key: 'report',
      render: (_v, c) =>
        REPORTABLE.has(c.status) ? (
          <Link to={`/campaigns/${c.id}/report`} data-testid="campaign-report-link">
            {t('campaigns.report')}
          </Link>
        ) : null,
    },
  ];

  return (
    <Space direction="vertical" size="large" style={{ width: '100%' }}>
      <Space style={{ width: '100%', justifyContent: 'space-between' }}>
        <Typography.Title level={4} style={{ margin: 0 }}>
          {t('nav.campaigns')}
        </Typography.Title>
        {can('campaigns:write') && (
          <Button type="primary" icon={<PlusOutlined />} onClick={() => navigate('/campaigns/new')} data-testid="campaign-new">
            {t('campaigns.create')}
          </Button>
        )}
      </Space>
      <Card>
        <Select allowClear style={{ width: 180, marginBottom: 16 }} placeholder={t('campaigns.statusCol')} value={status} onChange={setStatus} options={CAMPAIGN_STATUSES.map((s) => ({ value: s, label: t(`campaigns.status.${s}`) }))} />
        <Table rowKey="id" columns={columns} dataSource={pager.items} loading={pager.loading} pagination={false} data-testid="campaign-table" />
        <CursorPager page={pager.page} hasPrev={pager.hasPrev} hasNext={pager.hasNext} loading={pager.loading} onPrev={pager.prev} onNext={pager.next} />
      </Card>
    </Space>
  );
}
