import { AppstoreAddOutlined, CheckSquareOutlined, PlusOutlined } from '@ant-design/icons';
import { App, Button, Card, Form, Input, Modal, Space, Table, Typography, type TableColumnsType } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useNavigate } from 'react-router-dom';
import { errorTitle } from '../../api';
import { DateTime } from '../../components/DateTime';
import { ErrorState } from '../../components/ErrorState';
import { useFormat } from '../../hooks/useFormat';
import { useRequest } from '../../hooks/useRequest';
import { useSession } from '../../hooks/useSession';
import { journeysApi } from '../../journeys/api';
import { StatusTag } from '../../journeys/StatusTag';
import type { JourneyGraph, JourneySummary } from '../../journeys/types';

const STARTER: JourneyGraph = {
  trigger: { kind: 'manual' },
  reentry: { mode: 'once' },
  start: 'wait_1',
  steps: [
    { id: 'wait_1', kind: 'wait', duration: { days: 1 }, next: 'exit_1', ui: { x: 0, y: 150 } },
    { id: 'exit_1', kind: 'exit', ui: { x: 0, y: 300 } },
  ],
  exits: [],
};

const IN_FLIGHT = ['active', 'waiting'];

/** 旅程: every journey with its status, live version and customers in flight / converted. */
export default function Journeys() {
  const { t } = useTranslation();
  const fmt = useFormat();
  const navigate = useNavigate();
  const { message } = App.useApp();
  const { can } = useSession();
  const [creating, setCreating] = useState(false);
  const [form] = Form.useForm<{ name: string; description?: string }>();
  const { data, error, loading, reload } = useRequest((signal) => journeysApi.list(signal), []);
  if (error) return <ErrorState error={error} onRetry={reload} />;

  const inFlight = (j: JourneySummary) => IN_FLIGHT.reduce((n, s) => n + (j.counts?.[s] ?? 0), 0);
  const columns: TableColumnsType<JourneySummary> = [
    { title: t('journeys.name'), dataIndex: 'name', render: (name: string, j) => <Link to={`/journeys/${j.id}`} data-testid="journey-open">{name}</Link> },
    { title: t('journeys.statusCol'), dataIndex: 'status', render: (s: string) => <StatusTag status={s} /> },
    { title: t('journeys.version'), dataIndex: 'liveVersion', align: 'right', render: (v: number | null) => (v == null ? '—' : `v${v}`) },
    { title: t('journeys.inFlight'), key: 'inFlight', align: 'right', render: (_v, j) => <span data-testid="journey-in-flight">{fmt.number(inFlight(j))}</span> },
    { title: t('journeys.converted'), key: 'converted', align: 'right', render: (_v, j) => fmt.number(j.counts?.converted ?? 0) },
    { title: t('journeys.updatedAt'), dataIndex: 'updatedAt', render: (iso: string) => <DateTime iso={iso} /> },
  ];

  const create = async () => {
    const values = await form.validateFields().catch(() => null);
    if (!values) return;
    try {
      const j = await journeysApi.create({ name: values.name, description: values.description, graph: STARTER });
      setCreating(false);
      navigate(`/journeys/${j.id}`);
    } catch (err) {
      message.error(errorTitle(err));
    }
  };

  return (
    <Space direction="vertical" size="large" style={{ width: '100%' }}>
      <Space style={{ width: '100%', justifyContent: 'space-between' }}>
        <Typography.Title level={4} style={{ margin: 0 }}>
          {t('nav.journeys')}
        </Typography.Title>
        <Space>
          <Button icon={<CheckSquareOutlined />} onClick={() => navigate('/journeys/tasks')} data-testid="journey-tasks">
            {t('journeys.tasks.heading')}
          </Button>
          {can('customers:write') && (
            <>
              <Button icon={<AppstoreAddOutlined />} onClick={() => navigate('/journeys/templates')} data-testid="journey-gallery">
                {t('journeys.gallery')}
              </Button>
              <Button type="primary" icon={<PlusOutlined />} onClick={() => setCreating(true)} data-testid="journey-new">
                {t('journeys.create')}
              </Button>
            </>
          )}
        </Space>
      </Space>
      <Card>
        <Table rowKey="id" columns={columns} dataSource={data ?? []} loading={loading} pagination={{ pageSize: 20 }} data-testid="journey-table" />
      </Card>
      <Modal open={creating} title={t('journeys.create')} onCancel={() => setCreating(false)} onOk={create} destroyOnHidden>
        <Form form={form} layout="vertical" preserve={false}>
          <Form.Item name="name" label={t('journeys.name')} rules={[{ required: true, max: 100 }]}>
            <Input data-testid="journey-new-name" />
          </Form.Item>
          <Form.Item name="description" label={t('journeys.description')}>
            <Input.TextArea rows={2} />
          </Form.Item>
        </Form>
      </Modal>
    </Space>
  );
}
