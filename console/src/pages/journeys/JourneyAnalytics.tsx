import { Alert, Card, Col, Empty, Row, Select, Statistic, Table, Typography } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../../api';
import { ErrorState } from '../../components/ErrorState';
import { Loading } from '../../components/Loading';
import { useFormat } from '../../hooks/useFormat';
import { useRequest } from '../../hooks/useRequest';
import { pct, type JourneyAnalytics as Analytics, type JourneyArm } from '../../journeys/analytics';
import { FunnelChart } from '../../journeys/FunnelChart';
import { LiftCard } from '../../journeys/LiftCard';
import type { Journey, StepCounts } from '../../journeys/types';

/** 效果分析: per-step funnel, and conversion / revenue of treated customers vs the holdout with lift. */
export default function JourneyAnalytics({ journey }: { journey: Journey }) {
  const { t } = useTranslation();
  const fmt = useFormat();
  const [version, setVersion] = useState<number>();
  const { data, error, loading, reload } = useRequest((signal) => api.get<Analytics>(`/api/journeys/${journey.id}/analytics`, { signal, query: { version } }), [journey.id, version]);
  if (error) return <ErrorState error={error} onRetry={reload} />;
  if (!data) return <Loading />;
  const graph = journey.liveGraph ?? journey.draft;
  const order = graph?.steps.map((s) => s.id) ?? [];
  const steps = Object.entries(data.steps)
    .map(([stepId, c]) => ({ ...c, stepId }))
    .sort((x, y) => order.indexOf(x.stepId) - order.indexOf(y.stepId));
  const { treated, holdout, lift } = data.comparison;

  const armCard = (title: string, a: JourneyArm, testId: string) => (
    <Card data-testid={testId}>
      <Statistic title={title} value={pct(a.conversionRate)} />
      <Typography.Text type="secondary">
        {t('journeys.analytics.ofCustomers', { converted: fmt.number(a.converted), customers: fmt.number(a.runs) })} · {fmt.money(a.revenueFen)}
        {a.revenuePerRunFen != null && ` · ${t('journeys.analytics.perRun', { v: fmt.money(a.revenuePerRunFen) })}`}
      </Typography.Text>
    </Card>
  );

  return (
    <Row gutter={[16, 16]} data-testid="journey-analytics">
      <Col span={24}>
        <Select
          allowClear
          style={{ width: 200 }}
          placeholder={t('journeys.analytics.allVersions')}
          value={version}
          loading={loading}
          onChange={setVersion}
          options={(journey.versions ?? []).map((v) => ({ value: v.version, label: `v${v.version}` }))}
        />
        <Typography.Text type="secondary" style={{ marginLeft: 12 }}>
          {t('journeys.analytics.runs', { n: fmt.number(data.totals.runs) })}
        </Typography.Text>
      </Col>
      <Col xs={24} md={8}>
        {armCard(t('journeys.analytics.treatedRate'), treated, 'analytics-treated')}
      </Col>
      <Col xs={24} md={8}>
        {armCard(t('journeys.analytics.holdoutRate'), holdout, 'analytics-holdout')}
      </Col>
      <Col xs={24} md={8}>
        {holdout.runs > 0 ? <LiftCard lift={lift.conversion} /> : <Alert type="info" showIcon title={t('journeys.analytics.noHoldout')} />}
      </Col>
      <Col span={24}>
        <Card title={t('journeys.analytics.funnel')}>{steps.length ? <FunnelChart steps={steps} /> : <Empty />}</Card>
      </Col>
      <Col span={24}>
        <Card>
          <Table<StepCounts & { stepId: string }>
            size="small"
            rowKey="stepId"
            pagination={false}
            dataSource={steps}
            data-testid="analytics-steps"
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
