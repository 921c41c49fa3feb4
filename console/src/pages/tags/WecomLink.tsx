import { App, Button, Popconfirm, Select, Space, Tag as AntTag, Tooltip } from 'antd';
import { useTranslation } from 'react-i18next';
import { api, errorTitle } from '../../api';
import type { Tag } from '../segments/types';

export interface CorpTag {
  tagId: string;
  name: string;
  groupName: string;
  linkedTagId: string | null;
}

const CREATE = '__create__';

/**
 * The WeCom corp tag a Siyu tag syncs with: linked ones show their corp tag (and can be unlinked);
 * others pick a free corp tag or create one of the same name.
 */
export function WecomLink({ tag, corpTags, writable, onChanged }: { tag: Tag; corpTags: CorpTag[]; writable: boolean; onChanged: () => void }) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const linked = corpTags.find((c) => c.tagId === tag.wecomTagId);
  const call = async (fn: () => Promise<unknown>) => {
    try {
      await fn();
      onChanged();
    } catch (err) {
      message.error((err as { problem?: { detail?: string } }).problem?.detail ?? errorTitle(err));
    }
  };
  if (tag.wecomTagId) {
    return (
      <Space size={4}>
        <Tooltip title={t('tags.wecom.syncHint')}>
          <AntTag color="green" data-testid="tag-wecom-linked">{linked ? `${linked.groupName} / ${linked.name}` : tag.wecomTagId}</AntTag>
        </Tooltip>
        {writable && (
          <Popconfirm title={t('tags.wecom.unlinkConfirm')} onConfirm={() => call(() => api.delete(`/api/tags/${tag.id}/wecom`))}>
            <Button size="small" type="link">{t('tags.wecom.unlink')}</Button>
          </Popconfirm>
        )}
      </Space>
    );
  }
  if (!writable) return null;
  const free = corpTags.filter((c) => !c.linkedTagId);
  return (
    <Select
      size="small"
      style={{ width: 200 }}
      placeholder={t('tags.wecom.link')}
      value={null}
      data-testid="tag-wecom-link"
      onChange={(v: string) => call(() => api.put(`/api/tags/${tag.id}/wecom`, v === CREATE ? { create: true } : { wecomTagId: v }))}
      options={[{ value: CREATE, label: t('tags.wecom.create', { name: tag.name }) }, ...free.map((c) => ({ value: c.tagId, label: `${c.groupName} / ${c.name}` }))]}
    />
  );
}
