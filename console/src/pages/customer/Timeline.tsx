import { AutoComplete, Card, Flex, Table, Tag, Typography, type TableColumnsType } from 'antd';
import { useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../../api';
import { CursorPager } from '../../components/CursorPager';
import { DateTime } from '../../components/DateTime';
import { ErrorState } from '../../components/ErrorState';
import { useCursorPager } from '../../hooks/useCursorPager';
import { useFormat } from '../../hooks/useFormat';
import type { Order, Page } from '../../types';

export interface TimelineItem {
  kind: 'event' | 'order';
  id: string;
  at: string;
  type: string;
  event: string | null;
  properties: Record<string, unknown>;
  context: Record<string, unknown>;
  order: (Order & { refundedFen: number; channel: string }) | null;
}

const TYPE_COLORS: Record<string, string> = { track: 'blue', page: 'cyan', screen: 'geekblue', identify: 'purple', alias: 'magenta', group: 'gold' };
const COMMON_EVENTS = ['Order Completed', 'Order Refunded', 'Product Viewed', 'Product Added'];

function Json({ value }: { value: Record<string, unknown> }) {
  return (
    <pre style={{ margin: 0, whiteSpace: 'pre-wrap', wordBreak: 'break-all', fontSize: 12 }}>{JSON.stringify(value, null, 2)}</pre>
  );
}

/** Events and orders of the customer (and of customers merged into it), newest first, filterable by event name. */
export function Timeline({ customerId }: { customerId: string }) {
  const { t } = useTranslation();
  const fmt = useFormat();
  const [input, setInput] = useState('');
  const [event, setEvent] = useState('');
  const pager = useCursorPager<TimelineItem>(
    (cursor, signal) =>
      api.get<Page<TimelineItem>>(`/api/customers/${encodeURIComponent(customerId)}/timeline`, {
        query: { cursor, event: event || null, limit: 20 },
        signal,
      }),
    `${customerId}\u0000${event}`,
  );
  const names = useMemo(() => {
    const seen = new Set(COMMON_EVENTS);
    for (const i of pager.items) if (i.event) seen.add(i.event);
    return [...seen].filter((n) => n.toLowerCase().includes(input.toLowerCase())).map((n) => ({ value: n }));
  }, [pager.items, input]);

  const title = (i: TimelineItem) => {
    if (i.kind === 'order') return t('customers.timeline.order', { id: i.id });
    if (i.type === 'page' || i.type === 'screen') return String(i.properties.name ?? i.event ?? i.properties.url ?? i.type);
    if (i.type === 'identify') return t('customers.timeline.identify');
    if (i.type === 'alias') return t('customers.timeline.alias');
    return i.event || i.type;
  };
  const columns: TableColumnsType<TimelineItem> = [
    { title: t('customers.timeline.at'), dataIndex: 'at', width: 200, render: (iso: string) => <DateTime iso={iso} /> },
    {
      title: t('customers.timeline.kind'),
      dataIndex: 'type',
      width: 120,
      render: (type: string, i) =>
        i.kind === 'order' ? <Tag color="green">{t('customers.timeline.kindOrder')}</Tag> : <Tag color={TYPE_COLORS[type]}>{type}</Tag>,
    },
    { title: t('customers.timeline.what'), key: 'what', render: (_v, i) => <Typography.Text strong>{title(i)}</Typography.Text> },
    {
      title: t('customers.timeline.detail'),
      key: 'detail',
      align: 'right',
      render: (_v, i) =>
        i.order ? (
          <Flex gap={8} justify="flex-end" wrap>
            <span>{fmt.money(i.order.totalFen)}</span>
            {i.order.refundedFen > 0 && <Tag color="red">{t('customers.timeline.refunded', { amount: fmt.money(i.order.refundedFen) })}</Tag>}
          </Flex>
        ) : (
          <Typography.Text type="secondary">{String((i.context.campaign as { source?: string } | undefined)?.source ?? '')}</Typography.Text>
        ),
    },
  ];
  const apply = (value: string) => setEvent(value.trim());

  return (
    <Card
      title={t('customers.timeline.title')}
      extra={
        <AutoComplete
          allowClear
          style={{ width: 260 }}
          options={names}
          value={input}
          placeholder={t('customers.timeline.filter')}
          onChange={(v: string | undefined) => {
            setInput(v ?? '');
            if (!v) apply('');
          }}
          onSelect={(v: string | undefined) => apply(v ?? '')}
          onInputKeyDown={(e) => {
            if (e.key === 'Enter') apply(input);
          }}
          data-testid="timeline-filter"
        />
      }
    >
      {pager.error ? (
        <ErrorState error={pager.error} onRetry={pager.reload} />
      ) : (
        <>
          <Table<TimelineItem>
            size="small"
            rowKey={(i) => `${i.kind}:${i.id}`}
            loading={pager.loading}
            pagination={false}
            dataSource={pager.items}
            columns={columns}
            scroll={{ x: 640 }}
            locale={{ emptyText: event ? t('customers.timeline.noMatch', { event }) : t('customers.timeline.empty') }}
            expandable={{
              expandedRowRender: (i) => (
                <Flex vertical gap={8}>
                  {i.order && (
                    <Typography.Text>
                      {t('customers.timeline.orderLine', {
                        total: fmt.money(i.order.totalFen),
                        refunded: fmt.money(i.order.refundedFen),
                        items: i.order.products.reduce((n, p) => n + p.quantity, 0),
                      })}
                    </Typography.Text>
                  )}
                  <Typography.Text type="secondary">{t('customers.timeline.properties')}</Typography.Text>
                  <Json value={i.order ? { ...i.order } : i.properties} />
                  {Object.keys(i.context).length > 0 && (
                    <>
                      <Typography.Text type="secondary">{t('customers.timeline.context')}</Typography.Text>
                      <Json value={i.context} />
                    </>
                  )}
                </Flex>
              ),
            }}
            data-testid="customer-timeline"
          />
          <CursorPager page={pager.page} hasPrev={pager.hasPrev} hasNext={pager.hasNext} loading={pager.loading} onPrev={pager.prev} onNext={pager.next} />
        </>
      )}
    </Card>
  );
}
