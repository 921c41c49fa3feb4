import { PlusOutlined } from '@ant-design/icons';
import { Button, Card, Space, Table, Typography, type TableColumnsType } from 'antd';
import { useTranslation } from 'react-i18next';
import { Link, useNavigate } from 'react-router-dom';
import { api } from '../../api';
import { DateTime } from '../../components/DateTime';
import { ErrorState } from '../../components/ErrorState';
import { useFormat } from '../../hooks/useFormat';
import { useRequest } from '../../hooks/useRequest';
import { useSession } from '../../hooks/useSession';
import type { Segment } from './types';

/** 分群: every segment with its size and when it was last recomputed. */
export default function Segments() {
  const { t } = useTranslation();
  const fmt = useFormat();
  const navigate = useNavigate();
  const { can } = useSession();
  const { data, error, loading, reload } = useRequest((signal) => api.get<{ items: Segment[] }>('/api/segments', { signal }), []);
  if (error) return <ErrorState error={error} onRetry={reload} />;
  const columns: TableColumnsType<Segment> = [
    { title: t('segments.name'), dataIndex: 'name', render: (name: string, s) => <Link to={`/segments/${s.id}`}>{name}</Link> },
    { title: t('segments.description'), dataIndex: 'description', ellipsis: true },
    { title: t('segments.members'), dataIndex: 'members', align: 'right', render: (n: number) => <span data-testid="segment-members">{fmt.number(n)}</span> },
    { title: t('segments.refreshedAt'), dataIndex: 'refreshedAt', render: (iso: string | null) => <DateTime iso={iso} /> },
    { title: t('segments.updatedAt'), dataIndex: 'updatedAt', render: (iso: string) => <DateTime iso={iso} /> },
  ];
  return (
    <Space direction="vertical" size="large" style={{ width: '100%' }}>
      <Space style={{ width: '100%', justifyContent: 'space-between' }}>
        <Typography.Title level={4} style={{ margin: 0 }}>
          {t('nav.segments')}
        </Typography.Title>
        {can('customers:write') && (
          <Button type="primary" icon={<PlusOutlined />} onClick={() => navigate('/segments/new')} data-testid="segment-new">
            {t('segments.create')}
          </Button>
        )}
      </Space>
      <Card>
        <Table rowKey="id" columns={columns} dataSource={data?.items ?? []} loading={loading} pagination={{ pageSize: 20 }} />
      </Card>
    </Space>
  );
}
