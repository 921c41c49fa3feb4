import { Card, Result, Tabs, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import { useSearchParams } from 'react-router-dom';
import { AuditLog } from '../components/AuditLog';
import { KeysPanel } from '../components/KeysPanel';
import { useSession } from '../hooks/useSession';

const TABS = ['apikeys', 'writekeys', 'audit'] as const;

export default function Settings() {
  const { t } = useTranslation();
  const { can } = useSession();
  const [params, setParams] = useSearchParams();
  const tab = TABS.find((key) => key === params.get('tab')) ?? 'apikeys';

  if (!can('settings:read')) {
    return <Result status="403" title={t('errors.forbidden')} />;
  }

  return (
    <>
      <Typography.Title level={4} style={{ marginTop: 0 }}>
        {t('nav.settings')}
      </Typography.Title>
      <Card>
        <Tabs
          activeKey={tab}
          onChange={(key) => setParams({ tab: key }, { replace: true })}
          destroyOnHidden
          items={[
            { key: 'apikeys', label: t('settings.apikeys'), children: <KeysPanel kind="apikeys" canWrite={can('apikeys:write')} /> },
            {
              key: 'writekeys',
              label: t('settings.writekeys'),
              children: <KeysPanel kind="writekeys" canWrite={can('writekeys:write')} />,
            },
            { key: 'audit', label: t('settings.audit'), children: <AuditLog /> },
          ]}
        />
      </Card>
    </>
  );
}
