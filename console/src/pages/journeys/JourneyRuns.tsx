import { Card, Descriptions, Drawer, Empty, Select, Space, Table, Tag, Timeline, Typography, type TableColumnsType } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router-dom';
import { api } from '../../api';
import { CursorPager } from '../../components/CursorPager';
import { DateTime } from '../../components/DateTime';
import { ErrorState } from '../../components/ErrorState';
import { Loading } from '../../components/Loading';
import { useCursorPager } from '../../hooks/useCursorPager';
import { useFormat } from '../../hooks/useFormat';
import { useRequest } from '../../hooks/useRequest';
import { useRefs } from '../../journeys/refs';
import { StatusTag } from '../../journeys/StatusTag';
import { RUN_STATUSES, type Journey, type MessageRow, type Run, type RunDetail } from '../../journeys/types';
import type { Page } from '../../types';

/** 运行记录: runs filtered by status and current step; a run's path and messages in a drawer. */
export default function JourneyRuns({ journey }: { journey: Journey }) {
  const { t } = useTranslation();
  const [status, setStatus] = useState<string>();
  const [step, setStep] = useState<string>();
  const [open, setOpen] = useState<string | null>(null);
  const graph = journey.liveGraph ?? journey.draft;
  const pager = useCursorPager<Run>(
    (cursor, signal) => api.get<Page<Run>>(`/api/journeys/${journey.id}/runs`, { signal, query: { status, step, cursor } }),
    `${status ?? ''}|${step ?? ''}`,
  );
  if (pager.error) return <ErrorState error={pager.error} onRetry={pager.reload} />;

  const columns: TableColumnsType<Run> = [
    { title: t('journeys.runs.customer'), dataIndex: 'customerId', render: (id: string, r) => <Link to={`/customers/${id}`}>{r.customerName ?? id.slice(0, 8)}</Link> },
    { title: t('journeys.statusCol'), dataIndex: 'status', render: (s: string) => <StatusTag status={s} /> },
    { title: t('journeys.runs.step'), dataIndex: 'stepId', render: (s: string | null) => s ?? '—' },
    { title: t('journeys.version'), dataIndex: 'version', render: (v: number) => `v${v}` },
    { title: t('journeys.runs.enteredAt'), dataIndex: 'enteredAt', render: (iso: string) => <DateTime iso={iso} /> },
    { title: t('journeys.runs.nextAt'), dataIndex: 'nextAt', render: (iso: string | null) => <DateTime iso={iso} /> },
    { title: t('journeys.runs.finishedAt'), dataIndex: 'finishedAt', render: (iso: string | null) => <DateTime iso={iso} /> },
    {
      key: 'open',
      render: (_v, r) => (
        <a onClick={() => setOpen(r.id)} data-testid="run-open">
          {t('journeys.runs.path')}
        </a>
      ),
    },
  ];

  return (
    <Card>
      <Space style={{ marginBottom: 16 }} wrap>
        <Select allowClear style={{ width: 160 }} placeholder={t('journeys.statusCol')} value={status} onChange={setStatus} options={RUN_STATUSES.map((s) => ({ value: s, label: t(`journeys.status.${s}`) }))} data-testid="runs-status" />
        <Select allowClear style={{ width: 200 }} placeholder={t('journeys.runs.step')} value={step} onChange={setStep} options={(graph?.steps ?? []).map((s) => ({ value: s.id, label: `${s.id} · ${t(`journeys.kind.${s.kind}`)}` }))} data-testid="runs-step" />
      </Space>
      <Table rowKey="id" columns={columns} dataSource={pager.items} loading={pager.loading} pagination={false} data-testid="runs-table" />
      <CursorPager page={pager.page} hasPrev={pager.hasPrev} hasNext={pager.hasNext} loading={pager.loading} onPrev={pager.prev} onNext={pager.next} />
      <Drawer open={open !== null} onClose={() => setOpen(null)} size={640} title={t('journeys.runs.path')} destroyOnHidden>
        {open && <RunPath journeyId={journey.id} run={pager.items.find((r) => r.id === open)!} />}
      </Drawer>
    </Card>
  );
}

/** A run's path from the reports API (`/customers/:customerId/path`: every run of the customer, with steps and messages). */
function RunPath({ journeyId, run: listed }: { journeyId: string; run: Run }) {
  const { t } = useTranslation();
  const fmt = useFormat();
  const { refs } = useRefs();
  const { data, error, loading, reload } = useRequest(
    (signal) => api.get<{ runs: (Run & Omit<RunDetail, 'run'>)[] }>(`/api/journeys/${journeyId}/customers/${listed.customerId}/path`, { signal }),
    [journeyId, listed.customerId],
  );
  if (error) return <ErrorState error={error} onRetry={reload} />;
  if (loading || !data) return <Loading />;
  const found = data.runs.find((r) => r.id === listed.id);
  const run: Run = found ?? listed;
  const steps = found?.steps ?? [];
  const messages = (found?.messages ?? []).map((m) => ({ ...m, templateName: m.templateName ?? refs.templates.find((x) => x.id === m.templateId)?.name ?? null }));
  return (
    <Space direction="vertical" style={{ width: '100%' }} size="large" data-testid="run-path">
      <Descriptions size="small" column={2} bordered>
        <Descriptions.Item label={t('journeys.statusCol')}>
          <StatusTag status={run.status} />
        </Descriptions.Item>
        <Descriptions.Item label={t('journeys.version')}>v{run.version}</Descriptions.Item>
        <Descriptions.Item label={t('journeys.runs.enteredAt')}>{fmt.dateTime(run.enteredAt)}</Descriptions.Item>
        <Descriptions.Item label={t('journeys.runs.finishedAt')}>{fmt.dateTime(run.finishedAt)}</Descriptions.Item>
        {run.arm && <Descriptions.Item label={t('journeys.runs.arm')}>{run.arm}</Descriptions.Item>}
        {run.exitReason && <Descriptions.Item label={t('journeys.runs.exitReason')}>{run.exitReason}</Descriptions.Item>}
        {run.convertedAt && (
          <Descriptions.Item label={t('journeys.counts.converted')}>
            {fmt.dateTime(run.convertedAt)} {run.conversionValueFen != null && fmt.money(run.conversionValueFen)}
          </Descriptions.Item>
        )}
      </Descriptions>
      <Typography.Title level={5}>{t('journeys.runs.steps')}</Typography.Title>
      {steps.length === 0 ? (
        <Empty />
      ) : (
        <Timeline
          items={steps.map((s) => ({
            color: s.outcome === 'failed' ? 'red' : s.outcome === 'suppressed' ? 'orange' : s.leftAt ? 'green' : 'blue',
            children: (
              <div data-testid="run-step">
                <strong>{s.stepId}</strong> {s.outcome && <Tag>{t(`journeys.outcome.${s.outcome}`, { defaultValue: s.outcome })}</Tag>}
                <div style={{ fontSize: 12, color: '#888' }}>
                  {fmt.dateTime(s.enteredAt)} → {s.leftAt ? fmt.dateTime(s.leftAt) : t('journeys.runs.here')}
                </div>
              </div>
            ),
          }))}
        />
      )}
      <Typography.Title level={5}>{t('journeys.runs.messages')}</Typography.Title>
      <Table<MessageRow>
        size="small"
        rowKey="id"
        pagination={false}
        dataSource={messages}
        columns={[
          { title: t('journeys.runs.step'), dataIndex: 'stepId' },
          { title: t('journeys.field.channel'), dataIndex: 'channel', render: (c: string) => t(`journeys.channel.${c}`, { defaultValue: c }) },
          { title: t('journeys.field.template'), dataIndex: 'templateName', render: (n: string | null, m) => n ?? m.templateId.slice(0, 8) },
          { title: t('journeys.statusCol'), dataIndex: 'status', render: (s: string) => <StatusTag status={s} ns="messages" /> },
          { title: t('messages.reason'), dataIndex: 'reason', render: (r: string | null) => r ?? '' },
          { title: t('messages.createdAt'), dataIndex: 'createdAt', render: (iso: string) => <DateTime iso={iso} /> },
        ]}
      />
    </Space>
  );
}
