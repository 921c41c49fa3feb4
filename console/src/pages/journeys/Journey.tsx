import { ArrowLeftOutlined } from '@ant-design/icons';
import { Button, Space, Tabs, Tag, Typography } from 'antd';
import { lazy, Suspense, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useParams, useSearchParams } from 'react-router-dom';
import { api } from '../../api';
import { ErrorState } from '../../components/ErrorState';
import { Loading } from '../../components/Loading';
import { useRequest } from '../../hooks/useRequest';
import { useSession } from '../../hooks/useSession';
import { journeysApi } from '../../journeys/api';
import { useRefs } from '../../journeys/refs';
import { StatusTag } from '../../journeys/StatusTag';
import type { Journey as JourneyT } from '../../journeys/types';
import JourneyBuilder from './JourneyBuilder';

const JourneyRuns = lazy(() => import('./JourneyRuns'));
const JourneyAnalytics = lazy(() => import('./JourneyAnalytics'));

/** One journey: builder (with live counts), runs, analytics. */
export default function Journey() {
  const { id = '' } = useParams();
  const { t } = useTranslation();
  const { can } = useSession();
  const [params, setParams] = useSearchParams();
  const tab = params.get('tab') ?? 'builder';
  const { data, error, loading, reload } = useRequest((signal) => journeysApi.get(id, signal), [id]);
  const { refs, loading: refsLoading } = useRefs();
  const [journey, setJourney] = useState<JourneyT>();
  const [name, setName] = useState('');
  const [builderKey, setBuilderKey] = useState(0);

  useEffect(() => {
    if (data) {
      setJourney(data);
      setName(data.name);
    }
  }, [data]);

  if (error) return <ErrorState error={error} onRetry={reload} />;
  if (!journey || loading || refsLoading) return <Loading />;
  const canEdit = can('customers:write');

  const rename = async (next: string) => {
    if (!next || next === journey.name) return;
    setName(next);
    const saved = await api.put<JourneyT>(`/api/journeys/${journey.id}`, { name: next, graph: journey.draft ?? journey.liveGraph });
    setJourney(saved);
  };

  return (
    <Space direction="vertical" style={{ width: '100%' }} size="middle">
      <Space align="center" wrap>
        <Link to="/journeys">
          <Button type="text" icon={<ArrowLeftOutlined />} />
        </Link>
        <Typography.Title level={4} style={{ margin: 0 }} editable={canEdit ? { onChange: (v) => void rename(v.trim()) } : false} data-testid="journey-name">
          {name}
        </Typography.Title>
        <StatusTag status={journey.status} />
        {journey.liveVersion != null && <Typography.Text type="secondary">{t('journeys.versionN', { version: journey.liveVersion })}</Typography.Text>}
        {journey.liveVersion != null && journey.draftChanged && <Tag color="gold">{t('journeys.draftChanged')}</Tag>}
      </Space>
      {journey.description && <Typography.Paragraph type="secondary" style={{ margin: 0 }}>{journey.description}</Typography.Paragraph>}
      <Tabs
        activeKey={tab}
        onChange={(key) => setParams(key === 'builder' ? {} : { tab: key })}
        destroyOnHidden
        items={[
          {
            key: 'builder',
            label: t('journeys.tabBuilder'),
            children: (
              <JourneyBuilder
                key={builderKey}
                journey={journey}
                refs={refs}
                canEdit={canEdit}
                onSaved={(j) => {
                  const statusChanged = j.status !== journey.status || j.liveVersion !== journey.liveVersion;
                  setJourney(j);
                  if (statusChanged) setBuilderKey((k) => k + 1);
                }}
              />
            ),
          },
          {
            key: 'runs',
            label: t('journeys.tabRuns'),
            children: (
              <Suspense fallback={<Loading />}>
                <JourneyRuns journey={journey} />
              </Suspense>
            ),
          },
          {
            key: 'analytics',
            label: t('journeys.tabAnalytics'),
            children: (
              <Suspense fallback={<Loading />}>
                <JourneyAnalytics journey={journey} />
              </Suspense>
            ),
          },
        ]}
      />
    </Space>
  );
}
