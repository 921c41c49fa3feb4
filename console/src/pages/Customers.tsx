import { SearchOutlined } from '@ant-design/icons';
import { Card, Input, Table, Typography, type TableColumnsType } from 'antd';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useNavigate, useSearchParams } from 'react-router-dom';
import { api } from '../api';
import { CursorPager } from '../components/CursorPager';
import { DateTime } from '../components/DateTime';
import { ErrorState } from '../components/ErrorState';
import { useCursorPager } from '../hooks/useCursorPager';
import { useDebouncedValue } from '../hooks/useDebouncedValue';
import { useFormat } from '../hooks/useFormat';
import type { CustomerRow, Page } from '../types';

const PAGE_SIZE = 20;
const SEARCH_DEBOUNCE_MS = 400;

export default function Customers() {
  const { t } = useTranslation();
  const fmt = useFormat();
  const navigate = useNavigate();
  const [params, setParams] = useSearchParams();
  const q = params.get('q') ?? '';

  // The input follows the URL (back/forward) and the URL follows the input (Enter, or a typing pause).
  const [text, setText] = useState(q);
  const [shownQ, setShownQ] = useState(q);
  if (q !== shownQ) {
    setShownQ(q);
    setText(q);
  }
  const search = (value: string) => {
    const next = value.trim();
    if (next !== q) setParams(next ? { q: next } : {}, { replace: true });
  };
  const debounced = useDebouncedValue(text, SEARCH_DEBOUNCE_MS);
  useEffect(() => {
    search(debounced);
    // Only a settled change of the typed text triggers a search.
  }, [debounced]);

  const pager = useCursorPager(
    (cursor, signal) =>
      api.get<Page<CustomerRow>>('/api/customers', { query: { q, limit: PAGE_SIZE, cursor }, signal }),
    q,
  );

  const dash = (value: string | null) => value || '—';
  const columns: TableColumnsType<CustomerRow> = [
    {
      title: t('customer.name'),
      dataIndex: 'name',
      render: (name: string | null) => <Typography.Text strong>{name || t('customer.anonymous')}</Typography.Text>,
    },
    { title: t('customer.phone'), dataIndex: 'phone', render: dash },
    { title: t('customer.email'), dataIndex: 'email', render: dash, ellipsis: true },
    { title: t('customer.city'), dataIndex: 'city', render: dash },
    { title: t('customer.channel'), dataIndex: 'channelName', render: dash },
    { title: t('customer.ordersCount'), dataIndex: 'ordersCount', align: 'right', render: (n: number) => fmt.number(n) },
    {
      title: t('customer.totalSpent'),
      dataIndex: 'totalSpentFen',
      align: 'right',
      render: (fen: number) => fmt.money(fen),
    },
    {
      title: t('customer.lastSeenAt'),
      dataIndex: 'lastSeenAt',
      render: (iso: string) => <DateTime iso={iso} />,
    },
  ];

  return (
    <>
      <Typography.Title level={4} style={{ marginTop: 0 }}>
        {t('nav.customers')}
      </Typography.Title>
      <Card>
        <Input
          allowClear
          prefix={<SearchOutlined />}
          placeholder={t('customers.searchPlaceholder')}
          value={text}
          onChange={(e) => setText(e.target.value)}
          onPressEnter={() => search(text)}
          style={{ maxWidth: 360, marginBottom: 16 }}
          data-testid="customer-search"
        />
        {pager.error ? (
          <ErrorState error={pager.error} onRetry={pager.reload} />
        ) : (
          <>
            <Table<CustomerRow>
              rowKey="id"
              size="middle"
              columns={columns}
              dataSource={pager.items}
              loading={pager.loading}
              pagination={false}
              scroll={{ x: 960 }}
              rowClassName="siyu-clickable-row"
              onRow={(row) => ({ onClick: () => navigate(`/customers/${encodeURIComponent(row.id)}`) })}
              locale={{ emptyText: q ? t('customers.noMatch', { q }) : t('customers.empty') }}
              data-testid="customer-table"
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
        )}
      </Card>
    </>
  );
}
