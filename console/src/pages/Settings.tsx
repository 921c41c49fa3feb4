import { Card, Result, Tabs, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import { useSearchParams } from 'react-router-dom';
import { AuditLog } from '../components/AuditLog';
import { KeysPanel } from '../components/KeysPanel';
import { useSession } from '../hooks/useSession';

export default function Settings() {
  const { t } = useTranslation();
  const { can } = useSession();
  const [params, setParams] = useSearchParams();
  const tabs = [
    can('apikeys:read') && {
      key: 'apikeys',
      label: t('settings.apikeys'),
      children: <KeysPanel kind="apikeys" canWrite={can('apikeys:write')} />,
    },
    can('writekeys:read') && {
      key: 'writekeys',
      label: t('settings.writekeys'),
      children: <KeysPanel kind="writekeys" canWrite={can('writekeys:write')} />,
    },
    can('audit:read') && { key: 'audit', label: t('settings.audit'), children: <AuditLog /> },
  ].filter((tab) => tab !== false);
  const tab = tabs.find((item) => item.key === params.get('tab'))?.key ?? tabs[0]?.key;

  if (!can('settings:read') || !tab) {
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
          items={tabs}
        />
      </Card>
    </>
  );
}
