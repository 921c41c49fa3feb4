import { BarChart, HeatmapChart } from 'echarts/charts';
import { GridComponent, LegendComponent, TooltipComponent, VisualMapComponent } from 'echarts/components';
import * as echarts from 'echarts/core';
import { CanvasRenderer } from 'echarts/renderers';
import ReactEChartsCore from 'echarts-for-react/esm/core';
import { theme } from 'antd';
import { useMemo } from 'react';
import { useTranslation } from 'react-i18next';
import { useFormat } from '../../hooks/useFormat';
import type { RfmSegmentSummary } from './types';

echarts.use([HeatmapChart, BarChart, GridComponent, LegendComponent, TooltipComponent, VisualMapComponent, CanvasRenderer]);

export interface GridCell {
  r: number;
  f: number;
  customers: number;
  revenueFen: number;
}

/** R × F heat map: customers per cell (R across, F up); a click opens the cell's customers. */
export function RfHeatmap({ cells, onPick }: { cells: GridCell[]; onPick: (r: number, f: number) => void }) {
  const { t } = useTranslation();
  const fmt = useFormat();
  const { token } = theme.useToken();
  const option = useMemo(() => {
    const max = Math.max(1, ...cells.map((c) => c.customers));
    return {
      tooltip: {
        formatter: (p: { data: [number, number, number] }) => {
          const cell = cells.find((c) => c.r === p.data[0] + 1 && c.f === p.data[1] + 1);
          return cell ? `R${cell.r} · F${cell.f}<br/>${t('layers.customers')}: ${fmt.number(cell.customers)}<br/>${t('layers.revenue')}: ${fmt.money(cell.revenueFen)}` : '';
        },
      },
      grid: { left: 48, right: 16, top: 24, bottom: 96 },
      xAxis: { type: 'category', data: [1, 2, 3, 4, 5].map((r) => `R${r}`), name: t('layers.rAxis'), nameLocation: 'middle', nameGap: 28, splitArea: { show: true } },
      yAxis: { type: 'category', data: [1, 2, 3, 4, 5].map((f) => `F${f}`), name: t('layers.fAxis'), splitArea: { show: true } },
      visualMap: { min: 0, max, calculable: true, orient: 'horizontal', left: 'center', bottom: 0, itemHeight: 120, inRange: { color: ['#f0fff4', token.colorPrimary] } },
      series: [{ type: 'heatmap', data: cells.map((c) => [c.r - 1, c.f - 1, c.customers]), label: { show: true, formatter: (p: { data: number[] }) => fmt.number(p.data[2] ?? 0) } }],
    };
  }, [cells, fmt, t, token.colorPrimary]);
  return (
    <div data-testid="rfm-heatmap">
      <ReactEChartsCore echarts={echarts} option={option} notMerge style={{ height: 380 }} onEvents={{ click: (p: { data: number[] }) => onPick((p.data[0] ?? 0) + 1, (p.data[1] ?? 0) + 1) }} />
    </div>
  );
}

/** Share of customers against share of revenue, per segment. */
export function ShareChart({ segments, onPick }: { segments: RfmSegmentSummary[]; onPick: (key: string) => void }) {
  const { t, i18n } = useTranslation();
  const { token } = theme.useToken();
  const option = useMemo(() => {
    const names = segments.map((s) => (i18n.language === 'en-US' ? s.nameEn : s.name));
    const pct = (v: number) => Math.round(v * 1000) / 10;
    return {
      color: [token.colorPrimary, token.colorWarning],
      tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' }, valueFormatter: (v: number) => `${v}%` },
      legend: { top: 0 },
      grid: { left: 8, right: 8, top: 32, bottom: 8, containLabel: true },
      xAxis: { type: 'category', data: names, axisLabel: { interval: 0, rotate: 30 } },
      yAxis: { type: 'value', axisLabel: { formatter: '{value}%' } },
      series: [
        { name: t('layers.customerShare'), type: 'bar', data: segments.map((s) => pct(s.customerShare)) },
        { name: t('layers.revenueShare'), type: 'bar', data: segments.map((s) => pct(s.revenueShare)) },
      ],
    };
  }, [segments, i18n.language, t, token.colorPrimary, token.colorWarning]);
  return (
    <div data-testid="rfm-share">
      <ReactEChartsCore echarts={echarts} option={option} notMerge style={{ height: 320 }} onEvents={{ click: (p: { dataIndex: number }) => segments[p.dataIndex] && onPick(segments[p.dataIndex]!.key) }} />
    </div>
  );
}

/** Customers per level of a layer (lifecycle stages, LTV tiers). */
export function LevelChart({ levels, onPick }: { levels: { key: string; name: string; customers: number }[]; onPick: (key: string) => void }) {
  const { token } = theme.useToken();
  const fmt = useFormat();
  const option = useMemo(
    () => ({
      color: [token.colorPrimary],
      tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' }, valueFormatter: (v: number) => fmt.number(v) },
      grid: { left: 8, right: 8, top: 16, bottom: 8, containLabel: true },
      xAxis: { type: 'category', data: levels.map((l) => l.name) },
      yAxis: { type: 'value', minInterval: 1 },
      series: [{ type: 'bar', barMaxWidth: 48, data: levels.map((l) => l.customers), label: { show: true, position: 'top' } }],
    }),
    [levels, fmt, token.colorPrimary],
  );
  return <ReactEChartsCore echarts={echarts} option={option} notMerge style={{ height: 280 }} onEvents={{ click: (p: { dataIndex: number }) => levels[p.dataIndex] && onPick(levels[p.dataIndex]!.key) }} />;
}
