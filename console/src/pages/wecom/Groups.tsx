import { PlusOutlined, QrcodeOutlined } from '@ant-design/icons';
import { App, Button, Card, Form, Input, InputNumber, Modal, Progress, Select, Space, Switch, Table, Tag, Typography, type TableColumnsType } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../../api';
import { DateTime } from '../../components/DateTime';
import { ErrorState } from '../../components/ErrorState';
import { Loading } from '../../components/Loading';
import { applyFieldErrors } from '../../formErrors';
import { useFormat } from '../../hooks/useFormat';
import { useRequest } from '../../hooks/useRequest';
import { useSession } from '../../hooks/useSession';
import { QrModal } from './QrModal';
import type { GroupCode, GroupItem, WecomSettings } from './types';
import { CHANNELS, ConnectHint, problemText } from './util';

interface GroupCodeValues {
  name: string;
  channel: string;
  chatIds: string[];
  autoCreate: boolean;
  roomBaseName?: string;
  cap?: number;
  welcome?: string;
}

/** 客户群: group live codes filling their groups up to the cap, and every customer group. */
export default function Groups() {
  const { t } = useTranslation();
  const fmt = useFormat();
  const { can } = useSession();
  const { message } = App.useApp();
  const [form] = Form.useForm<GroupCodeValues>();
  const [creating, setCreating] = useState(false);
  const [saving, setSaving] = useState(false);
  const [qr, setQr] = useState<GroupCode | null>(null);
  const data = useRequest(async (signal) => {
    const settings = await api.get<{ connected: boolean; settings: WecomSettings | null }>('/api/wecom/settings', { signal }).catch(() => ({ connected: true, settings: null }));
    if (!settings.connected) return null;
    const [codes, groups] = await Promise.all([api.get<{ items: GroupCode[] }>('/api/wecom/group-codes', { signal }), api.get<{ items: GroupItem[] }>('/api/wecom/groups', { signal })]);
    return { codes: codes.items, groups: groups.items, cap: settings.settings?.options.groupCap ?? 200 };
  }, []);

  if (data.error) return <ErrorState error={data.error} onRetry={data.reload} />;
  if (data.data === undefined) return <Loading />;
  if (data.data === null) return <ConnectHint />;
  const { codes, groups, cap } = data.data;

  const create = async () => {
    const values = await form.validateFields();
    setSaving(true);
    try {
      await api.post('/api/wecom/group-codes', { ...values, welcome: values.welcome?.trim() || undefined });
      setCreating(false);
      data.reload();
    } catch (err) {
      applyFieldErrors(form, ['name', 'channel', 'chatIds', 'autoCreate', 'roomBaseName', 'cap', 'welcome'], err);
      message.error(problemText(err));
    } finally {
      setSaving(false);
    }
  };

  const groupColumns: TableColumnsType<GroupItem> = [
    { title: t('wecom.groups.name'), dataIndex: 'name', render: (v: string, g) => (g.dismissed ? <Typography.Text delete>{v}</Typography.Text> : v) },
    { title: t('wecom.groups.owner'), key: 'owner', render: (_v, g) => g.ownerName ?? g.owner },
    { title: t('wecom.groups.customers'), dataIndex: 'customers', align: 'right', render: fmt.number },
    { title: t('wecom.groups.viaCode'), dataIndex: 'joinedByCode', align: 'right', render: fmt.number },
    { title: t('wecom.groups.createdAt'), dataIndex: 'createdAt', render: (v: string) => <DateTime iso={v} /> },
  ];

  return (
    <Space direction="vertical" size="large" style={{ width: '100%' }}>
      <Space style={{ width: '100%', justifyContent: 'space-between' }}>
        <Typography.Title level={4} style={{ margin: 0 }}>
          {t('nav.customerGroups')}
        </Typography.Title>
        {can('customers:write') && (
          <Button type="primary" icon={<PlusOutlined />} onClick={() => setCreating(true)} data-testid="groupcode-new">
            {t('wecom.groups.createCode')}
          </Button>
        )}
      </Space>
      {codes.map((code) => (
        <Card
          key={code.id}
          title={
            <Space>
              {code.name}
              <Tag color="green">{code.channelName}</Tag>
              {code.autoCreate && <Tag>{t('wecom.groups.autoCreate')}</Tag>}
            </Space>
          }
          extra={
            <Button icon={<QrcodeOutlined />} onClick={() => setQr(code)}>
              {t('wecom.codes.qr')}
            </Button>
          }
          data-testid="groupcode-card"
        >
          <Space direction="vertical" style={{ width: '100%' }}>
            {code.welcome && <Typography.Text type="secondary">{t('wecom.groups.welcome')}：{code.welcome}</Typography.Text>}
            {code.groups.map((g) => (
              <Space key={g.chatId} style={{ width: '100%' }}>
                <span style={{ width: 180, display: 'inline-block' }}>
                  {g.name} {code.chatIds.includes(g.chatId) && <Tag color="processing">{t('wecom.groups.current')}</Tag>}
                </span>
                <Progress percent={Math.round((g.customers / code.cap) * 100)} format={() => `${g.customers} / ${code.cap}`} style={{ width: 320 }} />
                <Typography.Text type="secondary">{t('wecom.groups.joinedByCode', { n: g.joinedByCode })}</Typography.Text>
              </Space>
            ))}
          </Space>
        </Card>
      ))}
      <Card title={t('wecom.groups.all')}>
        <Table rowKey="chatId" columns={groupColumns} dataSource={groups} size="small" pagination={{ pageSize: 20 }} />
      </Card>
      <Modal open={creating} title={t('wecom.groups.createCode')} onCancel={() => setCreating(false)} onOk={create} confirmLoading={saving} destroyOnHidden>
        <Form form={form} layout="vertical" preserve={false} initialValues={{ autoCreate: true, cap, channel: 'mp' }}>
          <Form.Item name="name" label={t('wecom.codes.name')} rules={[{ required: true, max: 50 }]}>
            <Input />
          </Form.Item>
          <Form.Item name="channel" label={t('wecom.codes.channel')} rules={[{ required: true }]}>
            <Select options={CHANNELS.map((c) => ({ value: c.key, label: c.zh }))} />
          </Form.Item>
          <Form.Item name="chatIds" label={t('wecom.groups.pickGroups')} rules={[{ required: true }, { type: 'array', max: 5 }]} extra={t('wecom.groups.pickGroupsHint')}>
            <Select mode="multiple" options={groups.filter((g) => !g.dismissed).map((g) => ({ value: g.chatId, label: `${g.name}（${g.customers}）` }))} />
          </Form.Item>
          <Form.Item name="autoCreate" label={t('wecom.groups.autoCreate')} valuePropName="checked">
            <Switch />
          </Form.Item>
          <Form.Item name="roomBaseName" label={t('wecom.groups.roomBaseName')}>
            <Input placeholder="花漾美妆福利群" />
          </Form.Item>
          <Form.Item name="cap" label={t('wecom.groups.cap')} extra={t('wecom.connect.groupCapHint')}>
            <InputNumber min={2} max={500} />
          </Form.Item>
          <Form.Item name="welcome" label={t('wecom.groups.welcome')} extra={t('wecom.groups.welcomeHint')} rules={[{ max: 3000 }]}>
            <Input.TextArea rows={3} placeholder={t('wecom.groups.welcomePlaceholder')} />
          </Form.Item>
        </Form>
      </Modal>
      <QrModal code={qr} onClose={() => setQr(null)} />
    </Space>
  );
}
