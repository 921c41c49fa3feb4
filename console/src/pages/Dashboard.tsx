import { Card, Col, Row, Skeleton, Statistic, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import { api } from '../api';
import { DailyChart } from '../components/DailyChart';
import { ErrorState } from '../components/ErrorState';
import { useFormat } from '../hooks/useFormat';
import { useRequest } from '../hooks/useRequest';
import type { Dashboard as DashboardData } from '../types';

interface Kpi {
  testId: string;
  label: string;
  value: (d: DashboardData) => string;
}

export default function Dashboard() {
  const { t } = useTranslation();
  const fmt = useFormat();
  const { data, error, loading, reload } = useRequest(
    (signal) => api.get<DashboardData>('/api/dashboard', { signal }),
    [],
  );

  if (error) return <ErrorState error={error} onRetry={reload} />;

  const kpis: Kpi[] = [
    { testId: 'kpi-customers', label: t('dashboard.customers'), value: (d) => fmt.number(d.customers) },
    { testId: 'kpi-events-today', label: t('dashboard.eventsToday'), value: (d) => fmt.number(d.eventsToday) },
    { testId: 'kpi-orders-30d', label: t('dashboard.orders30d'), value: (d) => fmt.number(d.orders30d) },
    { testId: 'kpi-gmv-30d', label: t('dashboard.gmv30d'), value: (d) => fmt.money(d.gmv30dFen) },
    { testId: 'kpi-aov-30d', label: t('dashboard.aov30d'), value: (d) => fmt.money(d.aov30dFen) },
  ];

  return (
    <>
      <Typography.Title level={4} style={{ marginTop: 0 }}>
        {t('nav.dashboard')}
      </Typography.Title>
      <Row gutter={[16, 16]}>
        {kpis.map((kpi) => (
          <Col key={kpi.testId} flex="1 1 200px">
            <Card>
              <Statistic
                title={kpi.label}
                loading={loading && !data}
                value={data ? kpi.value(data) : ''}
                formatter={(formatted) => <span data-testid={kpi.testId}>{formatted}</span>}
              />
            </Card>
          </Col>
        ))}
      </Row>
      <Card
        title={t('dashboard.dailyTitle')}
        extra={data && <Typography.Text type="secondary">{t('dashboard.timezone', { timezone: data.timezone })}</Typography.Text>}
        style={{ marginTop: 16 }}
      >
        {data ? <DailyChart daily={data.daily} /> : <Skeleton active paragraph={{ rows: 8 }} />}
      </Card>
    </>
  );
}
