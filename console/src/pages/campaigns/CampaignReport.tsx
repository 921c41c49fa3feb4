import { ArrowLeftOutlined } from '@ant-design/icons';
import { Alert, Button, Card, Col, Row, Space, Statistic, Table, Tooltip, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import { Link, useParams } from 'react-router-dom';
import { api } from '../../api';
import { ErrorState } from '../../components/ErrorState';
import { Loading } from '../../components/Loading';
import { useFormat } from '../../hooks/useFormat';
import { useRequest } from '../../hooks/useRequest';
import { pct, type CampaignReport as Report, type GroupStats } from '../../journeys/analytics';
import { LiftCard } from '../../journeys/LiftCard';
import { StatusTag } from '../../journeys/StatusTag';
import type { Campaign } from './types';

type Row = GroupStats & { group: string };

/** 群发报告: sent, delivered, clicked, converted, revenue; per variant; lift vs the holdout. */
export default function CampaignReport() {
  const { id = '' } = useParams();
  const { t } = useTranslation();
  const fmt = useFormat();
  const { data, error, loading, reload } = useRequest(
    async (signal) => {
      const [campaign, report] = await Promise.all([api.get<Campaign>(`/api/campaigns/${id}`, { signal }), api.get<Report>(`/api/campaigns/${id}/report`, { signal })]);
      return { campaign, report };
    },
    [id],
  );
  if (error) return <ErrorState error={error} onRetry={reload} />;
  if (loading || !data) return <Loading />;
  const { campaign, report: r } = data;
  const rows: Row[] = [
    ...r.variants.map((v) => ({ ...v, group: t('campaigns.variantN', { key: v.key }) })),
    ...(r.holdout ? [{ ...r.holdout, group: t('campaigns.holdoutGroup') }] : []),
    { ...r.all, group: t('campaigns.total') },
  ];
  const kpi = (key: string, value: number | string, testId: string) => (
    <Col xs={12} md={4}>
      <Card size="small">
        <Statistic title={t(`campaigns.kpi.${key}`)} value={value} valueRender={(node) => <span data-testid={testId}>{node}</span>} />
      </Card>
    </Col>
  );

  return (
    <Space direction="vertical" size="large" style={{ width: '100%' }} data-testid="campaign-report-page">
      <Space>
        <Link to={`/campaigns/${id}`}>
          <Button type="text" icon={<ArrowLeftOutlined />} />
        </Link>
        <Typography.Title level={4} style={{ margin: 0 }}>
          {campaign.name} · {t('campaigns.report')}
        </Typography.Title>
        <StatusTag status={campaign.status} ns="campaigns" />
      </Space>
      {r.window && (
        <Typography.Text type="secondary">
          {t('campaigns.window', { from: fmt.dateTime(r.window.from), to: fmt.dateTime(r.window.to), days: r.attributionDays })}
        </Typography.Text>
      )}
      <Row gutter={[16, 16]}>
        {kpi('recipients', fmt.number(r.all.recipients), 'report-recipients')}
        {kpi('sent', fmt.number(r.treated.sent), 'report-sent')}
        {kpi('delivered', fmt.number(r.treated.delivered), 'report-delivered')}
        {kpi('clicked', fmt.number(r.treated.clicked), 'report-clicked')}
        {kpi('converted', fmt.number(r.treated.converted), 'report-converted')}
        {kpi('revenue', fmt.money(r.treated.revenueFen), 'report-revenue')}
      </Row>
      <Row gutter={[16, 16]}>
        <Col xs={24} md={16}>
          <Card title={t('campaigns.byGroup')}>
            <Table<Row>
              size="small"
              rowKey="group"
              pagination={false}
              dataSource={rows}
              data-testid="report-groups"
              scroll={{ x: true }}
              columns={[
                { title: t('campaigns.group'), dataIndex: 'group' },
                { title: t('campaigns.kpi.recipients'), dataIndex: 'recipients', align: 'right', render: (n: number) => fmt.number(n) },
                { title: t('campaigns.kpi.sent'), dataIndex: 'sent', align: 'right', render: (n: number) => fmt.number(n) },
                { title: t('campaigns.kpi.delivered'), dataIndex: 'delivered', align: 'right', render: (n: number) => fmt.number(n) },
                {
                  title: t('campaigns.kpi.suppressed'),
                  dataIndex: 'suppressed',
                  align: 'right',
                  render: (n: number, row) => (
                    <Tooltip title={Object.entries(row.suppressedByReason).map(([k, v]) => `${k}: ${v}`).join('\n') || undefined}>
                      <span>{fmt.number(n)}</span>
                    </Tooltip>
                  ),
                },
                { title: t('campaigns.kpi.failed'), dataIndex: 'failed', align: 'right', render: (n: number) => fmt.number(n) },
                { title: t('campaigns.kpi.clicked'), dataIndex: 'clicked', align: 'right', render: (n: number) => fmt.number(n) },
                { title: t('campaigns.kpi.converted'), dataIndex: 'converted', align: 'right', render: (n: number) => fmt.number(n) },
                { title: t('campaigns.kpi.rate'), dataIndex: 'conversionRate', align: 'right', render: (v: number | null) => pct(v) },
                { title: t('campaigns.kpi.revenue'), dataIndex: 'revenueFen', align: 'right', render: (n: number) => fmt.money(n) },
              ]}
            />
          </Card>
        </Col>
        <Col xs={24} md={8}>{r.lift ? <LiftCard lift={r.lift.conversion} /> : <Alert type="info" showIcon title={t('campaigns.noHoldout')} />}</Col>
      </Row>
    </Space>
  );
}
