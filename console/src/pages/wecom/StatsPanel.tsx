import { BarChart, LineChart } from 'echarts/charts';
import { GridComponent, LegendComponent, TooltipComponent } from 'echarts/components';
import * as echarts from 'echarts/core';
import { CanvasRenderer } from 'echarts/renderers';
import ReactEChartsCore from 'echarts-for-react/esm/core';
import { Card, Col, DatePicker, Row, Space, Table, theme, type TableColumnsType } from 'antd';
import dayjs from 'dayjs';
import { useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../../api';
import { ErrorState } from '../../components/ErrorState';
import { useFormat } from '../../hooks/useFormat';
import { useRequest } from '../../hooks/useRequest';
import type { Stats, StatsRow } from './types';

echarts.use([BarChart, LineChart, GridComponent, LegendComponent, TooltipComponent, CanvasRenderer]);

/** Adds, deletes and net by day (chart), and by code and staff with 7-day retention (tables). */
export function StatsPanel({ codeId }: { codeId?: string }) {
  const { t } = useTranslation();
  const fmt = useFormat();
  const { token } = theme.useToken();
  // Days are the workspace's (its zone), not the browser's.
  const [range, setRange] = useState<[dayjs.Dayjs, dayjs.Dayjs]>(() => {
    const today = dayjs(new Intl.DateTimeFormat('en-CA', { timeZone: fmt.timezone }).format(new Date()));
    return [today.subtract(13, 'day'), today];
  });
  const from = range[0].format('YYYY-MM-DD');
  const to = range[1].format('YYYY-MM-DD');
  const stats = useRequest((signal) => api.get<Stats>('/api/wecom/stats', { query: { from, to, codeId }, signal }), [from, to, codeId]);

  const option = useMemo(() => {
    const days: string[] = [];
    for (let d = range[0].startOf('day'); !d.isAfter(range[1], 'day'); d = d.add(1, 'day')) days.push(d.format('YYYY-MM-DD'));
    const by = new Map((stats.data?.byDay ?? []).map((r) => [r.key, r]));
    const [adds, deletes, net] = [t('wecom.stats.adds'), t('wecom.stats.deletes'), t('wecom.stats.net')];
    return {
      color: [token.colorPrimary, token.colorError, token.colorInfo],
      grid: { left: 8, right: 8, top: 40, bottom: 8, containLabel: true },
      legend: { top: 0, data: [adds, deletes, net] },
      tooltip: { trigger: 'axis' },
      xAxis: { type: 'category', data: days, axisLabel: { formatter: (v: string) => fmt.shortDay(v) } },
      yAxis: { type: 'value', minInterval: 1 },
      series: [
        { name: adds, type: 'bar', barMaxWidth: 16, data: days.map((d) => by.get(d)?.adds ?? 0) },
        { name: deletes, type: 'bar', barMaxWidth: 16, data: days.map((d) => by.get(d)?.deletes ?? 0) },
        { name: net, type: 'line', smooth: 0.3, data: days.map((d) => by.get(d)?.net ?? 0) },
      ],
    };
  }, [stats.data, range, fmt, t, token.colorPrimary, token.colorError, token.colorInfo]);

  const pct = (r: StatsRow) => (r.retention7 === null ? '—' : `${Math.round(r.retention7 * 1000) / 10}%`);
  const columns = (first: string): TableColumnsType<StatsRow> => [
    { title: first, dataIndex: 'label' },
    { title: t('wecom.stats.adds'), dataIndex: 'adds', align: 'right', render: fmt.number },
    { title: t('wecom.stats.deletes'), dataIndex: 'deletes', align: 'right', render: fmt.number },
    { title: t('wecom.stats.net'), dataIndex: 'net', align: 'right', render: fmt.number },
    { title: t('wecom.stats.retention7'), key: 'r7', align: 'right', render: (_v, r) => pct(r) },
  ];

  if (stats.error) return <ErrorState error={stats.error} onRetry={stats.reload} />;
  return (
    <Space direction="vertical" size="middle" style={{ width: '100%' }}>
      <DatePicker.RangePicker value={range} allowClear={false} onChange={(v) => v?.[0] && v[1] && setRange([v[0], v[1]])} />
      <Card size="small" loading={stats.loading && !stats.data}>
        <div data-testid="chart-livecodes">
          <ReactEChartsCore echarts={echarts} option={option} notMerge style={{ height: 300 }} />
        </div>
      </Card>
      <Row gutter={16}>
        {!codeId && (
          <Col xs={24} lg={12}>
            <Table size="small" rowKey="key" pagination={false} columns={columns(t('wecom.stats.byCode'))} dataSource={stats.data?.byCode ?? []} />
          </Col>
        )}
        <Col xs={24} lg={codeId ? 24 : 12}>
          <Table size="small" rowKey="key" pagination={false} columns={columns(t('wecom.stats.byStaff'))} dataSource={stats.data?.byStaff ?? []} />
        </Col>
      </Row>
    </Space>
  );
}
