import type { StepCounts } from './types';

export interface Arm {
  customers: number;
  converted: number;
  rate: number | null;
  revenueFen: number;
}

export interface Analytics {
  steps: (StepCounts & { stepId: string })[];
  treated: Arm | null;
  holdout: Arm | null;
  lift: number | null;
  ci: [number, number] | null;
}

/** Whatever the analytics endpoint returns, as the page reads it (tolerant of field names). */
export type RawAnalytics = Record<string, unknown>;

const num = (v: unknown): number => (typeof v === 'number' ? v : typeof v === 'string' && v !== '' ? Number(v) : 0);

function arm(raw: unknown): Arm | null {
  if (!raw || typeof raw !== 'object') return null;
  const r = raw as Record<string, unknown>;
  const customers = num(r.customers ?? r.entered ?? r.runs ?? r.size);
  const converted = num(r.converted ?? r.conversions);
  const rate = typeof r.rate === 'number' ? r.rate : typeof r.conversionRate === 'number' ? r.conversionRate : customers ? converted / customers : null;
  return { customers, converted, rate, revenueFen: num(r.revenueFen ?? r.revenue_fen ?? r.revenue) };
}

export function normalizeAnalytics(raw: RawAnalytics): Analytics {
  const rawSteps = raw.steps;
  const steps = Array.isArray(rawSteps)
    ? (rawSteps as (StepCounts & { stepId?: string; step?: string; id?: string })[]).map((s) => ({ ...s, stepId: s.stepId ?? s.step ?? s.id ?? '' }))
    : Object.entries((rawSteps as Record<string, StepCounts> | undefined) ?? {}).map(([stepId, c]) => ({ ...c, stepId }));
  const conv = (raw.conversion ?? raw) as Record<string, unknown>;
  const liftRaw = conv.lift ?? raw.lift;
  let lift: number | null = null;
  let ci: [number, number] | null = null;
  if (typeof liftRaw === 'number') lift = liftRaw;
  else if (liftRaw && typeof liftRaw === 'object') {
    const l = liftRaw as Record<string, unknown>;
    lift = typeof l.value === 'number' ? l.value : typeof l.estimate === 'number' ? l.estimate : typeof l.diff === 'number' ? l.diff : null;
    const c = l.ci ?? l.ci95 ?? (l.low !== undefined ? [l.low, l.high] : undefined);
    if (Array.isArray(c) && c.length === 2 && c.every((x) => typeof x === 'number')) ci = [c[0] as number, c[1] as number];
  }
  const ciRaw = conv.ci ?? conv.ci95 ?? raw.ci;
  if (!ci && Array.isArray(ciRaw) && ciRaw.length === 2) ci = [num(ciRaw[0]), num(ciRaw[1])];
  else if (!ci && ciRaw && typeof ciRaw === 'object') {
    const c = ciRaw as Record<string, unknown>;
    if (typeof c.low === 'number' && typeof c.high === 'number') ci = [c.low, c.high];
  }
  return { steps, treated: arm(conv.treated ?? raw.treated), holdout: arm(conv.holdout ?? conv.control ?? raw.holdout), lift, ci };
}
