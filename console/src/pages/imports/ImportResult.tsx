import { DownloadOutlined } from '@ant-design/icons';
import { Alert, Button, Card, Col, Progress, Row, Space, Statistic, Table, Tag, Typography, type TableColumnsType } from 'antd';
import { useEffect } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../../api';
import { CursorPager } from '../../components/CursorPager';
import { ErrorState } from '../../components/ErrorState';
import { Loading } from '../../components/Loading';
import { useCursorPager } from '../../hooks/useCursorPager';
import { useFormat } from '../../hooks/useFormat';
import { useRequest } from '../../hooks/useRequest';
import type { Page } from '../../types';
import { isActive, type ImportErrorView, type ImportView } from './types';

const POLL_MS = 1000;

/** One import: a progress indicator while it runs, then the summary and the error report. */
export function ImportResult({ id, onFinished }: { id: string; onFinished: () => void }) {
  const { t } = useTranslation();
  const fmt = useFormat();
  const job = useRequest((signal) => api.get<ImportView>(`/api/imports/${id}`, { signal }), [id]);
  const active = job.data ? isActive(job.data.status) : false;

  useEffect(() => {
    if (!active) return;
    const timer = setTimeout(job.reload, POLL_MS);
    return () => clearTimeout(timer);
  }, [active, job.data, job.reload]);
  useEffect(() => {
    if (job.data && !isActive(job.data.status)) onFinished();
    // Only when this job's status changes.
  }, [job.data?.status]);

  if (job.error) return <ErrorState error={job.error} onRetry={job.reload} />;
  if (!job.data) return <Loading />;
  const j = job.data;
  const s = j.summary;
  return (
    <Card title={<Space>{j.filename}<Tag>{t(`imports.kinds.${j.kind}`)}</Tag><Tag color={statusColor(j.status)}>{t(`imports.status.${j.status}`)}</Tag></Space>} data-testid="import-result">
      <Space direction="vertical" size="large" style={{ width: '100%' }}>
        {active && (
          <div data-testid="import-progress">
            <Progress percent={j.progress.percent} status="active" />
            <Typography.Text type="secondary">{t('imports.rowsDone', { rows: fmt.number(j.progress.rowsDone) })}</Typography.Text>
          </div>
        )}
        {j.message && <Alert type="error" showIcon message={j.message} />}
        <Row gutter={16}>
          <Col span={6}><Statistic title={t('imports.summary.rowsRead')} value={s.rowsRead} formatter={(v) => fmt.number(Number(v))} /></Col>
          <Col span={6}><Statistic title={t('imports.summary.imported')} value={s.imported} formatter={(v) => fmt.number(Number(v))} valueStyle={{ color: '#07c160' }} /></Col>
          <Col span={6}><Statistic title={t('imports.summary.duplicates')} value={s.duplicates} formatter={(v) => fmt.number(Number(v))} /></Col>
          <Col span={6}><Statistic title={t('imports.summary.failed')} value={s.failed} formatter={(v) => fmt.number(Number(v))} valueStyle={s.failed ? { color: '#cf1322' } : undefined} /></Col>
        </Row>
        {j.errorCount > 0 && <ErrorReport job={j} />}
      </Space>
    </Card>
  );
}

function ErrorReport({ job }: { job: ImportView }) {
  const { t } = useTranslation();
  const pager = useCursorPager((cursor, signal) => api.get<Page<ImportErrorView>>(`/api/imports/${job.id}/errors`, { signal, query: { cursor, limit: 20 } }), `${job.id}:${job.errorCount}`);
  const columns: TableColumnsType<ImportErrorView> = [
    { title: t('imports.errors.line'), dataIndex: 'line', width: 90 },
    { title: t('imports.errors.field'), dataIndex: 'field', width: 160, render: (f: string) => t(`imports.fields.${f}`, { defaultValue: f }) },
    { title: t('imports.errors.column'), dataIndex: 'column', width: 160 },
    { title: t('imports.errors.reason'), dataIndex: 'reason' },
    { title: t('imports.errors.value'), dataIndex: 'value', width: 160, render: (v: string | null) => v ?? <Typography.Text type="secondary">—</Typography.Text> },
  ];
  return (
    <div>
      <Space style={{ width: '100%', justifyContent: 'space-between', marginBottom: 8 }}>
        <Typography.Title level={5} style={{ margin: 0 }}>
          {t('imports.errors.title')}
        </Typography.Title>
        <Button icon={<DownloadOutlined />} href={`/api/imports/${job.id}/errors?format=csv`} download data-testid="import-errors-csv">
          {t('imports.errors.download')}
        </Button>
      </Space>
      {pager.error ? (
        <ErrorState error={pager.error} onRetry={pager.reload} />
      ) : (
        <>
          <Table rowKey={(e) => `${e.line}:${e.field}`} size="small" loading={pager.loading} pagination={false} columns={columns} dataSource={pager.items} data-testid="import-errors" />
          <CursorPager page={pager.page} hasPrev={pager.hasPrev} hasNext={pager.hasNext} loading={pager.loading} onPrev={pager.prev} onNext={pager.next} />
        </>
      )}
    </div>
  );
}

export function statusColor(s: ImportView['status']): string {
  return s === 'completed' ? 'success' : s === 'failed' ? 'error' : 'processing';
}
