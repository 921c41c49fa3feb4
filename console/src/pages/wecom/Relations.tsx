import { Card, Empty, List, Space, Tag, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import { api } from '../../api';
import { DateTime } from '../../components/DateTime';
import { useRequest } from '../../hooks/useRequest';
import type { Relation } from './types';

/** The customer's WeCom staff relations, for the customer page: `<WecomRelations customerId={id} />`. */
export function WecomRelations({ customerId }: { customerId: string }) {
  const { t } = useTranslation();
  const rel = useRequest((signal) => api.get<{ items: Relation[] }>(`/api/wecom/customers/${customerId}/relations`, { signal }), [customerId]);
  const items = rel.data?.items ?? [];
  return (
    <Card title={t('wecom.relations.title')} size="small" loading={rel.loading && !rel.data} data-testid="wecom-relations">
      {items.length === 0 ? (
        <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('wecom.relations.none')} />
      ) : (
        <List
          dataSource={items}
          renderItem={(r) => (
            <List.Item>
              <Space direction="vertical" size={2}>
                <Space wrap>
                  <Typography.Text strong>{r.staffName ?? r.userid}</Typography.Text>
                  {r.remark && <Typography.Text type="secondary">{t('wecom.relations.remark')}：{r.remark}</Typography.Text>}
                  {r.deletedAt ? <Tag color="red">{t(`wecom.relations.deletedBy.${r.deletedBy ?? 'sync'}`)}</Tag> : <Tag color="green">{t('wecom.relations.active')}</Tag>}
                </Space>
                <Space wrap size={4}>
                  <Typography.Text type="secondary">
                    {t('wecom.relations.addedAt')} <DateTime iso={r.addedAt} />
                  </Typography.Text>
                  {r.liveCode && <Tag color="blue">{r.liveCode}</Tag>}
                  {r.tags.map((tag) => (
                    <Tag key={tag}>{tag}</Tag>
                  ))}
                  {r.welcome && <Tag color={r.welcome === 'sent' ? 'success' : 'warning'}>{r.welcome === 'sent' ? t('wecom.relations.welcomed') : r.welcome}</Tag>}
                </Space>
              </Space>
            </List.Item>
          )}
        />
      )}
    </Card>
  );
}
