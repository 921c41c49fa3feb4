import { Tabs, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import { useSearchParams } from 'react-router-dom';
import { LayerTab } from './LayerTab';
import { RfmTab } from './RfmTab';

/** 客户分层: RFM, lifecycle stages and LTV tiers, one tab each (?tab= keeps the choice in the URL). */
export default function Layers() {
  const { t } = useTranslation();
  const [params, setParams] = useSearchParams();
  const tab = params.get('tab') ?? 'rfm';
  return (
    <>
      <Typography.Title level={4} style={{ marginTop: 0 }}>
        {t('nav.rfm')}
      </Typography.Title>
      <Tabs
        activeKey={tab}
        onChange={(key) => setParams({ tab: key }, { replace: true })}
        destroyOnHidden
        items={[
          { key: 'rfm', label: t('layers.tabRfm'), children: <RfmTab /> },
          { key: 'lifecycle', label: t('layers.tabLifecycle'), children: <LayerTab kind="lifecycle" /> },
          { key: 'ltv', label: t('layers.tabLtv'), children: <LayerTab kind="ltv" /> },
        ]}
      />
    </>
  );
}
