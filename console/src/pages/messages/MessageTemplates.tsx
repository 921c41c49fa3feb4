import { PlusOutlined } from '@ant-design/icons';
import { App, Button, Card, Drawer, Form, Input, Popconfirm, Select, Space, Table, Tag, Typography, type TableColumnsType } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, errorTitle } from '../../api';
import { DateTime } from '../../components/DateTime';
import { ErrorState } from '../../components/ErrorState';
import { useRequest } from '../../hooks/useRequest';
import { useSession } from '../../hooks/useSession';
import type { MessageTemplate } from '../../journeys/refs';
import { CHANNELS, type Channel } from '../../journeys/types';
import { TemplatePreview } from './TemplatePreview';

const VARIABLES = [
  'customer.name',
  'customer.nickname',
  'customer.city',
  'customer.order_count',
  'customer.total_spent',
  'customer.points',
  'event.product_name',
  'grant.coupon.amount',
  'grant.coupon.code',
  'grant.coupon.expires',
  'grant.points',
  'staff.name',
  'brand.name',
  'group.qr_url',
];

/** The content fields an operator edits per channel (others are edited as JSON). */
const TEXT_FIELDS: Partial<Record<Channel, string[]>> = {
  wecom_1v1: ['text'],
  wecom_group: ['text'],
  wecom_moments: ['text'],
  wecom_app: ['text'],
  sms: ['text'],
  email: ['subject', 'html'],
};

interface Draft {
  id?: string;
  name: string;
  channel: Channel;
  content: Record<string, unknown>;
}

/** 消息模板: templates per channel, variables help, preview against a real customer. */
export default function MessageTemplates() {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const { can } = useSession();
  const [channel, setChannel] = useState<string>();
  const [editing, setEditing] = useState<Draft | null>(null);
  const { data, error, loading, reload } = useRequest((signal) => api.get<{ items: MessageTemplate[] }>('/api/messages/templates', { signal, query: { channel } }), [channel]);
  if (error) return <ErrorState error={error} onRetry={reload} />;
  const canEdit = can('campaigns:write');

  const remove = async (id: string) => {
    try {
      await api.delete(`/api/messages/templates/${id}`);
      reload();
    } catch (err) {
      message.error(errorTitle(err));
    }
  };

  const columns: TableColumnsType<MessageTemplate> = [
    { title: t('messages.name'), dataIndex: 'name', render: (n: string, m) => <a onClick={() => setEditing({ id: m.id, name: m.name, channel: m.channel as Channel, content: m.content })}>{n}</a> },
    { title: t('messages.channel'), dataIndex: 'channel', render: (c: string) => t(`journeys.channel.${c}`, { defaultValue: c }) },
    { title: t('messages.variables'), dataIndex: 'variables', render: (v: string[]) => v.map((x) => <Tag key={x}>{`{{${x}}}`}</Tag>) },
    { title: t('messages.updatedAt'), dataIndex: 'updatedAt', render: (iso: string) => <DateTime iso={iso} /> },
    {
      key: 'actions',
      render: (_v, m) =>
        canEdit && (
          <Popconfirm title={t('messages.deleteConfirm')} onConfirm={() => void remove(m.id)}>
            <a>{t('messages.delete')}</a>
          </Popconfirm>
        ),
    },
  ];

  return (
    <Space direction="vertical" size="large" style={{ width: '100%' }}>
      <Space style={{ width: '100%', justifyContent: 'space-between' }}>
        <Typography.Title level={4} style={{ margin: 0 }}>
          {t('nav.messageTemplates')}
        </Typography.Title>
        {canEdit && (
          <Button type="primary" icon={<PlusOutlined />} onClick={() => setEditing({ name: '', channel: 'wecom_1v1', content: { text: '' } })} data-testid="template-new">
            {t('messages.create')}
          </Button>
        )}
      </Space>
      <Card>
        <Select allowClear style={{ width: 200, marginBottom: 16 }} placeholder={t('messages.channel')} value={channel} onChange={setChannel} options={CHANNELS.map((c) => ({ value: c, label: t(`journeys.channel.${c}`) }))} />
        <Table rowKey="id" columns={columns} dataSource={data?.items ?? []} loading={loading} pagination={{ pageSize: 20 }} data-testid="template-table" />
      </Card>
      <Drawer open={editing !== null} onClose={() => setEditing(null)} size={720} title={editing?.id ? editing.name : t('messages.create')} destroyOnHidden>
        {editing && (
          <TemplateEditor
            draft={editing}
            readOnly={!canEdit}
            onSaved={() => {
              setEditing(null);
              reload();
            }}
          />
        )}
      </Drawer>
    </Space>
  );
}

function TemplateEditor({ draft, readOnly, onSaved }: { draft: Draft; readOnly: boolean; onSaved: () => void }) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const [value, setValue] = useState(draft);
  const [json, setJson] = useState(JSON.stringify(draft.content, null, 2));
  const [focus, setFocus] = useState<string>('text');
  const [busy, setBusy] = useState(false);
  const fields = TEXT_FIELDS[value.channel];

  const content = (): Record<string, unknown> | null => {
    if (fields) return value.content;
    try {
      return JSON.parse(json) as Record<string, unknown>;
    } catch {
      message.error(t('messages.badJson'));
      return null;
    }
  };

  const save = async () => {
    const c = content();
    if (!c) return;
    setBusy(true);
    try {
      const body = { name: value.name, channel: value.channel, content: c };
      if (value.id) await api.put(`/api/messages/templates/${value.id}`, body);
      else await api.post('/api/messages/templates', body);
      message.success(t('messages.saved'));
      onSaved();
    } catch (err) {
      message.error(errorTitle(err));
    } finally {
      setBusy(false);
    }
  };

  const insert = (v: string) => {
    const key = fields?.includes(focus) ? focus : fields?.[0];
    if (!key) return;
    setValue({ ...value, content: { ...value.content, [key]: `${String(value.content[key] ?? '')}{{${v}}}` } });
  };

  return (
    <Space direction="vertical" style={{ width: '100%' }} size="middle">
      <Form layout="vertical" disabled={readOnly}>
        <Form.Item label={t('messages.name')} required>
          <Input value={value.name} onChange={(e) => setValue({ ...value, name: e.target.value })} data-testid="template-name" />
        </Form.Item>
        <Form.Item label={t('messages.channel')}>
          <Select
            value={value.channel}
            disabled={!!value.id || readOnly}
            options={CHANNELS.map((c) => ({ value: c, label: t(`journeys.channel.${c}`) }))}
            onChange={(channel: Channel) => {
              const next = TEXT_FIELDS[channel] ? Object.fromEntries((TEXT_FIELDS[channel] ?? []).map((f) => [f, String(value.content[f] ?? value.content.text ?? '')])) : {};
              setValue({ ...value, channel, content: next });
              setJson(JSON.stringify(next, null, 2));
            }}
          />
        </Form.Item>
        {fields ? (
          fields.map((f) => (
            <Form.Item key={f} label={t(`messages.field.${f}`)} extra={value.channel === 'sms' ? t('messages.smsHelp') : undefined}>
              <Input.TextArea rows={f === 'subject' ? 1 : 5} value={String(value.content[f] ?? '')} onFocus={() => setFocus(f)} onChange={(e) => setValue({ ...value, content: { ...value.content, [f]: e.target.value } })} data-testid={`template-${f}`} />
            </Form.Item>
          ))
        ) : (
          <Form.Item label={t('messages.contentJson')} extra={t(`messages.jsonHelp.${value.channel}`, { defaultValue: '' })}>
            <Input.TextArea rows={8} value={json} onChange={(e) => setJson(e.target.value)} style={{ fontFamily: 'monospace' }} />
          </Form.Item>
        )}
      </Form>
      {fields && !readOnly && (
        <div>
          <Typography.Text type="secondary">{t('messages.variablesHelp')}</Typography.Text>
          <div style={{ marginTop: 4 }}>
            {VARIABLES.map((v) => (
              <Tag key={v} style={{ cursor: 'pointer', marginBottom: 4 }} onClick={() => insert(v)}>
                {`{{${v}}}`}
              </Tag>
            ))}
          </div>
        </div>
      )}
      {!readOnly && (
        <Button type="primary" loading={busy} onClick={() => void save()} data-testid="template-save">
          {t('messages.save')}
        </Button>
      )}
      {value.id && <TemplatePreview templateId={value.id} />}
    </Space>
  );
}
