import { DownloadOutlined, PlusOutlined } from '@ant-design/icons';
import { App, Button, Card, Drawer, Empty, Form, Input, Modal, Radio, Select, Space, Switch, Table, Tabs, Tag as AntTag, Typography, type TableColumnsType } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, errorTitle } from '../../api';
import { DateTime } from '../../components/DateTime';
import { ErrorState } from '../../components/ErrorState';
import { Loading } from '../../components/Loading';
import { applyFieldErrors } from '../../formErrors';
import { useFormat } from '../../hooks/useFormat';
import { useRequest } from '../../hooks/useRequest';
import { useSession } from '../../hooks/useSession';
import type { Page } from '../../types';
import { CustomerTable } from '../segments/CustomerTable';
import { LivePreview, type PreviewErrors } from '../segments/LivePreview';
import { emptyGroup, RuleBuilder } from '../segments/RuleBuilder';
import type { Group, Member, RunResult, Segment, Tag, TagChange, TagGroup } from '../segments/types';
import { useCatalog } from '../segments/useCatalog';
import { type CorpTag, WecomLink } from './WecomLink';

const problemMessage = (err: unknown) => (err as { problem?: { errors?: { message: string }[]; detail?: string } }).problem?.errors?.[0]?.message ?? (err as { problem?: { detail?: string } }).problem?.detail ?? errorTitle(err);

/** 标签: tag groups with their manual and rule tags; open a tag for its customers and history. */
export default function Tags() {
  const { t } = useTranslation();
  const fmt = useFormat();
  const { can } = useSession();
  const [open, setOpen] = useState<Tag | null>(null);
  const [creatingGroup, setCreatingGroup] = useState(false);
  const [creatingTag, setCreatingTag] = useState<TagGroup | null>(null);
  const data = useRequest((signal) => api.get<{ items: TagGroup[] }>('/api/tag-groups', { signal }), []);
  const corpTags = useRequest((signal) => api.get<{ items: CorpTag[] }>('/api/wecom/corp-tags', { signal }), []);
  const reload = () => {
    data.reload();
    corpTags.reload();
  };
  if (data.error) return <ErrorState error={data.error} onRetry={data.reload} />;
  if (!data.data) return <Loading />;
  const writable = can('customers:write');

  const columns: TableColumnsType<Tag> = [
    { title: t('tags.name'), dataIndex: 'name', render: (name: string, tag) => <Typography.Link onClick={() => setOpen(tag)} data-testid="tag-open">{name}</Typography.Link> },
    { title: t('tags.kind'), dataIndex: 'kind', render: (kind: Tag['kind']) => <AntTag color={kind === 'rule' ? 'blue' : 'default'}>{t(`tags.kinds.${kind}`)}</AntTag> },
    { title: t('tags.members'), dataIndex: 'members', align: 'right', render: (n: number) => fmt.number(n) },
    { title: t('tags.refreshedAt'), dataIndex: 'refreshedAt', render: (iso: string | null) => <DateTime iso={iso} /> },
    { title: t('tags.wecom.column'), key: 'wecom', render: (_: unknown, tag) => <WecomLink tag={tag} corpTags={corpTags.data?.items ?? []} writable={writable} onChanged={reload} /> },
  ];

  return (
    <Space direction="vertical" size="large" style={{ width: '100%' }}>
      <Space style={{ width: '100%', justifyContent: 'space-between' }}>
        <Typography.Title level={4} style={{ margin: 0 }}>
          {t('nav.tags')}
        </Typography.Title>
        {writable && (
          <Button type="primary" icon={<PlusOutlined />} onClick={() => setCreatingGroup(true)} data-testid="tag-group-new">
            {t('tags.newGroup')}
          </Button>
        )}
      </Space>
      {data.data.items.length === 0 && <Empty description={t('tags.empty')} />}
      {data.data.items.map((g) => (
        <Card
          key={g.id}
          size="small"
          title={
            <Space>
              {g.name}
              {g.exclusive && <AntTag>{t('tags.exclusive')}</AntTag>}
            </Space>
          }
          extra={writable && <Button size="small" icon={<PlusOutlined />} onClick={() => setCreatingTag(g)} data-testid="tag-new">{t('tags.newTag')}</Button>}
        >
          <Table rowKey="id" size="small" columns={columns} dataSource={g.tags} pagination={false} />
        </Card>
      ))}
      <GroupModal open={creatingGroup} onClose={() => setCreatingGroup(false)} onSaved={() => { setCreatingGroup(false); data.reload(); }} />
      {creatingTag && <TagDrawer group={creatingTag} onClose={() => setCreatingTag(null)} onSaved={() => { setCreatingTag(null); data.reload(); }} />}
      {open && <TagDetail tag={open} onClose={() => { setOpen(null); data.reload(); }} />}
    </Space>
  );
}

function GroupModal({ open, onClose, onSaved }: { open: boolean; onClose: () => void; onSaved: () => void }) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const [form] = Form.useForm<{ name: string; exclusive: boolean }>();
  const save = async () => {
    const values = await form.validateFields();
    try {
      await api.post('/api/tag-groups', values);
      onSaved();
    } catch (err) {
      if (!applyFieldErrors(form, ['name', 'exclusive'], err)) message.error(problemMessage(err));
    }
  };
  return (
    <Modal open={open} title={t('tags.newGroup')} onCancel={onClose} onOk={save} destroyOnHidden>
      <Form form={form} layout="vertical" preserve={false} initialValues={{ exclusive: false }}>
        <Form.Item name="name" label={t('tags.groupName')} rules={[{ required: true, max: 50 }]}>
          <Input placeholder="肤质" />
        </Form.Item>
        <Form.Item name="exclusive" label={t('tags.exclusive')} valuePropName="checked" extra={t('tags.exclusiveHint')}>
          <Switch />
        </Form.Item>
      </Form>
    </Modal>
  );
}

/** Create a tag: manual, or a rule tag edited with the rule builder and its live count. */
function TagDrawer({ group, onClose, onSaved }: { group: TagGroup; onClose: () => void; onSaved: () => void }) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const catalog = useCatalog();
  const [name, setName] = useState('');
  const [kind, setKind] = useState<'manual' | 'rule'>('manual');
  const [rule, setRule] = useState<Group>(emptyGroup());
  const [errors, setErrors] = useState<PreviewErrors>([]);
  const save = async () => {
    try {
      await api.post<Tag>('/api/tags', { groupId: group.id, name, rule: kind === 'rule' ? rule : null });
      onSaved();
    } catch (err) {
      setErrors(((err as { problem?: { errors?: PreviewErrors } }).problem?.errors ?? []).filter((e) => e.path.startsWith('body.rule')));
      message.error(problemMessage(err));
    }
  };
  return (
    <Drawer open width={kind === 'rule' ? 1000 : 480} title={`${group.name} / ${t('tags.newTag')}`} onClose={onClose} extra={<Button type="primary" onClick={save} disabled={!name.trim()} data-testid="tag-save">{t('segments.save')}</Button>}>
      <Space direction="vertical" style={{ width: '100%' }}>
        <Input placeholder={t('tags.name')} value={name} onChange={(e) => setName(e.target.value)} data-testid="tag-name" />
        <Radio.Group value={kind} onChange={(e) => setKind(e.target.value)} options={(['manual', 'rule'] as const).map((k) => ({ value: k, label: t(`tags.kinds.${k}`) }))} />
        {kind === 'rule' && catalog.data && (
          <>
            <RuleBuilder value={rule} onChange={setRule} catalog={catalog.data} errors={errors} />
            <LivePreview rule={rule} onErrors={setErrors} />
          </>
        )}
      </Space>
    </Drawer>
  );
}

function TagDetail({ tag, onClose }: { tag: Tag; onClose: () => void }) {
  const { t } = useTranslation();
  const { can } = useSession();
  const [version, setVersion] = useState(0);
  return (
    <Drawer
      open
      width={900}
      title={tag.name}
      onClose={onClose}
      extra={
        <Button icon={<DownloadOutlined />} href={`/api/tags/${tag.id}/export`}>
          {t('segments.export')}
        </Button>
      }
    >
      <Tabs
        items={[
          {
            key: 'members',
            label: t('tags.members'),
            children: (
              <CustomerTable<Member>
                resetKey={`${tag.id}:${version}`}
                fetchPage={(cursor, signal) => api.get<Page<Member>>(`/api/tags/${tag.id}/members`, { query: { cursor, limit: 20 }, signal })}
                extra={[{ title: t('segments.since'), dataIndex: 'since', render: (iso: string) => <DateTime iso={iso} /> }]}
              />
            ),
          },
          ...(tag.kind === 'manual' && can('customers:write') ? [{ key: 'assign', label: t('tags.assign'), children: <Assign tag={tag} onDone={() => setVersion((v) => v + 1)} /> }] : []),
          { key: 'history', label: t('tags.history'), children: <History tagId={tag.id} version={version} /> },
        ]}
      />
    </Drawer>
  );
}

/** Tag (or untag) a segment's members, or the customers of pasted CSV rows. */
function Assign({ tag, onDone }: { tag: Tag; onDone: () => void }) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const segments = useRequest((signal) => api.get<{ items: Segment[] }>('/api/segments', { signal }), []);
  const [segmentId, setSegmentId] = useState<string>();
  const [csv, setCsv] = useState('');
  const run = async (fn: () => Promise<RunResult & { unmatched?: { line: number; value: string }[] }>) => {
    try {
      const r = await fn();
      message.success(t('tags.assigned', { entered: r.entered, exited: r.exited }));
      if (r.unmatched?.length) message.warning(t('tags.unmatched', { n: r.unmatched.length, lines: r.unmatched.slice(0, 5).map((u) => u.line).join(', ') }));
      onDone();
    } catch (err) {
      message.error(problemMessage(err));
    }
  };
  return (
    <Space direction="vertical" style={{ width: '100%' }}>
      <Card size="small" title={t('tags.bySegment')}>
        <Space>
          <Select style={{ width: 260 }} value={segmentId} onChange={setSegmentId} options={(segments.data?.items ?? []).map((s) => ({ value: s.id, label: `${s.name} (${s.members})` }))} />
          <Button type="primary" disabled={!segmentId} onClick={() => run(() => api.post(`/api/tags/${tag.id}/add`, { segmentId }))}>
            {t('tags.add')}
          </Button>
          <Button disabled={!segmentId} onClick={() => run(() => api.post(`/api/tags/${tag.id}/remove`, { segmentId }))}>
            {t('tags.remove')}
          </Button>
        </Space>
      </Card>
      <Card size="small" title={t('tags.byCsv')}>
        <Space direction="vertical" style={{ width: '100%' }}>
          <Typography.Text type="secondary">{t('tags.csvHint')}</Typography.Text>
          <Input.TextArea rows={6} value={csv} onChange={(e) => setCsv(e.target.value)} data-testid="tag-csv" />
          <Button type="primary" disabled={!csv.trim()} onClick={() => run(() => api.post(`/api/tags/${tag.id}/import`, { csv }))}>
            {t('tags.import')}
          </Button>
        </Space>
      </Card>
    </Space>
  );
}

function History({ tagId, version }: { tagId: string; version: number }) {
  const { t } = useTranslation();
  const data = useRequest((signal) => api.get<{ items: TagChange[] }>(`/api/tags/${tagId}/history`, { signal }), [tagId, version]);
  const columns: TableColumnsType<TagChange> = [
    { title: t('tags.at'), dataIndex: 'at', render: (iso: string) => <DateTime iso={iso} /> },
    { title: t('tags.change'), dataIndex: 'added', render: (added: boolean) => <AntTag color={added ? 'green' : 'red'}>{t(added ? 'tags.added' : 'tags.removed')}</AntTag> },
    { title: t('tags.customer'), dataIndex: 'customerId', render: (id: string) => <a href={`/customers/${id}`}>{id.slice(0, 8)}…</a> },
    { title: t('tags.source'), dataIndex: 'source' },
    { title: t('tags.actor'), dataIndex: 'actor' },
  ];
  if (data.error) return <ErrorState error={data.error} onRetry={data.reload} />;
  return <Table rowKey={(c) => `${c.customerId}:${c.at}:${c.added}`} size="small" columns={columns} dataSource={data.data?.items ?? []} loading={data.loading} pagination={{ pageSize: 20 }} />;
}
