import { BarChart } from 'echarts/charts';
import { GridComponent, LegendComponent, TooltipComponent } from 'echarts/components';
import * as echarts from 'echarts/core';
import { CanvasRenderer } from 'echarts/renderers';
import ReactEChartsCore from 'echarts-for-react/esm/core';
import { useMemo } from 'react';
import { useTranslation } from 'react-i18next';
import type { StepCounts } from './types';

echarts.use([BarChart, GridComponent, LegendComponent, TooltipComponent, CanvasRenderer]);

const KEYS = ['entered', 'waiting', 'passed', 'exited', 'converted'] as const;

/** Per-step entered / waiting / passed / exited / converted as grouped bars. */
export function FunnelChart({ steps }: { steps: (StepCounts & { stepId: string })[] }) {
  const { t } = useTranslation();
  const option = useMemo(
    () => ({
      tooltip: { trigger: 'axis' },
      legend: { top: 0 },
      grid: { left: 48, right: 16, top: 36, bottom: 48 },
      xAxis: { type: 'category', data: steps.map((s) => s.stepId), axisLabel: { rotate: steps.length > 8 ? 30 : 0 } },
      yAxis: { type: 'value', minInterval: 1 },
      series: KEYS.map((k) => ({ name: t(`journeys.counts.${k}`), type: 'bar', data: steps.map((s) => s[k] ?? 0) })),
    }),
    [steps, t],
  );
  return <ReactEChartsCore echarts={echarts} option={option} style={{ height: 320 }} notMerge data-testid="funnel-chart" />;
}
