import { Col, Row, Table, Tag, Typography, type TableColumnsType } from 'antd';
import { useTranslation } from 'react-i18next';
import { api } from '../api';
import { useCursorPager } from '../hooks/useCursorPager';
import type { AuditEntry, Page } from '../types';
import { CursorPager } from './CursorPager';
import { DateTime } from './DateTime';
import { ErrorState } from './ErrorState';

const PAGE_SIZE = 50;
const ACTOR_COLORS: Record<string, string> = { operator: 'blue', apikey: 'purple', cli: 'cyan', system: 'default' };

function Json({ label, value }: { label: string; value: unknown }) {
  return (
    <>
      <Typography.Text type="secondary">{label}</Typography.Text>
      <pre className="siyu-json">{value === null || value === undefined ? '—' : JSON.stringify(value, null, 2)}</pre>
    </>
  );
}

export function AuditLog() {
  const { t } = useTranslation();
  const pager = useCursorPager(
    (cursor, signal) => api.get<Page<AuditEntry>>('/api/audit', { query: { cursor, limit: PAGE_SIZE }, signal }),
    '',
  );

  if (pager.error) return <ErrorState error={pager.error} onRetry={pager.reload} />;

  const columns: TableColumnsType<AuditEntry> = [
    { title: t('audit.at'), dataIndex: 'at', width: 170, render: (iso: string) => <DateTime iso={iso} /> },
    {
      title: t('audit.actor'),
      dataIndex: 'actor',
      render: (actor: AuditEntry['actor']) => (
        <>
          <Tag color={ACTOR_COLORS[actor.type]}>{t(`actorType.${actor.type}`, { defaultValue: actor.type })}</Tag>
          {actor.name ?? actor.id ?? ''}
        </>
      ),
    },
    { title: t('audit.action'), dataIndex: 'action', render: (action: string) => <Typography.Text code>{action}</Typography.Text> },
    {
      title: t('audit.entity'),
      key: 'entity',
      render: (_: unknown, e: AuditEntry) => (
        <>
          {e.entity}
          {e.entityId && (
            <Typography.Text type="secondary" copyable={{ text: e.entityId }}>
              {' '}
              {e.entityId}
            </Typography.Text>
          )}
        </>
      ),
    },
    {
      title: t('audit.requestId'),
      dataIndex: 'requestId',
      render: (id: string | null) => (id ? <Typography.Text type="secondary">{id}</Typography.Text> : '—'),
    },
  ];

  return (
    <>
      <Table<AuditEntry>
        rowKey="id"
        size="middle"
        columns={columns}
        dataSource={pager.items}
        loading={pager.loading}
        pagination={false}
        scroll={{ x: 900 }}
        locale={{ emptyText: t('audit.empty') }}
        expandable={{
          rowExpandable: (e) => e.before != null || e.after != null,
          expandedRowRender: (e) => (
            <Row gutter={16}>
              <Col xs={24} md={12}>
                <Json label={t('audit.before')} value={e.before} />
              </Col>
              <Col xs={24} md={12}>
                <Json label={t('audit.after')} value={e.after} />
              </Col>
            </Row>
          ),
        }}
        data-testid="audit-table"
      />
      <CursorPager
        page={pager.page}
        hasPrev={pager.hasPrev}
        hasNext={pager.hasNext}
        loading={pager.loading}
        onPrev={pager.prev}
        onNext={pager.next}
      />
    </>
  );
}
