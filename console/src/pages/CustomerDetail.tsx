import { ArrowLeftOutlined, UserOutlined } from '@ant-design/icons';
import {
  Avatar,
  Button,
  Card,
  Col,
  Descriptions,
  Empty,
  Flex,
  Result,
  Row,
  Skeleton,
  Space,
  Statistic,
  Table,
  Tag,
  Typography,
  type TableColumnsType,
} from 'antd';
import { useTranslation } from 'react-i18next';
import { Link, useParams } from 'react-router-dom';
import { api, ApiError } from '../api';
import { DateTime } from '../components/DateTime';
import { ErrorState } from '../components/ErrorState';
import { useFormat } from '../hooks/useFormat';
import { useRequest } from '../hooks/useRequest';
import type { Customer as CustomerBase, Identifier, Order, OrderProduct } from '../types';
import { MergeHistory } from './customer/MergeHistory';
import { Timeline } from './customer/Timeline';
import { WecomRelations } from './wecom/Relations';

/** The customer as GET /api/customers/:id returns it (computed traits and consent included). */
type Customer = CustomerBase & {
  lastChannel: string | null;
  consent: Record<string, { granted: boolean; at: string }>;
};

/** An order line with its position, as a row key (one SKU can appear on several lines). */
type ProductLine = OrderProduct & { line: number };

const STATUS_COLORS: Record<string, string> = { completed: 'green', refunded: 'red' };

function traitText(value: unknown): string {
  if (value === null || value === undefined) return '—';
  return typeof value === 'string' ? value : JSON.stringify(value);
}

function BackLink() {
  const { t } = useTranslation();
  return (
    <Link to="/customers">
      <ArrowLeftOutlined /> {t('customerDetail.back')}
    </Link>
  );
}

function Identifiers({ identifiers }: { identifiers: Identifier[] }) {
  const { t } = useTranslation();
  if (identifiers.length === 0) return <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} />;
  return (
    <Flex wrap gap={8} data-testid="customer-identifiers">
      {identifiers.map((id) => (
        <Tag
          key={`${id.type}:${id.collection ?? ''}:${id.value}`}
          style={{ marginInlineEnd: 0, maxWidth: '100%', whiteSpace: 'normal', wordBreak: 'break-all' }}
        >
          <Typography.Text type="secondary">
            {t(`identifierType.${id.type}`, { defaultValue: id.type })}
            {id.collection ? ` (${id.collection})` : ''}:
          </Typography.Text>{' '}
          <Typography.Text copyable={{ text: id.value }}>{id.value}</Typography.Text>
        </Tag>
      ))}
    </Flex>
  );
}

function Traits({ traits }: { traits: Record<string, unknown> }) {
  const { t } = useTranslation();
  const rows = Object.entries(traits).map(([key, value]) => ({ key, value }));
  return (
    <Table
      size="small"
      rowKey="key"
      pagination={false}
      dataSource={rows}
      locale={{ emptyText: t('customerDetail.noTraits') }}
      columns={[
        { title: t('customerDetail.traitKey'), dataIndex: 'key', width: '40%', render: (k: string) => <code>{k}</code> },
        { title: t('customerDetail.traitValue'), dataIndex: 'value', render: traitText },
      ]}
    />
  );
}

function Orders({ orders }: { orders: Order[] }) {
  const { t } = useTranslation();
  const fmt = useFormat();
  const columns: TableColumnsType<Order> = [
    { title: t('order.id'), dataIndex: 'orderId', render: (id: string) => <Typography.Text code>{id}</Typography.Text> },
    { title: t('order.orderedAt'), dataIndex: 'orderedAt', render: (iso: string) => <DateTime iso={iso} /> },
    {
      title: t('order.status'),
      dataIndex: 'status',
      render: (status: string) => (
        <Tag color={STATUS_COLORS[status]}>{t(`orderStatus.${status}`, { defaultValue: status })}</Tag>
      ),
    },
    {
      title: t('order.items'),
      dataIndex: 'products',
      align: 'right',
      render: (products: OrderProduct[]) => fmt.number(products.reduce((sum, p) => sum + p.quantity, 0)),
    },
    { title: t('order.discount'), dataIndex: 'discountFen', align: 'right', render: (fen: number) => fmt.money(fen) },
    { title: t('order.total'), dataIndex: 'totalFen', align: 'right', render: (fen: number) => fmt.money(fen) },
  ];
  const productColumns: TableColumnsType<ProductLine> = [
    { title: t('order.sku'), dataIndex: 'sku' },
    { title: t('order.product'), dataIndex: 'name' },
    { title: t('order.quantity'), dataIndex: 'quantity', align: 'right', render: (n: number) => fmt.number(n) },
    { title: t('order.price'), dataIndex: 'priceFen', align: 'right', render: (fen: number) => fmt.money(fen) },
  ];
  return (
    <Table<Order>
      rowKey="orderId"
      size="middle"
      pagination={false}
      dataSource={orders}
      columns={columns}
      scroll={{ x: 720 }}
      locale={{ emptyText: t('customerDetail.noOrders') }}
      expandable={{
        rowExpandable: (order) => order.products.length > 0,
        expandedRowRender: (order) => (
          <Table<ProductLine>
            size="small"
            rowKey="line"
            pagination={false}
            dataSource={order.products.map((p, line) => ({ ...p, line }))}
            columns={productColumns}
          />
        ),
      }}
      data-testid="customer-orders"
    />
  );
}

function Profile({ customer }: { customer: Customer }) {
  const { t } = useTranslation();
  const fmt = useFormat();
  const text = (value: string | null) => value || '—';
  return (
    <Descriptions
      column={{ xs: 1, md: 2 }}
      size="small"
      items={[
        { key: 'id', label: t('customer.id'), children: <Typography.Text copyable>{customer.id}</Typography.Text> },
        { key: 'email', label: t('customer.email'), children: text(customer.email) },
        {
          key: 'gender',
          label: t('customer.gender'),
          children: customer.gender ? t(`gender.${customer.gender}`, { defaultValue: customer.gender }) : '—',
        },
        { key: 'birthday', label: t('customer.birthday'), children: fmt.day(customer.birthday) },
        { key: 'city', label: t('customer.city'), children: text(customer.city) },
        { key: 'channel', label: t('customer.channel'), children: text(customer.channelName) },
        { key: 'firstSeenAt', label: t('customer.firstSeenAt'), children: fmt.dateTime(customer.firstSeenAt) },
        { key: 'lastSeenAt', label: t('customer.lastSeenAt'), children: fmt.dateTime(customer.lastSeenAt) },
        { key: 'createdAt', label: t('customer.createdAt'), children: fmt.dateTime(customer.createdAt) },
      ]}
    />
  );
}

function Computed({ customer }: { customer: Customer }) {
  const { t } = useTranslation();
  const fmt = useFormat();
  const { stats } = customer;
  return (
    <Descriptions
      column={{ xs: 1, md: 2 }}
      size="small"
      data-testid="customer-computed"
      items={[
        { key: 'firstSeenAt', label: t('customer.firstSeenAt'), children: fmt.dateTime(customer.firstSeenAt) },
        { key: 'lastSeenAt', label: t('customer.lastSeenAt'), children: fmt.dateTime(customer.lastSeenAt) },
        { key: 'firstChannel', label: t('customers.computed.firstChannel'), children: customer.channelName || customer.channel || '—' },
        { key: 'lastChannel', label: t('customers.computed.lastChannel'), children: customer.lastChannel || '—' },
        { key: 'ordersCount', label: t('customer.ordersCount'), children: fmt.number(stats.ordersCount) },
        { key: 'totalSpent', label: t('customer.totalSpent'), children: fmt.money(stats.totalSpentFen) },
        { key: 'aov', label: t('customer.aov'), children: fmt.money(stats.aovFen) },
        { key: 'lastOrderAt', label: t('customer.lastOrderAt'), children: fmt.dateTime(stats.lastOrderAt) },
      ]}
    />
  );
}

function Consent({ consent }: { consent: Customer['consent'] }) {
  const { t } = useTranslation();
  const rows = Object.entries(consent ?? {}).map(([channel, c]) => ({ channel, ...c }));
  return (
    <Table
      size="small"
      rowKey="channel"
      pagination={false}
      dataSource={rows}
      locale={{ emptyText: t('customers.consent.empty') }}
      columns={[
        { title: t('customers.consent.channel'), dataIndex: 'channel', render: (c: string) => t(`customers.consent.channels.${c}`, { defaultValue: c }) },
        {
          title: t('customers.consent.status'),
          dataIndex: 'granted',
          render: (g: boolean) => <Tag color={g ? 'green' : 'red'}>{g ? t('customers.consent.granted') : t('customers.consent.refused')}</Tag>,
        },
        { title: t('customers.consent.at'), dataIndex: 'at', render: (iso: string) => <DateTime iso={iso} /> },
      ]}
    />
  );
}

function CustomerView({ customer, reload }: { customer: Customer; reload: () => void }) {
  const { t } = useTranslation();
  const fmt = useFormat();
  const { stats } = customer;
  const statCards = [
    { key: 'orders', title: t('customer.ordersCount'), value: fmt.number(stats.ordersCount) },
    { key: 'spent', title: t('customer.totalSpent'), value: fmt.money(stats.totalSpentFen) },
    { key: 'aov', title: t('customer.aov'), value: fmt.money(stats.aovFen) },
    { key: 'lastOrder', title: t('customer.lastOrderAt'), value: fmt.dateTime(stats.lastOrderAt) },
  ];

  return (
    <Space orientation="vertical" size={16} style={{ width: '100%' }}>
      <BackLink />
      <Card>
        <Flex align="center" gap={16}>
          <Avatar size={56} icon={<UserOutlined />} />
          <div>
            <Typography.Title level={4} style={{ margin: 0 }} data-testid="customer-name">
              {customer.name || t('customer.anonymous')}
            </Typography.Title>
            <Space size={12} wrap>
              <Typography.Text type="secondary">{customer.phone || '—'}</Typography.Text>
              {customer.city && <Tag>{customer.city}</Tag>}
              {customer.channelName && <Tag color="green">{customer.channelName}</Tag>}
            </Space>
          </div>
        </Flex>
      </Card>
      <Row gutter={[16, 16]}>
        {statCards.map((s) => (
          <Col key={s.key} xs={12} lg={6}>
            <Card>
              <Statistic title={s.title} value={s.value} formatter={(v) => v} />
            </Card>
          </Col>
        ))}
      </Row>
      <Row gutter={[16, 16]}>
        <Col xs={24} xl={14}>
          <Card title={t('customerDetail.profile')} style={{ height: '100%' }}>
            <Profile customer={customer} />
          </Card>
        </Col>
        <Col xs={24} xl={10}>
          <Card title={t('customerDetail.identifiers')} style={{ height: '100%' }}>
            <Identifiers identifiers={customer.identifiers} />
          </Card>
        </Col>
      </Row>
      <WecomRelations customerId={customer.id} />
      <Row gutter={[16, 16]}>
        <Col xs={24} xl={14}>
          <Card title={t('customers.computed.title')} style={{ height: '100%' }}>
            <Computed customer={customer} />
          </Card>
        </Col>
        <Col xs={24} xl={10}>
          <Card title={t('customers.consent.title')} style={{ height: '100%' }}>
            <Consent consent={customer.consent} />
          </Card>
        </Col>
      </Row>
      <Card title={t('customerDetail.traits')}>
        <Traits traits={customer.traits} />
      </Card>
      <MergeHistory customerId={customer.id} onChanged={reload} />
      <Timeline customerId={customer.id} />
      <Card title={t('customerDetail.recentOrders')}>
        <Orders orders={customer.orders} />
      </Card>
    </Space>
  );
}

export default function CustomerDetail() {
  const { t } = useTranslation();
  const { id = '' } = useParams();
  const { data, error, loading, reload } = useRequest(
    (signal) => api.get<Customer>(`/api/customers/${encodeURIComponent(id)}`, { signal }),
    [id],
  );

  if (error instanceof ApiError && error.status === 404) {
    return (
      <Result
        status="404"
        title={t('customerDetail.notFound')}
        subTitle={t('customerDetail.notFoundHint')}
        extra={
          <Link to="/customers">
            <Button type="primary">{t('customerDetail.back')}</Button>
          </Link>
        }
      />
    );
  }
  if (error) return <ErrorState error={error} onRetry={reload} />;
  if (loading || !data) {
    return (
      <Card>
        <Skeleton active avatar paragraph={{ rows: 6 }} />
      </Card>
    );
  }
  return <CustomerView customer={data} reload={reload} />;
}
