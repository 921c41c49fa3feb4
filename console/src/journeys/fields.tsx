import { InputNumber, Select, Space } from 'antd';
import { useTranslation } from 'react-i18next';
import type { Refs } from './refs';
import { CHANNELS, type Channel, type Duration, type Step } from './types';

/** Days / hours / minutes. */
export function DurationInput({ value, onChange, testId }: { value: Duration | undefined; onChange: (d: Duration) => void; testId?: string }) {
  const { t } = useTranslation();
  const set = (key: keyof Duration, n: number | null) => {
    const next: Duration = { ...value, [key]: n ?? undefined };
    if (!next[key]) delete next[key];
    onChange(next);
  };
  return (
    <Space size={4} wrap data-testid={testId}>
      <InputNumber min={0} max={3650} style={{ width: 100 }} value={value?.days} suffix={t('journeys.dur.d')} onChange={(n) => set('days', n)} />
      <InputNumber min={0} max={999} style={{ width: 100 }} value={value?.hours} suffix={t('journeys.dur.h')} onChange={(n) => set('hours', n)} />
      <InputNumber min={0} max={999} style={{ width: 100 }} value={value?.minutes} suffix={t('journeys.dur.m')} onChange={(n) => set('minutes', n)} />
    </Space>
  );
}

export function ChannelSelect({ value, onChange, testId }: { value: Channel; onChange: (c: Channel) => void; testId?: string }) {
  const { t } = useTranslation();
  return <Select style={{ width: '100%' }} value={value} data-testid={testId} options={CHANNELS.map((c) => ({ value: c, label: t(`journeys.channel.${c}`) }))} onChange={onChange} />;
}

/** Message templates, those of `channel` first. */
export function TemplatePicker({ refs, channel, value, onChange, allowClear, testId }: { refs: Refs; channel?: string; value: string | undefined; onChange: (id: string) => void; allowClear?: boolean; testId?: string }) {
  const { t } = useTranslation();
  const list = channel ? [...refs.templates].sort((a, b) => Number(b.channel === channel) - Number(a.channel === channel)) : refs.templates;
  return (
    <Select
      style={{ width: '100%' }}
      showSearch={{ optionFilterProp: 'label' }}
      allowClear={allowClear}
      placeholder={t('journeys.pickTemplate')}
      value={value || undefined}
      data-testid={testId}
      options={list.map((m) => ({ value: m.id, label: `${m.name} · ${t(`journeys.channel.${m.channel}`, { defaultValue: m.channel })}` }))}
      onChange={(id: string | undefined) => onChange(id ?? '')}
      notFoundContent={t('journeys.noTemplates')}
    />
  );
}

export function TagPicker({ refs, value, onChange }: { refs: Refs; value: string; onChange: (id: string) => void }) {
  const { t } = useTranslation();
  return (
    <Select
      style={{ width: '100%' }}
      showSearch={{ optionFilterProp: 'label' }}
      placeholder={t('journeys.pickTag')}
      value={value || undefined}
      options={refs.tags.map((x) => ({ value: x.id, label: `${x.groupName} / ${x.name}` }))}
      onChange={onChange}
    />
  );
}

export function SegmentPicker({ refs, value, onChange, testId }: { refs: Refs; value: string; onChange: (id: string) => void; testId?: string }) {
  const { t } = useTranslation();
  return (
    <Select
      style={{ width: '100%' }}
      showSearch={{ optionFilterProp: 'label' }}
      placeholder={t('journeys.pickSegment')}
      value={value || undefined}
      data-testid={testId}
      options={refs.segments.map((x) => ({ value: x.id, label: x.name }))}
      onChange={onChange}
    />
  );
}

export function GroupCodePicker({ refs, value, onChange }: { refs: Refs; value: string; onChange: (id: string) => void }) {
  const { t } = useTranslation();
  return (
    <Select
      style={{ width: '100%' }}
      placeholder={t('journeys.pickGroupCode')}
      value={value || undefined}
      options={refs.groupCodes.map((x) => ({ value: x.id, label: x.name }))}
      onChange={onChange}
      notFoundContent={t('journeys.noGroupCodes')}
    />
  );
}

/** Which step a link goes to; clearing it disconnects the edge. */
export function LinkSelect({ steps, self, value, onChange, testId }: { steps: Step[]; self: string; value: string; onChange: (id: string | undefined) => void; testId?: string }) {
  const { t } = useTranslation();
  return (
    <Select
      style={{ width: '100%' }}
      allowClear
      placeholder={t('journeys.noNext')}
      value={value || undefined}
      data-testid={testId}
      options={steps.filter((s) => s.id !== self).map((s) => ({ value: s.id, label: `${s.id} · ${t(`journeys.kind.${s.kind}`)}${s.label ? ` · ${s.label}` : ''}` }))}
      onChange={(v: string | undefined) => onChange(v)}
    />
  );
}
