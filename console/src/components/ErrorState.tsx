import { Button, Result } from 'antd';
import { useTranslation } from 'react-i18next';
import { errorTitle } from '../api';

export function ErrorState({ error, onRetry }: { error: unknown; onRetry: () => void }) {
  const { t } = useTranslation();
  return (
    <Result
      status="error"
      title={t('errors.loadFailed')}
      subTitle={errorTitle(error)}
      extra={
        <Button type="primary" onClick={onRetry} data-testid="retry">
          {t('common.retry')}
        </Button>
      }
    />
  );
}
