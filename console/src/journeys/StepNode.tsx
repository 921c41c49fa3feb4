import {
  ApiOutlined,
  BranchesOutlined,
  CheckSquareOutlined,
  ClockCircleOutlined,
  EditOutlined,
  GiftOutlined,
  LogoutOutlined,
  SendOutlined,
  StopOutlined,
  TagOutlined,
  ThunderboltOutlined,
  UsergroupAddOutlined,
} from '@ant-design/icons';
import { Handle, Position, type Node, type NodeProps } from '@xyflow/react';
import { theme, Tooltip, Typography } from 'antd';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { links, NODE_W } from './graph';
import type { Step, StepCounts, StepKind, Trigger } from './types';

export const KIND_ICON: Record<StepKind, ReactNode> = {
  wait: <ClockCircleOutlined />,
  wait_until: <ClockCircleOutlined />,
  wait_golden: <ClockCircleOutlined />,
  wait_event: <ClockCircleOutlined />,
  branch: <BranchesOutlined />,
  split: <BranchesOutlined />,
  holdout: <StopOutlined />,
  send: <SendOutlined />,
  tag: <TagOutlined />,
  set_trait: <EditOutlined />,
  grant: <GiftOutlined />,
  group_invite: <UsergroupAddOutlined />,
  task: <CheckSquareOutlined />,
  webhook: <ApiOutlined />,
  exit: <LogoutOutlined />,
};

export type StepNodeData = { step: Step; counts?: StepCounts; errors: string[]; summary: string };
export type TriggerNodeData = { trigger: Trigger; summary: string; errors: string[] };
export type StepFlowNode = Node<StepNodeData, 'step'>;
export type TriggerFlowNode = Node<TriggerNodeData, 'trigger'>;

function Box({ selected, errors, children, testId }: { selected: boolean; errors: string[]; children: ReactNode; testId: string }) {
  const { token } = theme.useToken();
  const border = errors.length ? token.colorError : selected ? token.colorPrimary : token.colorBorder;
  return (
    <div
      data-testid={testId}
      data-invalid={errors.length > 0 || undefined}
      style={{
        width: NODE_W,
        background: token.colorBgContainer,
        border: `${selected || errors.length ? 2 : 1}px solid ${border}`,
        borderRadius: 8,
        padding: '8px 10px',
        fontSize: 12,
        boxShadow: selected ? token.boxShadowSecondary : undefined,
      }}
    >
      {children}
    </div>
  );
}

function handleLabel(t: (k: string) => string, step: Step, handle: string): string {
  if (step.kind === 'split') {
    const arm = step.arms[Number(handle.replace('arm:', ''))];
    return arm ? `${arm.key} ${arm.weight}%` : handle;
  }
  if (handle === 'next') return '';
  return t(`journeys.handle.${handle}`);
}

export function StepNode({ data, selected }: NodeProps<StepFlowNode>) {
  const { t } = useTranslation();
  const { step, counts, errors, summary } = data;
  const outs = links(step);
  return (
    <Box selected={!!selected} errors={errors} testId={`node-${step.id}`}>
      <Handle type="target" position={Position.Top} />
      <div style={{ display: 'flex', gap: 6, alignItems: 'center', fontWeight: 600 }}>
        {KIND_ICON[step.kind]}
        <span>{t(`journeys.kind.${step.kind}`)}</span>
        <Typography.Text type="secondary" style={{ fontSize: 11, marginLeft: 'auto' }}>
          {step.id}
        </Typography.Text>
      </div>
      {step.label && <div>{step.label}</div>}
      <Typography.Text type="secondary" ellipsis style={{ fontSize: 11, display: 'block' }}>
        {summary}
      </Typography.Text>
      {counts && (
        <div data-testid={`node-counts-${step.id}`} style={{ display: 'flex', gap: 8, fontSize: 11, marginTop: 4 }}>
          <Tooltip title={t('journeys.counts.entered')}>
            <span>↘ {counts.entered}</span>
          </Tooltip>
          <Tooltip title={t('journeys.counts.waiting')}>
            <span>⏸ {counts.waiting}</span>
          </Tooltip>
          <Tooltip title={t('journeys.counts.passed')}>
            <span>→ {counts.passed}</span>
          </Tooltip>
          {counts.converted > 0 && (
            <Tooltip title={t('journeys.counts.converted')}>
              <span>★ {counts.converted}</span>
            </Tooltip>
          )}
        </div>
      )}
      {errors.length > 0 && (
        <div data-testid={`node-error-${step.id}`} style={{ color: 'var(--ant-color-error, #ff4d4f)', fontSize: 11, marginTop: 4 }}>
          {errors.map((e, i) => (
            <div key={i}>{e}</div>
          ))}
        </div>
      )}
      {outs.length > 1 && (
        <div style={{ display: 'flex', justifyContent: 'space-around', fontSize: 10, marginTop: 4 }}>
          {outs.map((l) => (
            <span key={l.handle}>{handleLabel(t, step, l.handle)}</span>
          ))}
        </div>
      )}
      {outs.map((l, i) => (
        <Handle key={l.handle} id={l.handle} type="source" position={Position.Bottom} style={{ left: `${((i + 1) * 100) / (outs.length + 1)}%` }} />
      ))}
    </Box>
  );
}

export function TriggerNode({ data, selected }: NodeProps<TriggerFlowNode>) {
  const { t } = useTranslation();
  return (
    <Box selected={!!selected} errors={data.errors} testId="node-trigger">
      <div style={{ display: 'flex', gap: 6, alignItems: 'center', fontWeight: 600 }}>
        <ThunderboltOutlined />
        <span>{t('journeys.trigger')}</span>
      </div>
      <div>{t(`journeys.triggerKind.${data.trigger.kind}`)}</div>
      <Typography.Text type="secondary" ellipsis style={{ fontSize: 11, display: 'block' }}>
        {data.summary}
      </Typography.Text>
      {data.errors.length > 0 && (
        <div data-testid="node-error-trigger" style={{ color: 'var(--ant-color-error, #ff4d4f)', fontSize: 11 }}>
          {data.errors.map((e, i) => (
            <div key={i}>{e}</div>
          ))}
        </div>
      )}
      <Handle id="start" type="source" position={Position.Bottom} />
    </Box>
  );
}

export const nodeTypes = { step: StepNode, trigger: TriggerNode };
