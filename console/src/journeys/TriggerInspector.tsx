import { DeleteOutlined, PlusOutlined } from '@ant-design/icons';
import { Button, Divider, Form, Input, InputNumber, Select, Space, Switch, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import { EventInput, PropertyFilters } from '../pages/segments/RuleBuilder';
import { SegmentPicker } from './fields';
import type { Refs } from './refs';
import { TRIGGER_KINDS, type JourneyGraph, type Reentry, type Trigger, type TriggerKind } from './types';

function defaultTrigger(kind: TriggerKind, refs: Refs): Trigger {
  const segmentId = refs.segments[0]?.id ?? '';
  switch (kind) {
    case 'event':
      return { kind, event: 'Product Viewed' };
    case 'segment':
      return { kind, segmentId, on: 'entered' };
    case 'date':
      return { kind, trait: 'birthday', offsetDays: 0, at: '10:00', yearly: true };
    case 'schedule':
      return { kind, cron: '0 10 * * 1', segmentId };
    case 'contact_added':
      return { kind };
    case 'manual':
      return { kind };
  }
}

/** How customers enter, may re-enter, convert and leave. */
export function TriggerInspector({ graph, refs, readOnly, onChange }: { graph: JourneyGraph; refs: Refs; readOnly: boolean; onChange: (g: JourneyGraph) => void }) {
  const { t } = useTranslation();
  const tr = graph.trigger;
  const setTrigger = (trigger: Trigger) => onChange({ ...graph, trigger });
  const reentry: Reentry = graph.reentry ?? { mode: 'once' };
  const exits = graph.exits ?? [];
  return (
    <div data-testid="trigger-inspector">
      <Typography.Title level={5} style={{ marginTop: 0 }}>
        {t('journeys.trigger')}
      </Typography.Title>
      <fieldset disabled={readOnly} style={{ border: 0, padding: 0, margin: 0 }}>
        <Form layout="vertical" size="small">
          <Form.Item label={t('journeys.field.triggerKind')}>
            <Select value={tr.kind} options={TRIGGER_KINDS.map((k) => ({ value: k, label: t(`journeys.triggerKind.${k}`) }))} onChange={(k) => setTrigger(defaultTrigger(k, refs))} />
          </Form.Item>
          {tr.kind === 'event' && (
            <>
              <Form.Item label={t('journeys.field.event')}>
                <EventInput value={tr.event} onChange={(event) => setTrigger({ ...tr, event })} />
              </Form.Item>
              <PropertyFilters value={tr.where ?? []} onChange={(where) => setTrigger({ ...tr, where: where.length ? where : undefined })} />
            </>
          )}
          {tr.kind === 'segment' && (
            <>
              <Form.Item label={t('journeys.cond.segment')}>
                <SegmentPicker refs={refs} value={tr.segmentId} onChange={(segmentId) => setTrigger({ ...tr, segmentId })} />
              </Form.Item>
              <Form.Item>
                <Select value={tr.on} options={(['entered', 'exited'] as const).map((on) => ({ value: on, label: t(`journeys.segmentOn.${on}`) }))} onChange={(on) => setTrigger({ ...tr, on })} />
              </Form.Item>
            </>
          )}
          {tr.kind === 'date' && (
            <>
              <Form.Item label={t('journeys.field.dateTrait')}>
                <Input value={tr.trait} onChange={(e) => setTrigger({ ...tr, trait: e.target.value })} />
              </Form.Item>
              <Form.Item label={t('journeys.field.offsetDays')} extra={t('journeys.help.offsetDays')}>
                <InputNumber min={-365} max={365} value={tr.offsetDays} onChange={(n) => setTrigger({ ...tr, offsetDays: n ?? 0 })} />
              </Form.Item>
              <Form.Item label={t('journeys.field.time')}>
                <Input type="time" style={{ width: 140 }} value={tr.at} onChange={(e) => setTrigger({ ...tr, at: e.target.value })} />
              </Form.Item>
              <Form.Item label={t('journeys.field.yearly')}>
                <Switch checked={tr.yearly} onChange={(yearly) => setTrigger({ ...tr, yearly })} />
              </Form.Item>
            </>
          )}
          {tr.kind === 'schedule' && (
            <>
              <Form.Item label={t('journeys.field.cron')} extra={t('journeys.help.cron')}>
                <Input value={tr.cron} onChange={(e) => setTrigger({ ...tr, cron: e.target.value })} />
              </Form.Item>
              <Form.Item label={t('journeys.cond.segment')}>
                <SegmentPicker refs={refs} value={tr.segmentId} onChange={(segmentId) => setTrigger({ ...tr, segmentId })} />
              </Form.Item>
            </>
          )}
          {tr.kind === 'contact_added' && (
            <Form.Item label={t('journeys.field.liveCodes')} extra={t('journeys.summary.anyCode')}>
              <Select mode="multiple" value={tr.liveCodeIds ?? []} options={refs.liveCodes.map((c) => ({ value: c.id, label: c.name }))} onChange={(ids: string[]) => setTrigger({ ...tr, liveCodeIds: ids.length ? ids : undefined })} />
            </Form.Item>
          )}

          <Divider style={{ margin: '8px 0' }}>{t('journeys.reentry.title')}</Divider>
          <Space>
            <Select
              style={{ width: 160 }}
              value={reentry.mode}
              data-testid="reentry-mode"
              options={(['once', 'every', 'always'] as const).map((m) => ({ value: m, label: t(`journeys.reentry.${m}`) }))}
              onChange={(mode) => onChange({ ...graph, reentry: mode === 'every' ? { mode, days: 30 } : { mode } })}
            />
            {reentry.mode === 'every' && <InputNumber min={1} value={reentry.days} suffix={t('journeys.dur.d')} onChange={(days) => onChange({ ...graph, reentry: { mode: 'every', days: days ?? 1 } })} />}
          </Space>

          <Divider style={{ margin: '12px 0 8px' }}>{t('journeys.goal.title')}</Divider>
          <Form.Item label={t('journeys.goal.enabled')}>
            <Switch checked={!!graph.goal} data-testid="goal-enabled" onChange={(on) => onChange({ ...graph, goal: on ? { event: 'Order Completed', withinDays: 7 } : undefined })} />
          </Form.Item>
          {graph.goal && (
            <>
              <Form.Item label={t('journeys.field.event')}>
                <EventInput value={graph.goal.event} onChange={(event) => onChange({ ...graph, goal: { ...graph.goal!, event } })} />
              </Form.Item>
              <PropertyFilters value={graph.goal.where ?? []} onChange={(where) => onChange({ ...graph, goal: { ...graph.goal!, where: where.length ? where : undefined } })} />
              <Form.Item label={t('journeys.goal.withinDays')}>
                <InputNumber min={1} max={365} value={graph.goal.withinDays} suffix={t('journeys.dur.d')} onChange={(d) => onChange({ ...graph, goal: { ...graph.goal!, withinDays: d ?? 1 } })} />
              </Form.Item>
            </>
          )}

          <Divider style={{ margin: '12px 0 8px' }}>{t('journeys.exits.title')}</Divider>
          {exits.map((x, i) => (
            <Space key={i} align="start" style={{ marginBottom: 8 }}>
              <div>
                <EventInput value={x.event} onChange={(event) => onChange({ ...graph, exits: exits.map((e, k) => (k === i ? { ...e, event } : e)) })} />
                <PropertyFilters value={x.where ?? []} onChange={(where) => onChange({ ...graph, exits: exits.map((e, k) => (k === i ? { ...e, where: where.length ? where : undefined } : e)) })} />
              </div>
              <Button size="small" type="text" icon={<DeleteOutlined />} onClick={() => onChange({ ...graph, exits: exits.filter((_e, k) => k !== i) })} />
            </Space>
          ))}
          <Button size="small" icon={<PlusOutlined />} disabled={exits.length >= 10} onClick={() => onChange({ ...graph, exits: [...exits, { event: 'Unsubscribed' }] })}>
            {t('journeys.exits.add')}
          </Button>
        </Form>
      </fieldset>
    </div>
  );
}
