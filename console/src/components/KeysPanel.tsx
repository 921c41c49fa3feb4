import { ExclamationCircleOutlined, PlusOutlined } from '@ant-design/icons';
import { Alert, App, Button, Flex, Form, Input, Modal, Popconfirm, Select, Table, Tag, Typography, type TableColumnsType } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, errorTitle } from '../api';
import { applyFieldErrors } from '../formErrors';
import { useFormat } from '../hooks/useFormat';
import { useRequest } from '../hooks/useRequest';
import { ROLES, type ApiKey, type CreatedKey, type Role } from '../types';
import { DateTime } from './DateTime';
import { ErrorState } from './ErrorState';

interface Props {
  /** API keys (`/api/apikeys`, with a role) or ingestion write keys (`/api/writekeys`). */
  kind: 'apikeys' | 'writekeys';
  canWrite: boolean;
}

interface NewKey {
  name: string;
  role?: Role;
}

const ASSIGNABLE_ROLES = ROLES.filter((role) => role !== 'owner');

function CreatedKeyModal({ created, onClose }: { created: CreatedKey | null; onClose: () => void }) {
  const { t } = useTranslation();
  return (
    <Modal
      open={created !== null}
      title={t('keys.createdTitle')}
      onCancel={onClose}
      footer={
        <Button type="primary" onClick={onClose}>
          {t('keys.savedIt')}
        </Button>
      }
      mask={{ closable: false }}
    >
      <Alert type="warning" showIcon icon={<ExclamationCircleOutlined />} title={t('keys.shownOnce')} style={{ marginBottom: 16 }} />
      <Typography.Paragraph
        copyable={{ text: created?.key, tooltips: [t('common.copy'), t('common.copied')] }}
        code
        style={{ wordBreak: 'break-all', fontSize: 14 }}
        data-testid="created-key"
      >
        {created?.key}
      </Typography.Paragraph>
    </Modal>
  );
}

export function KeysPanel({ kind, canWrite }: Props) {
  const { t } = useTranslation();
  const fmt = useFormat();
  const { message } = App.useApp();
  const [form] = Form.useForm<NewKey>();
  const [creating, setCreating] = useState(false);
  const [saving, setSaving] = useState(false);
  const [created, setCreated] = useState<CreatedKey | null>(null);
  const endpoint = `/api/${kind}`;
  const withRole = kind === 'apikeys';
  const { data, error, loading, reload } = useRequest(
    (signal) => api.get<{ items: ApiKey[] }>(endpoint, { signal }),
    [endpoint],
  );

  const create = async (values: NewKey) => {
    setSaving(true);
    try {
      const key = await api.post<CreatedKey>(endpoint, values);
      setCreating(false);
      setCreated(key);
      reload();
    } catch (err) {
      applyFieldErrors(form, ['name', 'role'], err);
      message.error(errorTitle(err));
    } finally {
      setSaving(false);
    }
  };

  const revoke = async (key: ApiKey) => {
    try {
      await api.delete(`${endpoint}/${encodeURIComponent(key.id)}`);
      message.success(t('keys.revoked', { name: key.name }));
      reload();
    } catch (err) {
      message.error(errorTitle(err));
    }
  };

  const columns: TableColumnsType<ApiKey> = [
    { title: t('keys.name'), dataIndex: 'name' },
    ...(withRole
      ? [{ title: t('keys.role'), dataIndex: 'role', render: (role: Role) => <Tag>{t(`role.${role}`)}</Tag> }]
      : []),
    { title: t('keys.prefix'), dataIndex: 'prefix', render: (prefix: string) => <Typography.Text code>{prefix}…</Typography.Text> },
    { title: t('keys.createdAt'), dataIndex: 'createdAt', render: (iso: string) => <DateTime iso={iso} /> },
    ...(withRole
      ? [{ title: t('keys.lastUsedAt'), dataIndex: 'lastUsedAt', render: (iso: string | null) => (iso ? <DateTime iso={iso} /> : t('keys.neverUsed')) }]
      : []),
    {
      title: t('keys.status'),
      dataIndex: 'revokedAt',
      render: (revokedAt: string | null) =>
        revokedAt ? (
          <Tag>{t('keys.revokedAt', { at: fmt.dateTime(revokedAt) })}</Tag>
        ) : (
          <Tag color="green">{t('keys.active')}</Tag>
        ),
    },
    ...(canWrite
      ? [
          {
            title: t('common.actions'),
            key: 'actions',
            render: (_: unknown, key: ApiKey) =>
              !key.revokedAt && (
                <Popconfirm
                  title={t('keys.revokeConfirm', { name: key.name })}
                  description={t('keys.revokeHint')}
                  okText={t('keys.revoke')}
                  okButtonProps={{ danger: true }}
                  onConfirm={() => revoke(key)}
                >
                  <Button type="link" danger size="small" data-testid={`revoke-${key.id}`}>
                    {t('keys.revoke')}
                  </Button>
                </Popconfirm>
              ),
          },
        ]
      : []),
  ];

  if (error) return <ErrorState error={error} onRetry={reload} />;

  return (
    <>
      <Flex justify="space-between" align="center" style={{ marginBottom: 16 }}>
        <Typography.Text type="secondary">{t(`keys.${kind}Hint`)}</Typography.Text>
        {canWrite && (
          <Button type="primary" icon={<PlusOutlined />} onClick={() => setCreating(true)} data-testid={`create-${kind}`}>
            {t('keys.create')}
          </Button>
        )}
      </Flex>
      <Table<ApiKey>
        rowKey="id"
        columns={columns}
        dataSource={data?.items}
        loading={loading}
        pagination={false}
        scroll={{ x: 720 }}
        locale={{ emptyText: t('keys.empty') }}
        data-testid={`${kind}-table`}
      />
      <Modal
        open={creating}
        title={t(`keys.${kind}CreateTitle`)}
        okText={t('keys.create')}
        confirmLoading={saving}
        onOk={() => form.submit()}
        onCancel={() => setCreating(false)}
        destroyOnHidden
      >
        <Form<NewKey>
          form={form}
          layout="vertical"
          initialValues={{ role: 'operator' }}
          onFinish={create}
          preserve={false}
        >
          <Form.Item name="name" label={t('keys.name')} rules={[{ required: true, whitespace: true, message: t('keys.nameRequired') }, { max: 80 }]}>
            <Input autoFocus placeholder={t(`keys.${kind}NamePlaceholder`)} data-testid="key-name" />
          </Form.Item>
          {withRole && (
            <Form.Item name="role" label={t('keys.role')} rules={[{ required: true }]}>
              <Select options={ASSIGNABLE_ROLES.map((role) => ({ value: role, label: t(`role.${role}`) }))} />
            </Form.Item>
          )}
        </Form>
      </Modal>
      <CreatedKeyModal created={created} onClose={() => setCreated(null)} />
    </>
  );
}
