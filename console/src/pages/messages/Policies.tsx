import { DeleteOutlined, PlusOutlined } from '@ant-design/icons';
import { App, Button, Card, Form, Input, InputNumber, Select, Space, Switch, Typography } from 'antd';
import { useEffect } from 'react';
import { useTranslation } from 'react-i18next';
import { api, errorTitle } from '../../api';
import { ErrorState } from '../../components/ErrorState';
import { Loading } from '../../components/Loading';
import { applyFieldErrors } from '../../formErrors';
import { useRequest } from '../../hooks/useRequest';
import { useSession } from '../../hooks/useSession';
import { CHANNELS } from '../../journeys/types';

interface Cap {
  perDay: number | null;
  perWeek: number | null;
}

/** Mirrors policiesSchema in src/messages/policies.ts. */
export interface Policies {
  caps: { overall: Cap; perChannel: Cap };
  quietHours: { enabled: boolean; start: string; end: string };
  goldenWindows: { start: string; end: string }[];
  wecomMonthlyCap: 'month_days' | 'week_7' | 'day_1';
  requireOptIn: string[];
}

const FIELDS = ['caps', 'quietHours', 'goldenWindows', 'wecomMonthlyCap', 'requireOptIn'];

/** 触达策略: frequency caps, quiet hours, golden windows, WeCom's monthly cap, opt-in channels. */
export default function PoliciesPage() {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const { can } = useSession();
  const [form] = Form.useForm<Policies>();
  const { data, error, loading, reload } = useRequest((signal) => api.get<Policies | { policies: Policies }>('/api/messages/policies', { signal }), []);
  const policies = data && 'policies' in data ? data.policies : (data as Policies | undefined);
  useEffect(() => {
    if (policies) form.setFieldsValue(policies);
  }, [policies, form]);
  if (error) return <ErrorState error={error} onRetry={reload} />;
  if (loading && !policies) return <Loading />;
  const readOnly = !can('settings:write');

  const save = async () => {
    const values = await form.validateFields().catch(() => null);
    if (!values) return;
    try {
      await api.put('/api/messages/policies', values);
      message.success(t('messages.saved'));
    } catch (err) {
      if (!applyFieldErrors(form, FIELDS, err)) message.error(errorTitle(err));
    }
  };

  const cap = (name: 'overall' | 'perChannel') => (
    <Space>
      <Form.Item name={['caps', name, 'perDay']} label={t('messages.policies.perDay')}>
        <InputNumber min={0} max={100} placeholder={t('messages.policies.noCap')} />
      </Form.Item>
      <Form.Item name={['caps', name, 'perWeek']} label={t('messages.policies.perWeek')}>
        <InputNumber min={0} max={700} placeholder={t('messages.policies.noCap')} />
      </Form.Item>
    </Space>
  );

  return (
    <Space direction="vertical" size="large" style={{ width: '100%' }}>
      <Typography.Title level={4} style={{ margin: 0 }}>
        {t('nav.messagePolicies')}
      </Typography.Title>
      <Form form={form} layout="vertical" disabled={readOnly} data-testid="policies-form">
        <Space direction="vertical" size="middle" style={{ width: '100%', maxWidth: 760 }}>
          <Card title={t('messages.policies.caps')} size="small">
            <Typography.Paragraph type="secondary">{t('messages.policies.capsHelp')}</Typography.Paragraph>
            <Typography.Text strong>{t('messages.policies.overall')}</Typography.Text>
            {cap('overall')}
            <Typography.Text strong>{t('messages.policies.perChannel')}</Typography.Text>
            {cap('perChannel')}
          </Card>
          <Card title={t('messages.policies.quietHours')} size="small">
            <Space align="end">
              <Form.Item name={['quietHours', 'enabled']} valuePropName="checked" label={t('messages.policies.enabled')}>
                <Switch />
              </Form.Item>
              <Form.Item name={['quietHours', 'start']} label={t('messages.policies.from')} rules={[{ pattern: /^([01]\d|2[0-3]):[0-5]\d$/ }]}>
                <Input type="time" style={{ width: 130 }} />
              </Form.Item>
              <Form.Item name={['quietHours', 'end']} label={t('messages.policies.to')} rules={[{ pattern: /^([01]\d|2[0-3]):[0-5]\d$/ }]}>
                <Input type="time" style={{ width: 130 }} />
              </Form.Item>
            </Space>
          </Card>
          <Card title={t('messages.policies.golden')} size="small">
            <Typography.Paragraph type="secondary">{t('messages.policies.goldenHelp')}</Typography.Paragraph>
            <Form.List name="goldenWindows">
              {(fields, { add, remove }) => (
                <>
                  {fields.map((f) => (
                    <Space key={f.key} align="baseline">
                      <Form.Item name={[f.name, 'start']} rules={[{ required: true }]}>
                        <Input type="time" style={{ width: 130 }} />
                      </Form.Item>
                      –
                      <Form.Item name={[f.name, 'end']} rules={[{ required: true }]}>
                        <Input type="time" style={{ width: 130 }} />
                      </Form.Item>
                      <Button type="text" icon={<DeleteOutlined />} disabled={fields.length <= 1} onClick={() => remove(f.name)} />
                    </Space>
                  ))}
                  <Button icon={<PlusOutlined />} disabled={fields.length >= 12} onClick={() => add({ start: '10:00', end: '11:00' })}>
                    {t('messages.policies.addWindow')}
                  </Button>
                </>
              )}
            </Form.List>
          </Card>
          <Card title={t('messages.policies.wecom')} size="small">
            <Form.Item name="wecomMonthlyCap" label={t('messages.policies.wecomCap')}>
              <Select style={{ width: 260 }} options={(['month_days', 'week_7', 'day_1'] as const).map((v) => ({ value: v, label: t(`messages.policies.wecomCaps.${v}`) }))} />
            </Form.Item>
            <Form.Item name="requireOptIn" label={t('messages.policies.optIn')} extra={t('messages.policies.optInHelp')}>
              <Select mode="multiple" options={CHANNELS.map((c) => ({ value: c, label: t(`journeys.channel.${c}`) }))} />
            </Form.Item>
          </Card>
          {!readOnly && (
            <Button type="primary" onClick={() => void save()} data-testid="policies-save">
              {t('messages.save')}
            </Button>
          )}
        </Space>
      </Form>
    </Space>
  );
}
