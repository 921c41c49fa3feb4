import { Space, Table, Tag, Typography, type TableColumnsType } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../../api';
import { CursorPager } from '../../components/CursorPager';
import { DateTime } from '../../components/DateTime';
import { ErrorState } from '../../components/ErrorState';
import { useCursorPager } from '../../hooks/useCursorPager';
import { useFormat } from '../../hooks/useFormat';
import type { Page } from '../../types';
import { ImportResult, statusColor } from './ImportResult';
import { ImportWizard } from './ImportWizard';
import type { ImportView } from './types';

/** 数据导入: upload customers, orders or events with a mapping step; follow each import; past imports. */
export default function Imports() {
  const { t } = useTranslation();
  const fmt = useFormat();
  const [shown, setShown] = useState<string | null>(null);
  const [listVersion, setListVersion] = useState(0);
  const history = useCursorPager((cursor, signal) => api.get<Page<ImportView>>('/api/imports', { signal, query: { cursor, limit: 10 } }), String(listVersion));

  const columns: TableColumnsType<ImportView> = [
    { title: t('imports.file'), dataIndex: 'filename', render: (name: string, j) => <Typography.Link onClick={() => setShown(j.id)}>{name}</Typography.Link> },
    { title: t('imports.kind'), dataIndex: 'kind', render: (k: ImportView['kind']) => t(`imports.kinds.${k}`) },
    { title: t('imports.statusTitle'), dataIndex: 'status', render: (s: ImportView['status'], j) => <Tag color={statusColor(s)}>{s === 'running' ? `${t(`imports.status.${s}`)} ${j.progress.percent}%` : t(`imports.status.${s}`)}</Tag> },
    { title: t('imports.summary.imported'), align: 'right', render: (_: unknown, j) => fmt.number(j.summary.imported) },
    { title: t('imports.summary.duplicates'), align: 'right', render: (_: unknown, j) => fmt.number(j.summary.duplicates) },
    { title: t('imports.summary.failed'), align: 'right', render: (_: unknown, j) => fmt.number(j.summary.failed) },
    { title: t('imports.createdAt'), dataIndex: 'createdAt', render: (iso: string) => <DateTime iso={iso} /> },
    { title: t('imports.createdBy'), dataIndex: 'createdBy' },
  ];

  return (
    <Space direction="vertical" size="large" style={{ width: '100%' }}>
      <Typography.Title level={4} style={{ margin: 0 }}>
        {t('nav.imports')}
      </Typography.Title>
      <ImportWizard
        onStarted={(job) => {
          setShown(job.id);
          setListVersion((v) => v + 1);
        }}
      />
      {shown && <ImportResult id={shown} onFinished={() => setListVersion((v) => v + 1)} />}
      <div>
        <Typography.Title level={5}>{t('imports.history')}</Typography.Title>
        {history.error ? (
          <ErrorState error={history.error} onRetry={history.reload} />
        ) : (
          <>
            <Table rowKey="id" size="small" loading={history.loading} pagination={false} columns={columns} dataSource={history.items} data-testid="import-history" />
            <CursorPager page={history.page} hasPrev={history.hasPrev} hasNext={history.hasNext} loading={history.loading} onPrev={history.prev} onNext={history.next} />
          </>
        )}
      </div>
    </Space>
  );
}
