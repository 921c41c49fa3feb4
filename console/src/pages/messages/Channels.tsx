import { App, Button, Card, Form, Input, InputNumber, Select, Space, Switch, Tag, Typography } from 'antd';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, errorTitle } from '../../api';
import { ErrorState } from '../../components/ErrorState';
import { Loading } from '../../components/Loading';
import { useRequest } from '../../hooks/useRequest';
import { useSession } from '../../hooks/useSession';
import { CustomerSelect } from '../../components/CustomerSelect';

type Settings = Record<string, unknown>;
type View = Record<'sms' | 'email' | 'webhook' | 'miniprogram', Settings | null>;
const CHANNELS = ['sms', 'email', 'webhook', 'miniprogram'] as const;
type Configurable = (typeof CHANNELS)[number];
/** Local providers and simulators live on plain IPs and ports, which antd's url rule refuses. */
const HTTP_URL = /^https?:\/\/\S+$/;
const TEST_CONTENT: Record<Configurable, Record<string, unknown>> = {
  sms: { text: 'Siyu 测试短信 {{customer.name}}' },
  email: { subject: 'Siyu 测试邮件', html: '<p>{{customer.name}}，这是一封测试邮件。</p>' },
  webhook: { event: 'siyu_test', data: { name: '{{customer.name}}' } },
  miniprogram: {},
};

/** 渠道设置: SMS provider, SMTP, webhook secret and mini-program, each with a test send. Admins edit. */
export default function Channels() {
  const { t } = useTranslation();
  const { data, error, loading, reload } = useRequest((signal) => api.get<View | { channels: View }>('/api/channels', { signal }), []);
  if (error) return <ErrorState error={error} onRetry={reload} />;
  if (loading && !data) return <Loading />;
  const view: View = data && 'channels' in data ? data.channels : (data as View);
  return (
    <Space direction="vertical" size="large" style={{ width: '100%', maxWidth: 820 }}>
      <Typography.Title level={4} style={{ margin: 0 }}>
        {t('nav.channels')}
      </Typography.Title>
      <Typography.Paragraph type="secondary">{t('messages.channels.hint')}</Typography.Paragraph>
      {CHANNELS.map((c) => (
        <ChannelCard key={c} channel={c} settings={view[c] ?? null} onSaved={reload} />
      ))}
    </Space>
  );
}

function ChannelCard({ channel, settings, onSaved }: { channel: Configurable; settings: Settings | null; onSaved: () => void }) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const { can } = useSession();
  const [form] = Form.useForm<Settings>();
  const [busy, setBusy] = useState<string | null>(null);
  const [customerId, setCustomerId] = useState<string>();
  const readOnly = !can('settings:write');

  useEffect(() => {
    form.setFieldsValue(settings ?? {});
  }, [settings, form]);

  const save = async () => {
    const values = await form.validateFields().catch(() => null);
    if (!values) return;
    const body: Settings = {};
    for (const [k, v] of Object.entries(values)) {
      if (v === '' || v === undefined || v === null) continue;
      if (k.endsWith('Set')) continue;
      body[k] = v;
    }
    setBusy('save');
    try {
      await api.put('/api/channels', { [channel]: body });
      message.success(t('messages.saved'));
      onSaved();
    } catch (err) {
      message.error(errorTitle(err));
    } finally {
      setBusy(null);
    }
  };

  const test = async () => {
    if (!customerId) return;
    setBusy('test');
    try {
      const res = await api.post<{ status: string; error?: string; reason?: string }>(`/api/channels/${channel}/test`, { customerId, content: TEST_CONTENT[channel] });
      if (res.status === 'failed' || res.status === 'unreachable') message.error(`${t('messages.channels.testFailed')}: ${res.error ?? res.reason ?? res.status}`);
      else message.success(t('messages.channels.testOk'));
    } catch (err) {
      message.error(errorTitle(err));
    } finally {
      setBusy(null);
    }
  };

  const secret = (name: string, label: string) => (
    <Form.Item name={name} label={label} extra={settings?.[`${name}Set`] ? t('messages.channels.secretSet') : undefined}>
      <Input.Password autoComplete="new-password" placeholder={settings?.[`${name}Set`] ? '••••••••' : ''} />
    </Form.Item>
  );

  return (
    <Card
      size="small"
      data-testid={`channel-${channel}`}
      title={
        <Space>
          {t(`journeys.channel.${channel}`)}
          {settings ? <Tag color="green">{t('messages.channels.configured')}</Tag> : <Tag>{t('messages.channels.notConfigured')}</Tag>}
        </Space>
      }
    >
      <Form form={form} layout="vertical" disabled={readOnly}>
        {channel === 'sms' && (
          <>
            <Form.Item name="url" label={t('messages.channels.smsUrl')} rules={[{ required: true, pattern: HTTP_URL }]} extra={t('messages.channels.smsHelp')}>
              <Input />
            </Form.Item>
            {secret('secret', t('messages.channels.secret'))}
            <Form.Item name="signature" label={t('messages.channels.signature')}>
              <Input maxLength={20} addonBefore="【" addonAfter="】" />
            </Form.Item>
          </>
        )}
        {channel === 'email' && (
          <>
            <Space wrap>
              <Form.Item name="host" label={t('messages.channels.host')} rules={[{ required: true }]}>
                <Input style={{ width: 260 }} />
              </Form.Item>
              <Form.Item name="port" label={t('messages.channels.port')} rules={[{ required: true }]}>
                <InputNumber min={1} max={65535} />
              </Form.Item>
              <Form.Item name="secure" label="TLS" valuePropName="checked">
                <Switch />
              </Form.Item>
              <Form.Item name="ignoreTls" label={t('messages.channels.ignoreTls')} valuePropName="checked">
                <Switch />
              </Form.Item>
            </Space>
            <Space wrap>
              <Form.Item name="user" label={t('messages.channels.user')}>
                <Input style={{ width: 260 }} />
              </Form.Item>
              {secret('pass', t('messages.channels.pass'))}
            </Space>
            <Form.Item name="from" label={t('messages.channels.from')} rules={[{ required: true }]}>
              <Input placeholder="花漾 <crm@example.com>" />
            </Form.Item>
          </>
        )}
        {channel === 'webhook' && (
          <>
            <Form.Item name="url" label="URL" rules={[{ required: true, pattern: HTTP_URL }]}>
              <Input />
            </Form.Item>
            {secret('secret', t('messages.channels.hmacSecret'))}
          </>
        )}
        {channel === 'miniprogram' && (
          <>
            <Form.Item name="appid" label="AppID" rules={[{ required: true }]}>
              <Input />
            </Form.Item>
            {secret('appSecret', 'AppSecret')}
            <Form.Item name="apiBaseUrl" label={t('messages.channels.apiBaseUrl')}>
              <Input placeholder="https://api.weixin.qq.com" />
            </Form.Item>
            <Form.Item name="state" label={t('messages.channels.mpState')}>
              <Select style={{ width: 200 }} options={['developer', 'trial', 'formal'].map((v) => ({ value: v, label: v }))} />
            </Form.Item>
          </>
        )}
      </Form>
      <Space wrap>
        {!readOnly && (
          <Button type="primary" loading={busy === 'save'} onClick={() => void save()} data-testid={`channel-save-${channel}`}>
            {t('messages.save')}
          </Button>
        )}
        {settings && !readOnly && channel !== 'miniprogram' && (
          <>
            <CustomerSelect style={{ width: 260 }} placeholder={t('messages.channels.testTo')} value={customerId} onChange={setCustomerId} />
            <Button loading={busy === 'test'} disabled={!customerId} onClick={() => void test()}>
              {t('messages.channels.test')}
            </Button>
          </>
        )}
      </Space>
    </Card>
  );
}
