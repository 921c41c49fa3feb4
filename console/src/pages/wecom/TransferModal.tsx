import { App, Button, Form, Input, Modal, Radio, Select, Space, Table, Tag } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../../api';
import type { Staff } from './types';
import { problemText } from './util';

interface Values {
  kind: 'onjob' | 'resigned';
  takeoverUserid: string;
  message?: string;
}

type Outcome = { externalUserid: string; ok: boolean; message: string };
type Progress = { externalUserid: string; status: string };

const STATUS_COLOR: Record<string, string> = { done: 'success', waiting: 'processing', refused: 'error', takeover_full: 'warning', none: 'default' };

/** 在职继承 / 离职继承: hand every current customer of a staff member to another, then follow the results. */
export function TransferModal({ from, staff, onClose }: { from: Staff; staff: Staff[]; onClose: () => void }) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const [form] = Form.useForm<Values>();
  const [busy, setBusy] = useState(false);
  const [outcomes, setOutcomes] = useState<Outcome[] | null>(null);
  const [progress, setProgress] = useState<Progress[] | null>(null);

  const submit = async () => {
    const v = await form.validateFields();
    setBusy(true);
    try {
      const res = await api.post<{ items: Outcome[] }>('/api/wecom/transfers', { kind: v.kind, handoverUserid: from.userid, takeoverUserid: v.takeoverUserid, message: v.kind === 'onjob' ? v.message || undefined : undefined });
      setOutcomes(res.items);
    } catch (err) {
      message.error(problemText(err));
    } finally {
      setBusy(false);
    }
  };

  const refresh = async () => {
    const v = form.getFieldsValue();
    try {
      const res = await api.get<{ items: Progress[] }>('/api/wecom/transfers', { query: { kind: v.kind, handoverUserid: from.userid, takeoverUserid: v.takeoverUserid } });
      setProgress(res.items);
    } catch (err) {
      message.error(problemText(err));
    }
  };

  const kind = Form.useWatch('kind', form);
  return (
    <Modal open title={t('wecom.transfer.title', { name: from.name })} onCancel={onClose} footer={null} width={640} destroyOnHidden>
      <Form form={form} layout="vertical" initialValues={{ kind: 'onjob' }} disabled={outcomes !== null}>
        <Form.Item name="kind" extra={t(`wecom.transfer.${kind ?? 'onjob'}Hint`)}>
          <Radio.Group optionType="button" options={[{ value: 'onjob', label: t('wecom.transfer.onjob') }, { value: 'resigned', label: t('wecom.transfer.resigned') }]} />
        </Form.Item>
        <Form.Item name="takeoverUserid" label={t('wecom.transfer.takeover')} rules={[{ required: true }]}>
          <Select options={staff.filter((s) => s.userid !== from.userid).map((s) => ({ value: s.userid, label: s.name }))} />
        </Form.Item>
        {kind !== 'resigned' && (
          <Form.Item name="message" label={t('wecom.transfer.message')}>
            <Input.TextArea rows={2} maxLength={200} placeholder={t('wecom.transfer.messagePlaceholder')} />
          </Form.Item>
        )}
      </Form>
      <Space>
        {outcomes === null ? (
          <Button type="primary" loading={busy} onClick={submit} disabled={from.customers === 0}>
            {t('wecom.transfer.submit', { n: from.customers })}
          </Button>
        ) : (
          <Tag color="success">{t('wecom.transfer.requested', { ok: outcomes.filter((o) => o.ok).length, total: outcomes.length })}</Tag>
        )}
        {outcomes !== null && <Button onClick={refresh}>{t('wecom.transfer.progress')}</Button>}
      </Space>
      {outcomes?.some((o) => !o.ok) && (
        <Table style={{ marginTop: 16 }} size="small" rowKey="externalUserid" pagination={false} dataSource={outcomes.filter((o) => !o.ok)} columns={[{ title: 'external_userid', dataIndex: 'externalUserid' }, { title: t('wecom.transfer.reason'), dataIndex: 'message' }]} />
      )}
      {progress && (
        <Table
          style={{ marginTop: 16 }}
          size="small"
          rowKey="externalUserid"
          pagination={{ pageSize: 10 }}
          dataSource={progress}
          columns={[
            { title: 'external_userid', dataIndex: 'externalUserid' },
            { title: t('wecom.transfer.status'), dataIndex: 'status', render: (s: string) => <Tag color={STATUS_COLOR[s]}>{t(`wecom.transfer.statuses.${s}`)}</Tag> },
          ]}
        />
      )}
    </Modal>
  );
}
