import { ArrowLeftOutlined, DownloadOutlined, ExportOutlined } from '@ant-design/icons';
import { App, Button, Card, Col, Empty, Row, Space, Tag, Typography } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useNavigate } from 'react-router-dom';
import { errorTitle } from '../../api';
import { ErrorState } from '../../components/ErrorState';
import { useRequest } from '../../hooks/useRequest';
import { useSession } from '../../hooks/useSession';
import { journeysApi } from '../../journeys/api';
import type { PlaybookTemplate } from '../../journeys/types';

/** 模板库: the shipped playbook journeys, installed with one click and opened in the builder. */
export default function Templates() {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const { message } = App.useApp();
  const { can } = useSession();
  const [installing, setInstalling] = useState<string | null>(null);
  const { data, error, loading, reload } = useRequest((signal) => journeysApi.templates(signal), []);
  if (error) return <ErrorState error={error} onRetry={reload} />;

  const install = async (tpl: PlaybookTemplate) => {
    setInstalling(tpl.key);
    try {
      const j = await journeysApi.install(tpl.key);
      message.success(t('journeys.installed', { name: tpl.name }));
      navigate(`/journeys/${j.id}`);
    } catch (err) {
      message.error(errorTitle(err));
    } finally {
      setInstalling(null);
    }
  };

  return (
    <Space direction="vertical" size="large" style={{ width: '100%' }}>
      <Space>
        <Link to="/journeys">
          <Button type="text" icon={<ArrowLeftOutlined />} />
        </Link>
        <Typography.Title level={4} style={{ margin: 0 }}>
          {t('journeys.gallery')}
        </Typography.Title>
      </Space>
      {!loading && !data?.length && <Empty description={t('journeys.noTemplatesShipped')} />}
      <Row gutter={[16, 16]}>
        {(data ?? []).map((tpl) => (
          <Col key={tpl.key} xs={24} md={12} xl={8}>
            <Card
              loading={loading}
              title={tpl.name}
              data-testid={`template-${tpl.key}`}
              actions={[
                typeof tpl.installed === 'string' ? (
                  <Button key="open" type="link" icon={<ExportOutlined />} onClick={() => navigate(`/journeys/${String(tpl.installed)}`)} data-testid="template-open">
                    {t('journeys.openInstalled')}
                  </Button>
                ) : (
                  <Button key="install" type="link" icon={<DownloadOutlined />} disabled={!can('customers:write')} loading={installing === tpl.key} onClick={() => void install(tpl)} data-testid="template-install">
                    {t('journeys.install')}
                  </Button>
                ),
              ]}
            >
              <Typography.Paragraph style={{ minHeight: 44 }}>{tpl.description}</Typography.Paragraph>
              <Space size={[4, 4]} wrap>
                {(tpl.triggerSummary ?? tpl.trigger) && <Tag color="blue">{tpl.triggerSummary ?? tpl.trigger}</Tag>}
                {(tpl.stepsCount ?? tpl.steps) != null && <Tag>{t('journeys.stepsN', { count: tpl.stepsCount ?? tpl.steps ?? 0 })}</Tag>}
                {(tpl.requires ?? []).map((r) => (
                  <Tag key={r} color="gold">
                    {t(`journeys.requires.${r}`, { defaultValue: r })}
                  </Tag>
                ))}
              </Space>
              {tpl.creates && (
                <Typography.Paragraph type="secondary" style={{ fontSize: 12, marginTop: 8, marginBottom: 0 }}>
                  {t('journeys.creates', { templates: tpl.creates.messageTemplates.length, tags: tpl.creates.tags.length, segments: tpl.creates.segments.length })}
                </Typography.Paragraph>
              )}
            </Card>
          </Col>
        ))}
      </Row>
    </Space>
  );
}
