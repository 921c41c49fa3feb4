import { ArrowLeftOutlined, CheckOutlined } from '@ant-design/icons';
import { App, Button, Card, Input, Select, Space, Table, Tag, Typography, type TableColumnsType } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router-dom';
import { api, errorTitle } from '../../api';
import { CursorPager } from '../../components/CursorPager';
import { DateTime } from '../../components/DateTime';
import { ErrorState } from '../../components/ErrorState';
import { useCursorPager } from '../../hooks/useCursorPager';
import { useDebouncedValue } from '../../hooks/useDebouncedValue';
import { useSession } from '../../hooks/useSession';
import type { Page } from '../../types';
import type { Wire } from '../../../../src/api/wire';
import type { TaskView } from '../../../../src/journeys/view-types';

type Task = Wire<TaskView>;

/** 导购任务: follow-up tasks journeys created for staff, filtered by status and assignee; mark done. */
export default function Tasks() {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const { can } = useSession();
  const [status, setStatus] = useState<string | undefined>('open');
  const [assignee, setAssignee] = useState('');
  const who = useDebouncedValue(assignee.trim(), 300);
  const pager = useCursorPager<Task>((cursor, signal) => api.get<Page<Task>>('/api/tasks', { signal, query: { status, assignee: who, cursor } }), `${status ?? ''}|${who}`);
  if (pager.error) return <ErrorState error={pager.error} onRetry={pager.reload} />;

  const done = async (id: string) => {
    try {
      await api.post(`/api/tasks/${id}/done`);
      pager.reload();
    } catch (err) {
      message.error(errorTitle(err));
    }
  };

  const columns: TableColumnsType<Task> = [
    {
      title: t('journeys.tasks.title'),
      dataIndex: 'title',
      render: (title: string, task) => (
        <>
          <div>{title}</div>
          {task.detail && (
            <Typography.Text type="secondary" style={{ fontSize: 12 }}>
              {task.detail}
            </Typography.Text>
          )}
        </>
      ),
    },
    { title: t('journeys.runs.customer'), dataIndex: 'customerId', render: (id: string) => <Link to={`/customers/${id}`}>{id.slice(0, 8)}</Link> },
    { title: t('journeys.field.assignee'), dataIndex: 'assignee', render: (a: string | null) => a ?? '—' },
    { title: t('journeys.tasks.due'), dataIndex: 'dueAt', render: (iso: string) => <DateTime iso={iso} /> },
    { title: t('journeys.statusCol'), dataIndex: 'status', render: (s: string) => <Tag color={s === 'open' ? 'blue' : 'default'}>{t(`journeys.tasks.${s}`)}</Tag> },
    { title: t('journeys.tasks.source'), dataIndex: 'journeyId', render: (id: string | null, task) => (id ? <Link to={`/journeys/${id}`}>{task.stepId ?? id.slice(0, 8)}</Link> : '—') },
    {
      key: 'done',
      render: (_v, task) =>
        task.status === 'open' && can('customers:write') ? (
          <Button size="small" icon={<CheckOutlined />} onClick={() => void done(task.id)} data-testid="task-done">
            {t('journeys.tasks.markDone')}
          </Button>
        ) : (
          <DateTime iso={task.doneAt} />
        ),
    },
  ];

  return (
    <Space direction="vertical" size="large" style={{ width: '100%' }}>
      <Space>
        <Link to="/journeys">
          <Button type="text" icon={<ArrowLeftOutlined />} />
        </Link>
        <Typography.Title level={4} style={{ margin: 0 }}>
          {t('journeys.tasks.heading')}
        </Typography.Title>
      </Space>
      <Card>
        <Space style={{ marginBottom: 16 }}>
          <Select
            allowClear
            style={{ width: 140 }}
            value={status}
            onChange={setStatus}
            options={(['open', 'done'] as const).map((s) => ({ value: s, label: t(`journeys.tasks.${s}`) }))}
          />
          <Input allowClear style={{ width: 200 }} placeholder={t('journeys.field.assignee')} value={assignee} onChange={(e) => setAssignee(e.target.value)} />
        </Space>
        <Table rowKey="id" columns={columns} dataSource={pager.items} loading={pager.loading} pagination={false} data-testid="task-table" />
        <CursorPager page={pager.page} hasPrev={pager.hasPrev} hasNext={pager.hasNext} loading={pager.loading} onPrev={pager.prev} onNext={pager.next} />
      </Card>
    </Space>
  );
}
