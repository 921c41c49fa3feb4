import { Table, Typography, type TableColumnsType } from 'antd';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router-dom';
import { CursorPager } from '../../components/CursorPager';
import { ErrorState } from '../../components/ErrorState';
import { useCursorPager } from '../../hooks/useCursorPager';
import type { Page } from '../../types';
import type { CustomerCard } from './types';

/**
 * A cursor-paged list of customers (segment members, tag holders, an RFM cell): name links to
 * the customer, then phone, city, and whatever `extra` columns the caller adds.
 */
export function CustomerTable<T extends CustomerCard>({
  fetchPage,
  resetKey,
  extra = [],
  rowKey = 'id',
}: {
  fetchPage: (cursor: string | null, signal: AbortSignal) => Promise<Page<T>>;
  resetKey: string;
  extra?: TableColumnsType<T>;
  rowKey?: keyof T & string;
}) {
  const { t } = useTranslation();
  const pager = useCursorPager(fetchPage, resetKey);
  if (pager.error) return <ErrorState error={pager.error} onRetry={pager.reload} />;
  const columns: TableColumnsType<T> = [
    {
      title: t('customer.name'),
      key: 'name',
      render: (_v, c) => (
        <Link to={`/customers/${c[rowKey] as string}`}>
          <Typography.Text strong>{c.name || t('customer.anonymous')}</Typography.Text>
        </Link>
      ),
    },
    { title: t('customer.phone'), dataIndex: 'phone', render: (v: string | null) => v || '—' },
    { title: t('customer.city'), dataIndex: 'city', render: (v: string | null) => v || '—' },
    ...extra,
  ];
  return (
    <div data-testid="customer-table">
      <Table rowKey={rowKey} size="small" columns={columns} dataSource={pager.items} loading={pager.loading} pagination={false} />
      <CursorPager page={pager.page} hasPrev={pager.hasPrev} hasNext={pager.hasNext} loading={pager.loading} onPrev={pager.prev} onNext={pager.next} />
    </div>
  );
}
