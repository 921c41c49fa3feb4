import { Button, Flex, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import { KIND_ICON } from './StepNode';
import type { StepKind } from './types';

const GROUPS: { key: string; kinds: StepKind[] }[] = [
  { key: 'wait', kinds: ['wait', 'wait_until', 'wait_golden', 'wait_event'] },
  { key: 'flow', kinds: ['branch', 'split', 'holdout', 'exit'] },
  { key: 'action', kinds: ['send', 'tag', 'set_trait', 'grant', 'group_invite', 'task', 'webhook'] },
];

/** Buttons adding one step of each kind (below the selected step, linked to it when it has a free link). */
export function Palette({ onAdd, disabled }: { onAdd: (kind: StepKind) => void; disabled: boolean }) {
  const { t } = useTranslation();
  return (
    <div data-testid="palette">
      {GROUPS.map((g) => (
        <div key={g.key} style={{ marginBottom: 12 }}>
          <Typography.Text type="secondary" style={{ fontSize: 12 }}>
            {t(`journeys.palette.${g.key}`)}
          </Typography.Text>
          <Flex vertical gap={4} style={{ marginTop: 4 }}>
            {g.kinds.map((k) => (
              <Button key={k} size="small" block icon={KIND_ICON[k]} disabled={disabled} onClick={() => onAdd(k)} data-testid={`palette-${k}`} style={{ justifyContent: 'flex-start' }}>
                {t(`journeys.kind.${k}`)}
              </Button>
            ))}
          </Flex>
        </div>
      ))}
    </div>
  );
}
