import { App, Button, Card, Popconfirm, Table, Tag, Typography, type TableColumnsType } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router-dom';
import { api, errorTitle } from '../../api';
import { DateTime } from '../../components/DateTime';
import { ErrorState } from '../../components/ErrorState';
import { useRequest } from '../../hooks/useRequest';
import { useSession } from '../../hooks/useSession';

export interface Merge {
  id: string;
  at: string;
  survivorId: string;
  mergedId: string;
  cause: { type: string; collection: string; value: string; messageId: string | null };
  actor: { type: string; id: string | null; name: string | null };
  unmergedAt: string | null;
  unmergedBy: string | null;
}

/** Who was merged into whom, which identifier linked them; operators with write access can split a wrong merge. */
export function MergeHistory({ customerId, onChanged }: { customerId: string; onChanged: () => void }) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const { can } = useSession();
  const [busy, setBusy] = useState<string | null>(null);
  const { data, error, loading, reload } = useRequest(
    (signal) => api.get<{ items: Merge[] }>(`/api/customers/${encodeURIComponent(customerId)}/merges`, { signal }),
    [customerId],
  );
  const unmerge = async (m: Merge) => {
    setBusy(m.id);
    try {
      await api.post(`/api/identity/merges/${m.id}/unmerge`);
      message.success(t('customers.merges.unmerged'));
      reload();
      onChanged();
    } catch (err) {
      message.error(errorTitle(err));
    } finally {
      setBusy(null);
    }
  };
  const other = (m: Merge) => (m.survivorId === customerId ? m.mergedId : m.survivorId);
  const columns: TableColumnsType<Merge> = [
    { title: t('customers.merges.at'), dataIndex: 'at', width: 190, render: (iso: string) => <DateTime iso={iso} /> },
    {
      title: t('customers.merges.what'),
      key: 'what',
      render: (_v, m) => (
        <Typography.Text>
          {m.survivorId === customerId ? t('customers.merges.absorbed') : t('customers.merges.into')}{' '}
          <Link to={`/customers/${other(m)}`}>
            <Typography.Text code>{other(m).slice(0, 8)}…</Typography.Text>
          </Link>
        </Typography.Text>
      ),
    },
    {
      title: t('customers.merges.cause'),
      key: 'cause',
      render: (_v, m) => (
        <Typography.Text>
          {t(`identifierType.${m.cause.type}`, { defaultValue: m.cause.type })}
          {m.cause.collection ? ` (${m.cause.collection})` : ''}: <Typography.Text code>{m.cause.value}</Typography.Text>
        </Typography.Text>
      ),
    },
    {
      title: t('customers.merges.actor'),
      key: 'actor',
      render: (_v, m) => (m.actor.type === 'system' ? t('customers.merges.automatic') : (m.actor.name ?? m.actor.id ?? m.actor.type)),
    },
    {
      title: t('customers.merges.status'),
      key: 'status',
      render: (_v, m) =>
        m.unmergedAt ? (
          <Tag>
            {t('customers.merges.split')} <DateTime iso={m.unmergedAt} />
          </Tag>
        ) : can('customers:write') ? (
          <Popconfirm
            title={t('customers.merges.confirmTitle')}
            description={t('customers.merges.confirm')}
            okText={t('customers.merges.unmerge')}
            okButtonProps={{ danger: true }}
            onConfirm={() => unmerge(m)}
          >
            <Button size="small" danger loading={busy === m.id} data-testid={`unmerge-${m.id}`}>
              {t('customers.merges.unmerge')}
            </Button>
          </Popconfirm>
        ) : (
          <Tag color="green">{t('customers.merges.active')}</Tag>
        ),
    },
  ];
  return (
    <Card title={t('customers.merges.title')}>
      {error ? (
        <ErrorState error={error} onRetry={reload} />
      ) : (
        <Table<Merge>
          size="small"
          rowKey="id"
          loading={loading}
          pagination={false}
          dataSource={data?.items ?? []}
          columns={columns}
          scroll={{ x: 640 }}
          locale={{ emptyText: t('customers.merges.empty') }}
          data-testid="customer-merges"
        />
      )}
    </Card>
  );
}
