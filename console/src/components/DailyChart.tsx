import { BarChart, LineChart } from 'echarts/charts';
import { GridComponent, LegendComponent, TooltipComponent } from 'echarts/components';
import * as echarts from 'echarts/core';
import { CanvasRenderer } from 'echarts/renderers';
import ReactEChartsCore from 'echarts-for-react/esm/core';
import { theme } from 'antd';
import { useMemo } from 'react';
import { useTranslation } from 'react-i18next';
import { useFormat } from '../hooks/useFormat';
import type { Dashboard } from '../types';

echarts.use([BarChart, LineChart, GridComponent, LegendComponent, TooltipComponent, CanvasRenderer]);

interface TooltipParam {
  axisValueLabel: string;
  seriesIndex: number;
  marker: string;
  seriesName: string;
  value: number;
}

/** Daily GMV (bars, left axis) and orders (line, right axis). */
export function DailyChart({ daily }: { daily: Dashboard['daily'] }) {
  const { t } = useTranslation();
  const fmt = useFormat();
  const { token } = theme.useToken();

  const option = useMemo(() => {
    const gmv = t('dashboard.gmv');
    const orders = t('dashboard.orders');
    return {
      color: [token.colorPrimary, token.colorInfo],
      grid: { left: 8, right: 8, top: 40, bottom: 8, containLabel: true },
      legend: { top: 0, data: [gmv, orders] },
      tooltip: {
        trigger: 'axis',
        axisPointer: { type: 'shadow' },
        formatter: (params: TooltipParam[]) => {
          const lines = params.map(
            (p) => `${p.marker}${p.seriesName}: ${p.seriesIndex === 0 ? fmt.money(p.value) : fmt.number(p.value)}`,
          );
          return [params[0]?.axisValueLabel ?? '', ...lines].join('<br/>');
        },
      },
      xAxis: {
        type: 'category',
        data: daily.map((d) => d.date),
        axisLabel: { formatter: (value: string) => fmt.shortDay(value) },
        axisTick: { alignWithLabel: true },
      },
      yAxis: [
        { type: 'value', name: gmv, axisLabel: { formatter: (fen: number) => fmt.moneyCompact(fen) } },
        {
          type: 'value',
          name: orders,
          minInterval: 1,
          splitLine: { show: false },
          axisLabel: { formatter: (n: number) => fmt.number(n) },
        },
      ],
      series: [
        { name: gmv, type: 'bar', yAxisIndex: 0, barMaxWidth: 18, data: daily.map((d) => d.gmvFen) },
        { name: orders, type: 'line', yAxisIndex: 1, smooth: 0.3, symbolSize: 5, data: daily.map((d) => d.orders) },
      ],
    };
  }, [daily, fmt, t, token.colorPrimary, token.colorInfo]);

  return (
    <div data-testid="chart-daily">
      <ReactEChartsCore echarts={echarts} option={option} notMerge style={{ height: 340 }} />
    </div>
  );
}
