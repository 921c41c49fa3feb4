import { LeftOutlined, RightOutlined } from '@ant-design/icons';
import { Button, Flex, Typography } from 'antd';
import { useTranslation } from 'react-i18next';

interface Props {
  page: number;
  hasPrev: boolean;
  hasNext: boolean;
  loading: boolean;
  onPrev: () => void;
  onNext: () => void;
}

/** 上一页 / 下一页 for cursor-paged lists (no total count). */
export function CursorPager({ page, hasPrev, hasNext, loading, onPrev, onNext }: Props) {
  const { t } = useTranslation();
  return (
    <Flex justify="flex-end" align="center" gap={8} style={{ marginTop: 16 }}>
      <Typography.Text type="secondary">{t('pager.page', { page })}</Typography.Text>
      <Button icon={<LeftOutlined />} disabled={!hasPrev || loading} onClick={onPrev} data-testid="pager-prev">
        {t('pager.prev')}
      </Button>
      <Button disabled={!hasNext || loading} onClick={onNext} data-testid="pager-next">
        {t('pager.next')}
        <RightOutlined />
      </Button>
    </Flex>
  );
}
