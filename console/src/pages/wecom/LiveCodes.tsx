import { BarChartOutlined, DeleteOutlined, EditOutlined, PlusOutlined, QrcodeOutlined, SettingOutlined } from '@ant-design/icons';
import { App, Button, Card, Popconfirm, Space, Table, Tabs, Tag, Typography, type TableColumnsType } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useNavigate } from 'react-router-dom';
import { api } from '../../api';
import { ErrorState } from '../../components/ErrorState';
import { Loading } from '../../components/Loading';
import { useFormat } from '../../hooks/useFormat';
import { useRequest } from '../../hooks/useRequest';
import { useSession } from '../../hooks/useSession';
import { LiveCodeForm } from './LiveCodeForm';
import { QrModal } from './QrModal';
import { StatsPanel } from './StatsPanel';
import type { LiveCode, Staff, WecomSettings } from './types';
import { ConnectHint, problemText } from './util';

/** 渠道活码: codes with their staff pools, adds and QR, and the stats of all codes. */
export default function LiveCodes() {
  const { t } = useTranslation();
  const fmt = useFormat();
  const navigate = useNavigate();
  const { can } = useSession();
  const { message } = App.useApp();
  const [editing, setEditing] = useState<LiveCode | 'new' | null>(null);
  const [qr, setQr] = useState<LiveCode | null>(null);
  const [statsOf, setStatsOf] = useState<LiveCode | null>(null);
  const data = useRequest(async (signal) => {
    const settings = await api.get<{ connected: boolean; settings: WecomSettings | null }>('/api/wecom/settings', { signal }).catch(() => ({ connected: true, settings: null }));
    if (!settings.connected) return null;
    const [codes, staff] = await Promise.all([api.get<{ items: LiveCode[] }>('/api/wecom/live-codes', { signal }), api.get<{ items: Staff[] }>('/api/wecom/staff', { signal })]);
    return { codes: codes.items, staff: staff.items };
  }, []);

  if (data.error) return <ErrorState error={data.error} onRetry={data.reload} />;
  if (data.data === undefined) return <Loading />;
  if (data.data === null) return <ConnectHint />;
  const { codes, staff } = data.data;
  const name = (userid: string) => staff.find((s) => s.userid === userid)?.name ?? userid;
  const canWrite = can('customers:write');

  const remove = async (code: LiveCode) => {
    try {
      await api.delete(`/api/wecom/live-codes/${code.id}`);
      data.reload();
    } catch (err) {
      message.error(problemText(err));
    }
  };

  const columns: TableColumnsType<LiveCode> = [
    { title: t('wecom.codes.name'), dataIndex: 'name', render: (v: string) => <Typography.Text strong>{v}</Typography.Text> },
    { title: t('wecom.codes.channel'), dataIndex: 'channelName', render: (v: string) => <Tag color="green">{v}</Tag> },
    { title: t('wecom.codes.strategy'), dataIndex: 'strategy', render: (s: LiveCode['strategy']) => t(`wecom.strategy.${s}`) },
    {
      title: t('wecom.codes.pool'),
      key: 'pool',
      render: (_v, c) => (
        <Space size={4} wrap>
          {c.pool.map((m) => (
            <Tag key={m.userid} color={c.current.includes(m.userid) ? 'processing' : undefined}>
              {name(m.userid)}
              {c.strategy === 'weighted' ? ` ×${m.weight}` : ''}
            </Tag>
          ))}
        </Space>
      ),
    },
    { title: t('wecom.codes.tags'), dataIndex: 'tags', render: (tags: string[]) => tags.map((x) => <Tag key={x}>{x}</Tag>) },
    { title: t('wecom.codes.adds'), dataIndex: 'adds', align: 'right', render: fmt.number },
    { title: t('wecom.codes.active'), dataIndex: 'active', align: 'right', render: fmt.number },
    {
      title: t('common.actions'),
      key: 'actions',
      render: (_v, c) => (
        <Space size={0}>
          <Button type="link" icon={<QrcodeOutlined />} onClick={() => setQr(c)} data-testid={`qr-${c.channel}`}>
            {t('wecom.codes.qr')}
          </Button>
          <Button type="link" icon={<BarChartOutlined />} onClick={() => setStatsOf(c)}>
            {t('wecom.codes.stats')}
          </Button>
          {canWrite && <Button type="link" icon={<EditOutlined />} onClick={() => setEditing(c)} />}
          {canWrite && (
            <Popconfirm title={t('wecom.codes.deleteConfirm')} onConfirm={() => remove(c)}>
              <Button type="link" danger icon={<DeleteOutlined />} />
            </Popconfirm>
          )}
        </Space>
      ),
    },
  ];

  return (
    <Space direction="vertical" size="large" style={{ width: '100%' }}>
      <Space style={{ width: '100%', justifyContent: 'space-between' }}>
        <Typography.Title level={4} style={{ margin: 0 }}>
          {t('nav.liveCodes')}
        </Typography.Title>
        <Space>
          {can('settings:read') && (
            <Button icon={<SettingOutlined />} onClick={() => navigate('/wecom/connect')}>
              {t('wecom.connect.title')}
            </Button>
          )}
          {canWrite && (
            <Button type="primary" icon={<PlusOutlined />} onClick={() => setEditing('new')} data-testid="livecode-new">
              {t('wecom.codes.create')}
            </Button>
          )}
        </Space>
      </Space>
      <Card>
        <Tabs
          items={[
            { key: 'codes', label: t('wecom.codes.list'), children: <Table rowKey="id" columns={columns} dataSource={codes} pagination={false} data-testid="livecodes-table" /> },
            { key: 'stats', label: t('wecom.codes.stats'), children: <StatsPanel /> },
          ]}
        />
      </Card>
      <LiveCodeForm
        open={editing !== null}
        code={editing === 'new' ? null : editing}
        staff={staff}
        onClose={() => setEditing(null)}
        onSaved={() => {
          setEditing(null);
          data.reload();
        }}
      />
      <QrModal code={qr} onClose={() => setQr(null)} />
      {statsOf && (
        <Card title={`${statsOf.name} · ${t('wecom.codes.stats')}`} extra={<Button onClick={() => setStatsOf(null)}>{t('wecom.close')}</Button>}>
          <StatsPanel codeId={statsOf.id} />
        </Card>
      )}
    </Space>
  );
}
