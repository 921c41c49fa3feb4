import { Alert, Card, Col, Empty, Row, Statistic, Table, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import { api } from '../../api';
import { ErrorState } from '../../components/ErrorState';
import { Loading } from '../../components/Loading';
import { useFormat } from '../../hooks/useFormat';
import { useRequest } from '../../hooks/useRequest';
import { FunnelChart } from '../../journeys/FunnelChart';
import type { Journey, StepCounts } from '../../journeys/types';
import { normalizeAnalytics, type RawAnalytics } from '../../journeys/analytics';

/** 分析: per-step funnel, and conversion / revenue of treated customers vs the holdout with lift. */
export default function JourneyAnalytics({ journey }: { journey: Journey }) {
  const { t } = useTranslation();
  const fmt = useFormat();
  const { data, error, loading, reload } = useRequest((signal) => api.get<RawAnalytics>(`/api/journeys/${journey.id}/analytics`, { signal }), [journey.id]);
  if (error) return <ErrorState error={error} onRetry={reload} />;
  if (loading || !data) return <Loading />;
  const a = normalizeAnalytics(data);
  const graph = journey.liveGraph ?? journey.draft;
  const order = graph?.steps.map((s) => s.id) ?? [];
  const steps = [...a.steps].sort((x, y) => order.indexOf(x.stepId) - order.indexOf(y.stepId));
  const pct = (v: number | null | undefined) => (v == null ? '—' : `${(v * 100).toFixed(1)}%`);

  return (
    <Row gutter={[16, 16]} data-testid="journey-analytics">
      {a.treated && a.holdout && (
        <>
          <Col xs={24} md={8}>
            <Card>
              <Statistic title={t('journeys.analytics.treatedRate')} value={pct(a.treated.rate)} />
              <Typography.Text type="secondary">
                {t('journeys.analytics.ofCustomers', { converted: fmt.number(a.treated.converted), customers: fmt.number(a.treated.customers) })} · {fmt.money(a.treated.revenueFen)}
              </Typography.Text>
            </Card>
          </Col>
          <Col xs={24} md={8}>
            <Card>
              <Statistic title={t('journeys.analytics.holdoutRate')} value={pct(a.holdout.rate)} />
              <Typography.Text type="secondary">
                {t('journeys.analytics.ofCustomers', { converted: fmt.number(a.holdout.converted), customers: fmt.number(a.holdout.customers) })} · {fmt.money(a.holdout.revenueFen)}
              </Typography.Text>
            </Card>
          </Col>
          <Col xs={24} md={8}>
            <Card>
              <Statistic title={t('journeys.analytics.lift')} value={pct(a.lift)} data-testid="analytics-lift" />
              <Typography.Text type="secondary">
                {a.ci ? t('journeys.analytics.ci', { low: pct(a.ci[0]), high: pct(a.ci[1]) }) : t('journeys.analytics.noCi')}
              </Typography.Text>
            </Card>
          </Col>
        </>
      )}
      {!a.holdout && (
        <Col span={24}>
          <Alert type="info" showIcon title={t('journeys.analytics.noHoldout')} />
        </Col>
      )}
      <Col span={24}>
        <Card title={t('journeys.analytics.funnel')}>
          {steps.length ? <FunnelChart steps={steps} /> : <Empty />}
        </Card>
      </Col>
      <Col span={24}>
        <Card>
          <Table<StepCounts & { stepId: string }>
            size="small"
            rowKey="stepId"
            pagination={false}
            dataSource={steps}
            columns={[
              { title: t('journeys.runs.step'), dataIndex: 'stepId', render: (id: string) => `${id} · ${t(`journeys.kind.${graph?.steps.find((s) => s.id === id)?.kind ?? 'wait'}`)}` },
              ...(['entered', 'waiting', 'passed', 'exited', 'converted'] as const).map((k) => ({ title: t(`journeys.counts.${k}`), dataIndex: k, align: 'right' as const, render: (n: number) => fmt.number(n ?? 0) })),
            ]}
          />
        </Card>
      </Col>
    </Row>
  );
}
