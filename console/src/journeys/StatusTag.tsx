import { Tag } from 'antd';
import { useTranslation } from 'react-i18next';

const COLORS: Record<string, string> = {
  draft: 'default',
  live: 'green',
  paused: 'orange',
  archived: 'default',
  active: 'blue',
  waiting: 'cyan',
  completed: 'default',
  exited: 'default',
  converted: 'green',
  holdout: 'purple',
  parked: 'orange',
  failed: 'red',
  pending_approval: 'gold',
  approved: 'cyan',
  rejected: 'red',
  scheduled: 'blue',
  sending: 'processing',
  sent: 'green',
  cancelled: 'default',
  queued: 'default',
  deferred: 'gold',
  delivered: 'green',
  suppressed: 'orange',
};

/** A journey, run, campaign or message status as a coloured tag (`<ns>.status.<status>`). */
export function StatusTag({ status, ns = 'journeys' }: { status: string; ns?: string }) {
  const { t } = useTranslation();
  return (
    <Tag color={COLORS[status] ?? 'default'} data-testid="status-tag">
      {t(`${ns}.status.${status}`, { defaultValue: status })}
    </Tag>
  );
}
