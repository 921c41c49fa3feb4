import { DeleteOutlined, PlusOutlined } from '@ant-design/icons';
import { Alert, Button, Divider, Form, Input, InputNumber, Popconfirm, Select, Space, Switch, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import { EventInput, PropertyFilters } from '../pages/segments/RuleBuilder';
import { ChannelSelect, DurationInput, GroupCodePicker, LinkSelect, SegmentPicker, TagPicker, TemplatePicker } from './fields';
import { links, setLink } from './graph';
import type { Refs } from './refs';
import type { BranchCondition, JourneyGraph, Reward, Step } from './types';

const TRAIT_OPS = ['eq', 'neq', 'gt', 'gte', 'lt', 'lte', 'contains', 'exists', 'not_exists'];

interface Props {
  step: Step;
  graph: JourneyGraph;
  refs: Refs;
  errors: string[];
  readOnly: boolean;
  onChange: (s: Step) => void;
  onDelete: () => void;
}

/** The selected step's fields, its outgoing links, and delete. */
export function StepInspector({ step, graph, refs, errors, readOnly, onChange, onDelete }: Props) {
  const { t } = useTranslation();
  const outs = links(step);
  return (
    <div data-testid="inspector">
      <Typography.Title level={5} style={{ marginTop: 0 }}>
        {t(`journeys.kind.${step.kind}`)} <Typography.Text type="secondary">{step.id}</Typography.Text>
      </Typography.Title>
      {errors.length > 0 && <Alert type="error" showIcon style={{ marginBottom: 12 }} title={errors.join('; ')} data-testid="inspector-errors" />}
      <fieldset disabled={readOnly} style={{ border: 0, padding: 0, margin: 0 }}>
        <Form layout="vertical" size="small">
          <Form.Item label={t('journeys.field.label')}>
            <Input value={step.label ?? ''} maxLength={100} onChange={(e) => onChange({ ...step, label: e.target.value || undefined })} />
          </Form.Item>
          <KindFields step={step} refs={refs} onChange={onChange} />
          {outs.length > 0 && <Divider style={{ margin: '8px 0' }}>{t('journeys.links')}</Divider>}
          {outs.map((l) => (
            <Form.Item key={l.handle} label={linkLabel(t, step, l.handle)} required={l.required}>
              <LinkSelect steps={graph.steps} self={step.id} value={l.target} testId={`link-${l.handle}`} onChange={(id) => onChange(setLink(step, l.handle, id))} />
            </Form.Item>
          ))}
        </Form>
      </fieldset>
      {!readOnly && (
        <Popconfirm title={t('journeys.deleteStep')} onConfirm={onDelete}>
          <Button danger icon={<DeleteOutlined />} data-testid="step-delete">
            {t('journeys.deleteStep')}
          </Button>
        </Popconfirm>
      )}
    </div>
  );
}

function linkLabel(t: (k: string, o?: Record<string, unknown>) => string, step: Step, handle: string): string {
  if (step.kind === 'split') {
    const arm = step.arms[Number(handle.replace('arm:', ''))];
    return t('journeys.armNext', { key: arm?.key ?? handle });
  }
  return t(`journeys.handle.${handle}`);
}

function KindFields({ step, refs, onChange }: { step: Step; refs: Refs; onChange: (s: Step) => void }) {
  const { t } = useTranslation();
  switch (step.kind) {
    case 'wait':
      return (
        <Form.Item label={t('journeys.field.duration')}>
          <DurationInput value={step.duration} onChange={(duration) => onChange({ ...step, duration })} />
        </Form.Item>
      );
    case 'wait_until':
      return (
        <Form.Item label={t('journeys.field.time')}>
          <Input type="time" value={step.time} onChange={(e) => onChange({ ...step, time: e.target.value })} style={{ width: 140 }} />
        </Form.Item>
      );
    case 'wait_golden':
      return <Typography.Paragraph type="secondary">{t('journeys.help.golden')}</Typography.Paragraph>;
    case 'wait_event':
      return (
        <>
          <Form.Item label={t('journeys.field.event')}>
            <EventInput value={step.event} onChange={(event) => onChange({ ...step, event })} />
          </Form.Item>
          <PropertyFilters value={step.where ?? []} onChange={(where) => onChange({ ...step, where: where.length ? where : undefined })} />
          <Form.Item label={t('journeys.field.timeout')}>
            <DurationInput value={step.timeout} onChange={(timeout) => onChange({ ...step, timeout })} />
          </Form.Item>
        </>
      );
    case 'branch':
      return <ConditionFields value={step.condition} refs={refs} onChange={(condition) => onChange({ ...step, condition })} />;
    case 'split':
      return (
        <Form.Item label={t('journeys.field.arms')}>
          <Space direction="vertical" style={{ width: '100%' }}>
            {step.arms.map((a, i) => (
              <Space key={i} size={4}>
                <Input style={{ width: 70 }} value={a.key} onChange={(e) => onChange({ ...step, arms: step.arms.map((x, k) => (k === i ? { ...x, key: e.target.value } : x)) })} />
                <InputNumber min={1} max={100} suffix="%" style={{ width: 90 }} value={a.weight} onChange={(w) => onChange({ ...step, arms: step.arms.map((x, k) => (k === i ? { ...x, weight: w ?? 1 } : x)) })} />
                <Button size="small" type="text" icon={<DeleteOutlined />} disabled={step.arms.length <= 2} onClick={() => onChange({ ...step, arms: step.arms.filter((_x, k) => k !== i) })} />
              </Space>
            ))}
            <Button size="small" icon={<PlusOutlined />} disabled={step.arms.length >= 10} onClick={() => onChange({ ...step, arms: [...step.arms, { key: String.fromCharCode(65 + step.arms.length), weight: 10, next: '' }] })}>
              {t('journeys.addArm')}
            </Button>
          </Space>
        </Form.Item>
      );
    case 'holdout':
      return (
        <Form.Item label={t('journeys.field.percent')} extra={t('journeys.help.holdout')}>
          <InputNumber min={1} max={50} suffix="%" value={step.percent} onChange={(p) => onChange({ ...step, percent: p ?? 1 })} />
        </Form.Item>
      );
    case 'send':
      return (
        <>
          <Form.Item label={t('journeys.field.channel')}>
            <ChannelSelect value={step.channel} onChange={(channel) => onChange({ ...step, channel })} testId="send-channel" />
          </Form.Item>
          <Form.Item label={t('journeys.field.template')} required>
            <TemplatePicker refs={refs} channel={step.channel} value={step.templateId} onChange={(templateId) => onChange({ ...step, templateId })} testId="send-template" />
          </Form.Item>
          <Form.Item label={t('journeys.field.golden')}>
            <Switch checked={!!step.golden} onChange={(golden) => onChange({ ...step, golden })} />
          </Form.Item>
          <Form.Item label={t('journeys.field.marketing')} extra={t('journeys.help.marketing')}>
            <Switch checked={step.marketing !== false} onChange={(marketing) => onChange({ ...step, marketing })} />
          </Form.Item>
        </>
      );
    case 'tag':
      return (
        <>
          <Form.Item label={t('journeys.field.tagOp')}>
            <Select value={step.op} options={(['add', 'remove'] as const).map((op) => ({ value: op, label: t(`journeys.tagOp.${op}`) }))} onChange={(op) => onChange({ ...step, op })} />
          </Form.Item>
          <Form.Item label={t('journeys.field.tag')} required>
            <TagPicker refs={refs} value={step.tagId} onChange={(tagId) => onChange({ ...step, tagId })} />
          </Form.Item>
        </>
      );
    case 'set_trait':
      return (
        <>
          <Form.Item label={t('journeys.field.trait')} required>
            <Input value={step.trait} onChange={(e) => onChange({ ...step, trait: e.target.value })} />
          </Form.Item>
          <Form.Item label={t('journeys.field.value')}>
            <Input value={step.value === null ? '' : String(step.value)} onChange={(e) => onChange({ ...step, value: e.target.value })} />
          </Form.Item>
        </>
      );
    case 'grant':
      return <RewardFields value={step.reward} onChange={(reward) => onChange({ ...step, reward })} />;
    case 'group_invite':
      return (
        <>
          <Form.Item label={t('journeys.field.groupCode')} required>
            <GroupCodePicker refs={refs} value={step.groupCodeId} onChange={(groupCodeId) => onChange({ ...step, groupCodeId })} />
          </Form.Item>
          <Form.Item label={t('journeys.field.template')} extra={t('journeys.help.inviteTemplate')}>
            <TemplatePicker refs={refs} allowClear value={step.templateId} onChange={(id) => onChange({ ...step, templateId: id || undefined })} />
          </Form.Item>
        </>
      );
    case 'task':
      return (
        <>
          <Form.Item label={t('journeys.field.title')} required>
            <Input value={step.title} maxLength={200} onChange={(e) => onChange({ ...step, title: e.target.value })} />
          </Form.Item>
          <Form.Item label={t('journeys.field.detail')}>
            <Input.TextArea rows={3} value={step.detail ?? ''} onChange={(e) => onChange({ ...step, detail: e.target.value })} />
          </Form.Item>
          <Form.Item label={t('journeys.field.assignee')} extra={t('journeys.help.assignee')}>
            <Input value={step.assignee ?? ''} onChange={(e) => onChange({ ...step, assignee: e.target.value || undefined })} />
          </Form.Item>
          <Form.Item label={t('journeys.field.dueHours')}>
            <InputNumber min={1} value={step.dueHours} suffix="h" onChange={(dueHours) => onChange({ ...step, dueHours: dueHours ?? 24 })} />
          </Form.Item>
        </>
      );
    case 'webhook':
      return (
        <Form.Item label={t('journeys.field.url')} extra={t('journeys.help.webhook')}>
          <Input value={step.url} onChange={(e) => onChange({ ...step, url: e.target.value })} />
        </Form.Item>
      );
    case 'exit':
      return <Typography.Paragraph type="secondary">{t('journeys.help.exit')}</Typography.Paragraph>;
  }
}

function RewardFields({ value, onChange }: { value: Reward; onChange: (r: Reward) => void }) {
  const { t } = useTranslation();
  return (
    <>
      <Form.Item label={t('journeys.field.reward')}>
        <Select
          value={value.type}
          options={[
            { value: 'coupon', label: t('journeys.reward.coupon') },
            { value: 'points', label: t('journeys.reward.points') },
          ]}
          onChange={(type) => onChange(type === 'coupon' ? { type, couponKey: 'coupon_20', amountFen: 2000, thresholdFen: 0, validDays: 7 } : { type, points: 100, reason: 'journey' })}
        />
      </Form.Item>
      {value.type === 'coupon' ? (
        <>
          <Form.Item label={t('journeys.field.couponKey')}>
            <Input value={value.couponKey} onChange={(e) => onChange({ ...value, couponKey: e.target.value })} />
          </Form.Item>
          <Form.Item label={t('journeys.field.amount')}>
            <InputNumber min={0} prefix="¥" value={value.amountFen / 100} onChange={(v) => onChange({ ...value, amountFen: Math.round((v ?? 0) * 100) })} />
          </Form.Item>
          <Form.Item label={t('journeys.field.threshold')}>
            <InputNumber min={0} prefix="¥" value={(value.thresholdFen ?? 0) / 100} onChange={(v) => onChange({ ...value, thresholdFen: Math.round((v ?? 0) * 100) })} />
          </Form.Item>
          <Form.Item label={t('journeys.field.validDays')}>
            <InputNumber min={1} value={value.validDays} onChange={(v) => onChange({ ...value, validDays: v ?? 1 })} />
          </Form.Item>
        </>
      ) : (
        <>
          <Form.Item label={t('journeys.field.points')}>
            <InputNumber min={1} value={value.points} onChange={(v) => onChange({ ...value, points: v ?? 1 })} />
          </Form.Item>
          <Form.Item label={t('journeys.field.reason')}>
            <Input value={value.reason} onChange={(e) => onChange({ ...value, reason: e.target.value })} />
          </Form.Item>
        </>
      )}
    </>
  );
}

function defaultCondition(type: BranchCondition['type'], refs: Refs): BranchCondition {
  switch (type) {
    case 'segment':
      return { type, segmentId: refs.segments[0]?.id ?? '' };
    case 'tag':
      return { type, tagId: refs.tags[0]?.id ?? '' };
    case 'trait':
      return { type, trait: 'total_spent', op: 'gte', value: 0 };
    case 'event':
      return { type, event: 'Order Completed', withinHours: 72 };
    case 'reachable':
      return { type, channel: 'wecom_1v1' };
  }
}

export function ConditionFields({ value, refs, onChange }: { value: BranchCondition; refs: Refs; onChange: (c: BranchCondition) => void }) {
  const { t } = useTranslation();
  return (
    <>
      <Form.Item label={t('journeys.field.condition')}>
        <Select
          value={value.type}
          data-testid="branch-type"
          options={(['segment', 'tag', 'trait', 'event', 'reachable'] as const).map((c) => ({ value: c, label: t(`journeys.cond.${c}`) }))}
          onChange={(type) => onChange(defaultCondition(type, refs))}
        />
      </Form.Item>
      {value.type === 'segment' && (
        <Form.Item label={t('journeys.cond.segment')}>
          <SegmentPicker refs={refs} value={value.segmentId} onChange={(segmentId) => onChange({ ...value, segmentId })} />
        </Form.Item>
      )}
      {value.type === 'tag' && (
        <Form.Item label={t('journeys.cond.tag')}>
          <TagPicker refs={refs} value={value.tagId} onChange={(tagId) => onChange({ ...value, tagId })} />
        </Form.Item>
      )}
      {value.type === 'trait' && (
        <Space size={4} wrap style={{ marginBottom: 12 }}>
          <Select style={{ width: 140 }} showSearch value={value.trait} options={refs.traits.map((f) => ({ value: f.key }))} onChange={(trait: string) => onChange({ ...value, trait })} />
          <Select style={{ width: 90 }} value={value.op} options={TRAIT_OPS.map((op) => ({ value: op, label: t(`rules.op.${op}`) }))} onChange={(op) => onChange({ ...value, op })} />
          {value.op !== 'exists' && value.op !== 'not_exists' && (
            <Input
              style={{ width: 120 }}
              value={String(value.value ?? '')}
              onChange={(e) => {
                const text = e.target.value;
                onChange({ ...value, value: /^-?\d+(\.\d+)?$/.test(text) ? Number(text) : text });
              }}
            />
          )}
        </Space>
      )}
      {value.type === 'event' && (
        <>
          <Form.Item label={t('journeys.field.event')}>
            <EventInput value={value.event} onChange={(event) => onChange({ ...value, event })} />
          </Form.Item>
          <PropertyFilters value={value.where ?? []} onChange={(where) => onChange({ ...value, where: where.length ? where : undefined })} />
          <Form.Item label={t('journeys.field.withinHours')}>
            <InputNumber min={1} suffix="h" value={value.withinHours} onChange={(h) => onChange({ ...value, withinHours: h ?? 1 })} />
          </Form.Item>
        </>
      )}
      {value.type === 'reachable' && (
        <Form.Item label={t('journeys.field.channel')}>
          <ChannelSelect value={value.channel} onChange={(channel) => onChange({ ...value, channel })} />
        </Form.Item>
      )}
    </>
  );
}
