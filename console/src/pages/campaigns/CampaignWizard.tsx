import { ArrowLeftOutlined, DeleteOutlined, PlusOutlined } from '@ant-design/icons';
import { Alert, App, Button, Card, Descriptions, Form, Input, InputNumber, Modal, Radio, Select, Space, Steps, Switch, Typography } from 'antd';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useNavigate, useParams } from 'react-router-dom';
import { api, errorTitle } from '../../api';
import { ErrorState } from '../../components/ErrorState';
import { Loading } from '../../components/Loading';
import { applyFieldErrors } from '../../formErrors';
import { useFormat } from '../../hooks/useFormat';
import { useRequest } from '../../hooks/useRequest';
import { useSession } from '../../hooks/useSession';
import { ChannelSelect, TemplatePicker } from '../../journeys/fields';
import { useRefs } from '../../journeys/refs';
import { StatusTag } from '../../journeys/StatusTag';
import type { Segment } from '../segments/types';
import type { Channel } from '../../journeys/types';
import type { Campaign, CampaignInput } from './types';

const EMPTY: CampaignInput = {
  name: '',
  description: '',
  segmentId: '',
  channel: 'wecom_1v1',
  variants: [{ key: 'A', templateId: '', weight: 100 }],
  holdoutPercent: 10,
  schedule: { mode: 'now' },
  golden: false,
  attributionDays: 7,
};
const FIELDS = Object.keys(EMPTY);
const EDITABLE = new Set(['draft', 'rejected']);

/** 群发 wizard: audience, channel and variants, schedule, review; then approval, send and cancel. */
export default function CampaignWizard() {
  const { id } = useParams();
  const { t } = useTranslation();
  const { can } = useSession();
  const { data, error, loading, reload } = useRequest((signal) => (id ? api.get<Campaign>(`/api/campaigns/${id}`, { signal }) : Promise.resolve(null)), [id]);
  if (error) return <ErrorState error={error} onRetry={reload} />;
  if (loading) return <Loading />;
  const editable = !data || (EDITABLE.has(data.status) && can('campaigns:write'));
  return (
    <Space direction="vertical" size="large" style={{ width: '100%' }}>
      <Space>
        <Link to="/campaigns">
          <Button type="text" icon={<ArrowLeftOutlined />} />
        </Link>
        <Typography.Title level={4} style={{ margin: 0 }}>
          {data ? data.name : t('campaigns.create')}
        </Typography.Title>
        {data && <StatusTag status={data.status} ns="campaigns" />}
      </Space>
      {data?.status === 'rejected' && data.rejectReason && <Alert type="error" showIcon title={t('campaigns.rejectedBecause', { reason: data.rejectReason })} />}
      {data && <Actions campaign={data} onChanged={reload} />}
      {editable ? <Wizard key={data?.id ?? 'new'} campaign={data ?? null} /> : data && <Summary campaign={data} />}
    </Space>
  );
}

function Wizard({ campaign }: { campaign: Campaign | null }) {
  const { t } = useTranslation();
  const fmt = useFormat();
  const navigate = useNavigate();
  const { message } = App.useApp();
  const [form] = Form.useForm<CampaignInput>();
  const [current, setCurrent] = useState(0);
  const [busy, setBusy] = useState(false);
  const { refs } = useRefs();
  const segments = useRequest((signal) => api.get<{ items: Segment[] }>('/api/segments', { signal }), []);
  const channel = Form.useWatch('channel', form) ?? EMPTY.channel;
  const segmentId = Form.useWatch('segmentId', form);
  const scheduleMode = Form.useWatch(['schedule', 'mode'], form);
  const holdout = Form.useWatch('holdoutPercent', form) ?? 0;
  const size = segments.data?.items.find((s) => s.id === segmentId)?.members;

  useEffect(() => {
    form.setFieldsValue(campaign ? { ...EMPTY, ...campaign, channel: campaign.channel as Channel } : EMPTY);
  }, [campaign, form]);

  const save = async (submit: boolean) => {
    await form.validateFields().catch((err: unknown) => {
      message.error(t('campaigns.fixFields'));
      throw err;
    });
    const values = { ...EMPTY, ...form.getFieldsValue(true) } as CampaignInput & Record<string, unknown>;
    const body: CampaignInput = Object.fromEntries(FIELDS.map((k) => [k, values[k]])) as unknown as CampaignInput;
    setBusy(true);
    try {
      const saved = campaign ? await api.put<Campaign>(`/api/campaigns/${campaign.id}`, body) : await api.post<Campaign>('/api/campaigns', body);
      if (submit) await api.post(`/api/campaigns/${saved.id}/submit`);
      message.success(t(submit ? 'campaigns.submitted' : 'campaigns.saved'));
      if (campaign) navigate(0);
      else navigate(`/campaigns/${saved.id}`, { replace: true });
    } catch (err) {
      if (!applyFieldErrors(form, FIELDS, err)) message.error(errorTitle(err));
    } finally {
      setBusy(false);
    }
  };

  const steps = ['audience', 'content', 'schedule', 'review'];
  return (
    <Card>
      <Steps current={current} onChange={setCurrent} items={steps.map((s) => ({ title: t(`campaigns.step.${s}`) }))} style={{ marginBottom: 24 }} />
      <Form form={form} layout="vertical" style={{ maxWidth: 720 }} initialValues={EMPTY}>
        <div style={{ display: current === 0 ? undefined : 'none' }}>
          <Form.Item name="name" label={t('campaigns.name')} rules={[{ required: true, max: 100 }]}>
            <Input data-testid="campaign-name" />
          </Form.Item>
          <Form.Item name="description" label={t('campaigns.description')}>
            <Input.TextArea rows={2} />
          </Form.Item>
          <Form.Item name="segmentId" label={t('campaigns.audience')} rules={[{ required: true, message: t('campaigns.pickSegment') }]} extra={size != null ? <span data-testid="campaign-audience-size">{t('campaigns.audienceSize', { n: fmt.number(size) })}</span> : undefined}>
            <Select
              showSearch={{ optionFilterProp: 'label' }}
              loading={segments.loading}
              placeholder={t('campaigns.pickSegment')}
              data-testid="campaign-segment"
              options={(segments.data?.items ?? []).map((s) => ({ value: s.id, label: `${s.name}（${fmt.number(s.members)}）` }))}
            />
          </Form.Item>
        </div>
        <div style={{ display: current === 1 ? undefined : 'none' }}>
          <Form.Item name="channel" label={t('campaigns.channel')} rules={[{ required: true }]}>
            <ChannelSelect value={channel} onChange={(c) => form.setFieldValue('channel', c)} testId="campaign-channel" />
          </Form.Item>
          <Typography.Text strong>{t('campaigns.variants')}</Typography.Text>
          <Form.List name="variants">
            {(fields, { add, remove }) => (
              <div style={{ marginTop: 8 }}>
                {fields.map((f, i) => (
                  <Space key={f.key} align="start" style={{ display: 'flex' }} data-testid="campaign-variant">
                    <Form.Item name={[f.name, 'key']} rules={[{ required: true, pattern: /^[A-Za-z0-9_-]{1,32}$/ }]}>
                      <Input style={{ width: 70 }} />
                    </Form.Item>
                    <Form.Item name={[f.name, 'templateId']} rules={[{ required: true, message: t('journeys.pickTemplate') }]} style={{ width: 360 }}>
                      <VariantTemplate refs={refs} channel={channel} testId={`campaign-template-${i}`} />
                    </Form.Item>
                    <Form.Item name={[f.name, 'weight']} rules={[{ required: true }]}>
                      <InputNumber min={1} max={1000} style={{ width: 110 }} prefix={t('campaigns.weight')} />
                    </Form.Item>
                    <Button type="text" icon={<DeleteOutlined />} disabled={fields.length <= 1} onClick={() => remove(f.name)} />
                  </Space>
                ))}
                <Button icon={<PlusOutlined />} disabled={fields.length >= 10} onClick={() => add({ key: String.fromCharCode(65 + fields.length), templateId: '', weight: 50 })} data-testid="campaign-add-variant">
                  {t('campaigns.addVariant')}
                </Button>
              </div>
            )}
          </Form.List>
          <Form.Item name="holdoutPercent" label={t('campaigns.holdout')} extra={t('campaigns.holdoutHelp')} style={{ marginTop: 16 }}>
            <InputNumber min={0} max={50} suffix="%" data-testid="campaign-holdout" />
          </Form.Item>
        </div>
        <div style={{ display: current === 2 ? undefined : 'none' }}>
          <Form.Item name={['schedule', 'mode']} label={t('campaigns.schedule')}>
            <Radio.Group
              options={[
                { value: 'now', label: t('campaigns.sendNow') },
                { value: 'at', label: t('campaigns.sendAt') },
              ]}
            />
          </Form.Item>
          {scheduleMode === 'at' && (
            <Form.Item name={['schedule', 'at']} label={t('campaigns.at')} rules={[{ required: true }]} extra={t('campaigns.atHelp', { tz: fmt.timezone })}>
              <Input type="datetime-local" style={{ width: 240 }} />
            </Form.Item>
          )}
          <Form.Item name="golden" label={t('campaigns.golden')} valuePropName="checked">
            <Switch />
          </Form.Item>
          <Form.Item name="attributionDays" label={t('campaigns.attributionDays')}>
            <InputNumber min={1} max={90} suffix={t('journeys.dur.d')} />
          </Form.Item>
        </div>
        {current === 3 && <Review values={{ ...EMPTY, ...form.getFieldsValue(true) }} size={size} holdout={holdout} />}
      </Form>
      <Space style={{ marginTop: 16 }}>
        {current > 0 && <Button onClick={() => setCurrent(current - 1)}>{t('campaigns.prev')}</Button>}
        {current < steps.length - 1 && (
          <Button type="primary" onClick={() => setCurrent(current + 1)} data-testid="campaign-next">
            {t('campaigns.next')}
          </Button>
        )}
        <Button loading={busy} onClick={() => void save(false).catch(() => undefined)} data-testid="campaign-save">
          {t('campaigns.saveDraft')}
        </Button>
        {current === steps.length - 1 && (
          <Button type="primary" loading={busy} onClick={() => void save(true).catch(() => undefined)} data-testid="campaign-submit">
            {t('campaigns.submit')}
          </Button>
        )}
      </Space>
    </Card>
  );
}

function VariantTemplate({ value, onChange, refs, channel, testId }: { value?: string; onChange?: (v: string) => void; refs: ReturnType<typeof useRefs>['refs']; channel: string; testId: string }) {
  return <TemplatePicker refs={refs} channel={channel} value={value} onChange={(v) => onChange?.(v)} testId={testId} />;
}

function Review({ values, size, holdout }: { values: CampaignInput; size: number | undefined; holdout: number }) {
  const { t } = useTranslation();
  const fmt = useFormat();
  const total = values.variants.reduce((n, v) => n + (v.weight || 0), 0) || 1;
  const treated = size != null ? Math.round((size * (100 - holdout)) / 100) : null;
  return (
    <Descriptions bordered size="small" column={1} data-testid="campaign-review">
      <Descriptions.Item label={t('campaigns.name')}>{values.name}</Descriptions.Item>
      <Descriptions.Item label={t('campaigns.audience')}>{size != null ? t('campaigns.audienceSize', { n: fmt.number(size) }) : '—'}</Descriptions.Item>
      <Descriptions.Item label={t('campaigns.channel')}>{t(`journeys.channel.${values.channel}`)}</Descriptions.Item>
      <Descriptions.Item label={t('campaigns.variants')}>
        {values.variants.map((v) => (
          <div key={v.key}>
            {v.key}: {Math.round((v.weight / total) * 100)}% {treated != null && `≈ ${fmt.number(Math.round((treated * v.weight) / total))}`}
          </div>
        ))}
      </Descriptions.Item>
      <Descriptions.Item label={t('campaigns.holdout')}>{holdout}%</Descriptions.Item>
      <Descriptions.Item label={t('campaigns.schedule')}>{values.schedule.mode === 'now' ? t('campaigns.sendNow') : values.schedule.at}</Descriptions.Item>
    </Descriptions>
  );
}

function Summary({ campaign: c }: { campaign: Campaign }) {
  const { t } = useTranslation();
  const fmt = useFormat();
  const { refs } = useRefs();
  const tplName = (id: string) => refs.templates.find((x) => x.id === id)?.name ?? id.slice(0, 8);
  return (
    <Card>
      <Descriptions bordered size="small" column={2} data-testid="campaign-summary">
        <Descriptions.Item label={t('campaigns.channel')}>{t(`journeys.channel.${c.channel}`, { defaultValue: c.channel })}</Descriptions.Item>
        <Descriptions.Item label={t('campaigns.recipients')}>{fmt.number(c.recipients)}</Descriptions.Item>
        <Descriptions.Item label={t('campaigns.variants')} span={2}>
          {c.variants.map((v) => `${v.key} (${v.weight}) · ${tplName(v.templateId)}`).join('；')}
        </Descriptions.Item>
        <Descriptions.Item label={t('campaigns.holdout')}>{c.holdoutPercent}%</Descriptions.Item>
        <Descriptions.Item label={t('campaigns.schedule')}>{c.schedule.mode === 'now' ? t('campaigns.sendNow') : fmt.dateTime(c.dueAt ?? c.schedule.at)}</Descriptions.Item>
        <Descriptions.Item label={t('campaigns.createdBy')}>{c.createdBy.name ?? '—'}</Descriptions.Item>
        <Descriptions.Item label={t('campaigns.submittedAt')}>{fmt.dateTime(c.submittedAt)}</Descriptions.Item>
        <Descriptions.Item label={t('campaigns.approvedAt')}>{fmt.dateTime(c.approvedAt)}</Descriptions.Item>
        <Descriptions.Item label={t('campaigns.sentAt')}>{fmt.dateTime(c.sentAt ?? c.startedAt)}</Descriptions.Item>
      </Descriptions>
    </Card>
  );
}

function Actions({ campaign: c, onChanged }: { campaign: Campaign; onChanged: () => void }) {
  const { t } = useTranslation();
  const { can } = useSession();
  const navigate = useNavigate();
  const { message, modal } = App.useApp();
  const [busy, setBusy] = useState<string | null>(null);
  const [rejecting, setRejecting] = useState(false);
  const [reason, setReason] = useState('');

  const act = async (action: string, body?: unknown) => {
    setBusy(action);
    try {
      await api.post(`/api/campaigns/${c.id}/${action}`, body);
      message.success(t(`campaigns.done.${action}`));
      onChanged();
    } catch (err) {
      message.error(errorTitle(err));
    } finally {
      setBusy(null);
    }
  };
  const write = can('campaigns:write');
  const approve = can('campaigns:approve');
  return (
    <Space wrap>
      {c.status === 'pending_approval' && approve && (
        <>
          <Button type="primary" loading={busy === 'approve'} onClick={() => void act('approve')} data-testid="campaign-approve">
            {t('campaigns.approve')}
          </Button>
          <Button danger onClick={() => setRejecting(true)} data-testid="campaign-reject">
            {t('campaigns.reject')}
          </Button>
        </>
      )}
      {c.status === 'pending_approval' && !approve && <Alert type="info" showIcon title={t('campaigns.awaitingApproval')} />}
      {c.status === 'approved' && write && (
        <Button type="primary" loading={busy === 'send'} data-testid="campaign-send" onClick={() => modal.confirm({ title: c.schedule.mode === 'now' ? t('campaigns.sendNowConfirm') : t('campaigns.releaseConfirm'), onOk: () => act('send') })}>
          {c.schedule.mode === 'now' ? t('campaigns.sendNow') : t('campaigns.release')}
        </Button>
      )}
      {['scheduled', 'sending', 'approved', 'pending_approval'].includes(c.status) && write && (
        <Button loading={busy === 'cancel'} onClick={() => modal.confirm({ title: t('campaigns.cancelConfirm'), onOk: () => act('cancel') })} data-testid="campaign-cancel">
          {t('campaigns.cancel')}
        </Button>
      )}
      {['draft', 'rejected'].includes(c.status) && write && (
        <Button danger icon={<DeleteOutlined />} onClick={() => modal.confirm({ title: t('campaigns.deleteConfirm'), onOk: async () => (await api.delete(`/api/campaigns/${c.id}`), navigate('/campaigns')) })}>
          {t('campaigns.delete')}
        </Button>
      )}
      {['scheduled', 'sending', 'sent', 'cancelled'].includes(c.status) && (
        <Button onClick={() => navigate(`/campaigns/${c.id}/report`)} data-testid="campaign-report">
          {t('campaigns.report')}
        </Button>
      )}
      <Modal open={rejecting} title={t('campaigns.reject')} onCancel={() => setRejecting(false)} okButtonProps={{ disabled: !reason.trim(), danger: true }} onOk={() => void act('reject', { reason: reason.trim() }).then(() => setRejecting(false))}>
        <Input.TextArea rows={3} placeholder={t('campaigns.rejectReason')} value={reason} onChange={(e) => setReason(e.target.value)} data-testid="campaign-reject-reason" />
      </Modal>
    </Space>
  );
}
