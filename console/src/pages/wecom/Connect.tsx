import { CheckCircleTwoTone, CloseCircleTwoTone, SyncOutlined } from '@ant-design/icons';
import { App, Button, Card, Descriptions, Form, Input, InputNumber, List, Space, Tag, Typography } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../../api';
import { ErrorState } from '../../components/ErrorState';
import { Loading } from '../../components/Loading';
import { applyFieldErrors } from '../../formErrors';
import { useFormat } from '../../hooks/useFormat';
import { useRequest } from '../../hooks/useRequest';
import { useSession } from '../../hooks/useSession';
import type { ConnectionCheck, WecomSettings } from './types';
import { problemText } from './util';

const FIELDS = ['corpId', 'contactSecret', 'agentId', 'agentSecret', 'token', 'encodingAesKey', 'apiBaseUrl', 'groupCap'];

interface FormValues {
  corpId: string;
  contactSecret?: string;
  agentId?: string;
  agentSecret?: string;
  token?: string;
  encodingAesKey?: string;
  apiBaseUrl: string;
  groupCap: number;
}

/** Random letters and digits for the callback Token (≤ 32) and EncodingAESKey (43). */
function randomKey(length: number): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  return Array.from(crypto.getRandomValues(new Uint8Array(length)), (b) => alphabet[b % alphabet.length]).join('');
}

/** Blank secrets keep the stored ones. */
function payload(v: FormValues) {
  const blank = (s: string | undefined) => (s && s.trim() ? s.trim() : undefined);
  return {
    corpId: v.corpId.trim(),
    contactSecret: blank(v.contactSecret),
    agentId: blank(v.agentId) ?? null,
    agentSecret: blank(v.agentSecret),
    token: blank(v.token),
    encodingAesKey: blank(v.encodingAesKey),
    apiBaseUrl: v.apiBaseUrl.trim(),
    groupCap: v.groupCap,
  };
}

export default function Connect() {
  const { t } = useTranslation();
  const fmt = useFormat();
  const { can } = useSession();
  const { message } = App.useApp();
  const [form] = Form.useForm<FormValues>();
  const [checks, setChecks] = useState<ConnectionCheck[] | null>(null);
  const [busy, setBusy] = useState<'test' | 'save' | null>(null);
  const state = useRequest((signal) => api.get<{ connected: boolean; settings: WecomSettings | null }>('/api/wecom/settings', { signal }), []);

  if (state.error) return <ErrorState error={state.error} onRetry={state.reload} />;
  if (!state.data) return <Loading />;
  const current = state.data.settings;
  const canWrite = can('settings:write');

  const run = async (kind: 'test' | 'save') => {
    const values = await form.validateFields();
    setBusy(kind);
    try {
      if (kind === 'test') {
        const res = await api.post<{ ok: boolean; checks: ConnectionCheck[] }>('/api/wecom/settings/test', payload(values));
        setChecks(res.checks);
      } else {
        await api.put<WecomSettings>('/api/wecom/settings', payload(values));
        setChecks(null);
        message.success(t('wecom.connect.saved'));
        form.resetFields(['contactSecret', 'agentSecret']);
        state.reload();
      }
    } catch (err) {
      applyFieldErrors(form, FIELDS, err);
      message.error(problemText(err));
    } finally {
      setBusy(null);
    }
  };

  const sync = current?.sync;
  return (
    <Space direction="vertical" size="large" style={{ width: '100%' }}>
      <Typography.Title level={4} style={{ margin: 0 }}>
        {t('wecom.connect.title')}
      </Typography.Title>
      {current && (
        <Card title={t('wecom.connect.status')} data-testid="wecom-status">
          <Descriptions column={1} size="small">
            <Descriptions.Item label={t('wecom.connect.corpId')}>{current.corpId}</Descriptions.Item>
            <Descriptions.Item label={t('wecom.connect.callbackUrl')}>
              <Typography.Text copyable>{`${window.location.origin}${current.callbackPath}`}</Typography.Text>
            </Descriptions.Item>
            <Descriptions.Item label={t('wecom.connect.connectedAt')}>{fmt.dateTime(current.connectedAt)}</Descriptions.Item>
            <Descriptions.Item label={t('wecom.connect.sync')}>
              <Space>
                {sync?.status === 'running' && <Tag icon={<SyncOutlined spin />} color="processing">{t('wecom.connect.syncRunning', { n: sync.relationsDone ?? 0 })}</Tag>}
                {sync?.status === 'done' && <Tag color="success">{t('wecom.connect.syncDone', { staff: sync.staff ?? 0, relations: sync.relations ?? 0, groups: sync.groups ?? 0 })}</Tag>}
                {sync?.status === 'failed' && <Tag color="error">{sync.error}</Tag>}
                {canWrite && (
                  <Button size="small" onClick={() => api.post('/api/wecom/sync').then(() => state.reload(), (err) => message.error(problemText(err)))}>
                    {t('wecom.connect.syncNow')}
                  </Button>
                )}
                <Button size="small" type="link" onClick={state.reload}>
                  {t('common.retry')}
                </Button>
              </Space>
            </Descriptions.Item>
          </Descriptions>
        </Card>
      )}
      <Card title={current ? t('wecom.connect.change') : t('wecom.connect.first')}>
        <Form
          form={form}
          layout="vertical"
          disabled={!canWrite}
          style={{ maxWidth: 640 }}
          initialValues={{
            corpId: current?.corpId ?? '',
            agentId: current?.agentId ?? '',
            apiBaseUrl: current?.apiBaseUrl ?? 'https://qyapi.weixin.qq.com',
            groupCap: current?.options.groupCap ?? 200,
            token: current ? undefined : randomKey(24),
            encodingAesKey: current ? undefined : randomKey(43),
          }}
        >
          <Form.Item name="corpId" label={t('wecom.connect.corpId')} extra={t('wecom.connect.corpIdHint')} rules={[{ required: true }]}>
            <Input autoComplete="off" />
          </Form.Item>
          <Form.Item name="contactSecret" label={t('wecom.connect.contactSecret')} extra={current ? t('wecom.connect.keepSecret') : t('wecom.connect.contactSecretHint')} rules={current ? [] : [{ required: true }]}>
            <Input.Password autoComplete="new-password" />
          </Form.Item>
          <Space size="large" align="start" wrap>
            <Form.Item name="agentId" label={t('wecom.connect.agentId')}>
              <Input autoComplete="off" style={{ width: 200 }} />
            </Form.Item>
            <Form.Item name="agentSecret" label={t('wecom.connect.agentSecret')} extra={current?.hasAgentSecret ? t('wecom.connect.keepSecret') : undefined}>
              <Input.Password autoComplete="new-password" style={{ width: 360 }} />
            </Form.Item>
          </Space>
          <Form.Item name="token" label={t('wecom.connect.token')} extra={current ? t('wecom.connect.keepSecret') : t('wecom.connect.tokenHint')}>
            <Input autoComplete="off" />
          </Form.Item>
          <Form.Item name="encodingAesKey" label="EncodingAESKey" extra={current ? t('wecom.connect.keepSecret') : undefined}>
            <Input autoComplete="off" />
          </Form.Item>
          <Form.Item name="apiBaseUrl" label={t('wecom.connect.apiBaseUrl')} extra={t('wecom.connect.apiBaseUrlHint')} rules={[{ required: true }]}>
            <Input />
          </Form.Item>
          <Form.Item name="groupCap" label={t('wecom.connect.groupCap')} extra={t('wecom.connect.groupCapHint')}>
            <InputNumber min={2} max={500} />
          </Form.Item>
          <Space>
            <Button onClick={() => run('test')} loading={busy === 'test'} data-testid="wecom-test">
              {t('wecom.connect.test')}
            </Button>
            <Button type="primary" onClick={() => run('save')} loading={busy === 'save'} data-testid="wecom-save">
              {t('wecom.connect.save')}
            </Button>
          </Space>
        </Form>
        {checks && (
          <List
            style={{ marginTop: 24, maxWidth: 640 }}
            bordered
            size="small"
            dataSource={checks}
            renderItem={(c) => (
              <List.Item>
                <Space>
                  {c.ok ? <CheckCircleTwoTone twoToneColor="#52c41a" /> : <CloseCircleTwoTone twoToneColor="#ff4d4f" />}
                  <Typography.Text strong>{t(`wecom.connect.field.${c.field}`)}</Typography.Text>
                  <Typography.Text type={c.ok ? 'secondary' : 'danger'}>{c.message}</Typography.Text>
                </Space>
              </List.Item>
            )}
          />
        )}
      </Card>
    </Space>
  );
}
