import { DeleteOutlined, PlusOutlined } from '@ant-design/icons';
import { App, Button, Col, Drawer, Form, Input, InputNumber, Radio, Row, Select, Space, Switch, TimePicker, Typography } from 'antd';
import dayjs from 'dayjs';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../../api';
import { applyFieldErrors } from '../../formErrors';
import { PhonePreview } from './PhonePreview';
import type { LiveCode, LiveCodeInput, PoolMember, Staff, Strategy } from './types';
import { CHANNELS, problemText } from './util';
import { WelcomeEditor } from './WelcomeEditor';

interface PoolRow {
  userid: string;
  weight?: number;
  dailyCap?: number | null;
  days?: number[];
  hours?: [dayjs.Dayjs, dayjs.Dayjs] | null;
}

interface Values {
  name: string;
  channel: string;
  strategy: Strategy;
  pool: PoolRow[];
  backupUserid?: string | null;
  skipVerify: boolean;
  tags: string[];
  welcome: LiveCodeInput['welcome'];
}

const FIELDS = ['name', 'channel', 'strategy', 'pool', 'backupUserid', 'skipVerify', 'tags', 'welcome'];

function toInput(v: Values): LiveCodeInput {
  const pool: PoolMember[] = v.pool.map((m) => ({
    userid: m.userid,
    weight: m.weight ?? 1,
    dailyCap: m.dailyCap ?? null,
    hours: v.strategy === 'scheduled' && m.hours ? { days: m.days?.length ? m.days : [1, 2, 3, 4, 5, 6, 7], start: m.hours[0].format('HH:mm'), end: m.hours[1].format('HH:mm') } : null,
  }));
  const welcome = v.welcome && (v.welcome.text?.trim() || v.welcome.attachments?.length) ? { text: v.welcome.text ?? '', attachments: v.welcome.attachments ?? [] } : null;
  return { name: v.name, channel: v.channel, strategy: v.strategy, pool, backupUserid: v.backupUserid ?? null, skipVerify: v.skipVerify, tags: v.tags ?? [], welcome };
}

function toValues(c: LiveCode): Values {
  return {
    name: c.name,
    channel: c.channel,
    strategy: c.strategy,
    pool: c.pool.map((m) => ({ userid: m.userid, weight: m.weight, dailyCap: m.dailyCap, days: m.hours?.days, hours: m.hours ? [dayjs(m.hours.start, 'HH:mm'), dayjs(m.hours.end, 'HH:mm')] : null })),
    backupUserid: c.backupUserid,
    skipVerify: c.skipVerify,
    tags: c.tags,
    welcome: c.welcome ?? { text: '', attachments: [] },
  };
}

/** Create or edit a channel live code: channel, staff pool and strategy, auto-tags, welcome with a phone preview. */
export function LiveCodeForm({ code, staff, open, onClose, onSaved }: { code: LiveCode | null; staff: Staff[]; open: boolean; onClose: () => void; onSaved: () => void }) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const [form] = Form.useForm<Values>();
  const [saving, setSaving] = useState(false);
  const strategy = Form.useWatch('strategy', form);
  const welcome = Form.useWatch('welcome', form);
  const channel = Form.useWatch('channel', form);
  const firstStaff = Form.useWatch(['pool', 0, 'userid'], form);
  const staffOptions = staff.map((s) => ({ value: s.userid, label: `${s.name}（${s.department ?? s.userid}）` }));
  const channelName = CHANNELS.find((c) => c.key === channel)?.zh ?? channel ?? '';

  const save = async () => {
    const values = await form.validateFields();
    setSaving(true);
    try {
      const body = toInput(values);
      if (code) await api.put(`/api/wecom/live-codes/${code.id}`, body);
      else await api.post('/api/wecom/live-codes', body);
      message.success(t('wecom.codes.saved'));
      onSaved();
    } catch (err) {
      applyFieldErrors(form, FIELDS, err);
      message.error(problemText(err));
    } finally {
      setSaving(false);
    }
  };

  return (
    <Drawer
      open={open}
      onClose={onClose}
      width={1040}
      destroyOnHidden
      title={code ? t('wecom.codes.edit') : t('wecom.codes.create')}
      extra={
        <Button type="primary" loading={saving} onClick={save} data-testid="livecode-save">
          {t('wecom.codes.save')}
        </Button>
      }
    >
      <Form
        form={form}
        layout="vertical"
        preserve={false}
        initialValues={code ? toValues(code) : { strategy: 'round_robin', skipVerify: true, tags: [], pool: [{ userid: undefined }], welcome: { text: '', attachments: [] } }}
      >
        <Row gutter={32} wrap={false}>
          <Col flex="1" style={{ minWidth: 0 }}>
            <Row gutter={16}>
              <Col span={12}>
                <Form.Item name="name" label={t('wecom.codes.name')} rules={[{ required: true, max: 50 }]}>
                  <Input placeholder={t('wecom.codes.namePlaceholder')} data-testid="livecode-name" />
                </Form.Item>
              </Col>
              <Col span={12}>
                <Form.Item name="channel" label={t('wecom.codes.channel')} rules={[{ required: true, pattern: /^[a-z][a-z0-9_]{1,19}$/, message: t('wecom.codes.channelRule') }]}>
                  <Select
                    disabled={!!code}
                    showSearch
                    options={CHANNELS.map((c) => ({ value: c.key, label: `${c.zh} · ${c.key}` }))}
                    data-testid="livecode-channel"
                  />
                </Form.Item>
              </Col>
            </Row>
            <Form.Item name="strategy" label={t('wecom.codes.strategy')}>
              <Radio.Group optionType="button" options={(['round_robin', 'weighted', 'scheduled'] as const).map((s) => ({ value: s, label: t(`wecom.strategy.${s}`) }))} />
            </Form.Item>
            <Typography.Text strong>{t('wecom.codes.pool')}</Typography.Text>
            <Form.List name="pool" rules={[{ validator: async (_r, v: unknown[]) => (v?.length ? undefined : Promise.reject(new Error(t('wecom.codes.poolRequired')))) }]}>
              {(fields, { add, remove }, { errors }) => (
                <div style={{ marginTop: 8 }}>
                  {fields.map((field) => (
                    <Space key={field.key} align="baseline" wrap>
                      <Form.Item name={[field.name, 'userid']} rules={[{ required: true, message: t('wecom.codes.pickStaff') }]}>
                        <Select style={{ width: 220 }} options={staffOptions} showSearch optionFilterProp="label" placeholder={t('wecom.codes.pickStaff')} data-testid={`pool-${field.name}`} />
                      </Form.Item>
                      {strategy === 'weighted' && (
                        <Form.Item name={[field.name, 'weight']} initialValue={1}>
                          <InputNumber min={1} max={100} addonBefore={t('wecom.codes.weight')} style={{ width: 140 }} />
                        </Form.Item>
                      )}
                      <Form.Item name={[field.name, 'dailyCap']}>
                        <InputNumber min={1} max={10000} placeholder={t('wecom.codes.noCap')} addonBefore={t('wecom.codes.dailyCap')} style={{ width: 190 }} />
                      </Form.Item>
                      {strategy === 'scheduled' && (
                        <>
                          <Form.Item name={[field.name, 'days']}>
                            <Select mode="multiple" style={{ width: 200 }} placeholder={t('wecom.codes.everyDay')} options={[1, 2, 3, 4, 5, 6, 7].map((d) => ({ value: d, label: t(`wecom.weekday.${d}`) }))} />
                          </Form.Item>
                          <Form.Item name={[field.name, 'hours']} rules={[{ required: true, message: t('wecom.codes.hoursRequired') }]}>
                            <TimePicker.RangePicker format="HH:mm" minuteStep={15} order={false} />
                          </Form.Item>
                        </>
                      )}
                      <Button type="text" icon={<DeleteOutlined />} onClick={() => remove(field.name)} />
                    </Space>
                  ))}
                  <Form.ErrorList errors={errors} />
                  <Button icon={<PlusOutlined />} onClick={() => add({ weight: 1 })} style={{ marginBottom: 16 }} data-testid="pool-add">
                    {t('wecom.codes.addStaff')}
                  </Button>
                </div>
              )}
            </Form.List>
            <Row gutter={16}>
              <Col span={12}>
                <Form.Item name="backupUserid" label={t('wecom.codes.backup')} extra={t('wecom.codes.backupHint')}>
                  <Select allowClear options={staffOptions} showSearch optionFilterProp="label" />
                </Form.Item>
              </Col>
              <Col span={12}>
                <Form.Item name="skipVerify" label={t('wecom.codes.skipVerify')} valuePropName="checked" extra={t('wecom.codes.skipVerifyHint')}>
                  <Switch />
                </Form.Item>
              </Col>
            </Row>
            <Form.Item name="tags" label={t('wecom.codes.tags')} extra={t('wecom.codes.tagsHint')}>
              <Select mode="tags" tokenSeparators={[',', '，']} placeholder="小红书引流" data-testid="livecode-tags" />
            </Form.Item>
            <Typography.Text strong>{t('wecom.codes.welcome')}</Typography.Text>
            <div style={{ marginTop: 8 }}>
              <WelcomeEditor />
            </div>
          </Col>
          <Col flex="300px">
            <Typography.Text type="secondary">{t('wecom.preview.title')}</Typography.Text>
            <div style={{ marginTop: 8 }}>
              <PhonePreview welcome={{ text: welcome?.text ?? '', attachments: (welcome?.attachments ?? []).filter(Boolean) }} channelName={channelName} staffName={staff.find((s) => s.userid === firstStaff)?.name} />
            </div>
          </Col>
        </Row>
      </Form>
    </Drawer>
  );
}
