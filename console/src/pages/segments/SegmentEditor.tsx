import { DeleteOutlined, DownloadOutlined, ReloadOutlined } from '@ant-design/icons';
import { App, Button, Card, Col, Form, Input, InputNumber, Popconfirm, Row, Space, Tabs, Typography } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useNavigate, useParams } from 'react-router-dom';
import { api, errorTitle } from '../../api';
import { DateTime } from '../../components/DateTime';
import { ErrorState } from '../../components/ErrorState';
import { Loading } from '../../components/Loading';
import { applyFieldErrors } from '../../formErrors';
import { useFormat } from '../../hooks/useFormat';
import { useRequest } from '../../hooks/useRequest';
import { useSession } from '../../hooks/useSession';
import type { Page } from '../../types';
import { CustomerTable } from './CustomerTable';
import { LivePreview, type PreviewErrors } from './LivePreview';
import { emptyGroup, RuleBuilder } from './RuleBuilder';
import type { Group, Member, Rule, RunResult, Segment } from './types';
import { useCatalog } from './useCatalog';

interface Values {
  name: string;
  description: string;
  refreshMinutes: number;
}

/** The builder's root is a group; a saved rule that is a single condition is wrapped in one. */
function asGroup(rule: Rule): Group {
  return rule.type === 'and' || rule.type === 'or' ? rule : { type: 'and', rules: [rule] };
}

/** Create or edit a segment: name, the visual rule with a live count, members, export. */
export default function SegmentEditor() {
  const { id } = useParams();
  const existing = useRequest((signal) => (id ? api.get<Segment>(`/api/segments/${id}`, { signal }) : Promise.resolve(null)), [id]);
  const catalog = useCatalog();
  if (existing.error) return <ErrorState error={existing.error} onRetry={existing.reload} />;
  if (catalog.error) return <ErrorState error={catalog.error} onRetry={catalog.reload} />;
  if (existing.data === undefined || !catalog.data) return <Loading />;
  return <Editor key={id ?? 'new'} segment={existing.data} catalog={catalog.data} onSaved={existing.reload} />;
}

function Editor({ segment, catalog, onSaved }: { segment: Segment | null; catalog: NonNullable<ReturnType<typeof useCatalog>['data']>; onSaved: () => void }) {
  const { t } = useTranslation();
  const fmt = useFormat();
  const navigate = useNavigate();
  const { can } = useSession();
  const { message } = App.useApp();
  const [form] = Form.useForm<Values>();
  const [rule, setRule] = useState<Group>(segment ? asGroup(segment.rule) : emptyGroup());
  const [errors, setErrors] = useState<PreviewErrors>([]);
  const [saving, setSaving] = useState(false);
  const writable = can('customers:write');

  const save = async () => {
    const values = await form.validateFields();
    setSaving(true);
    try {
      const body = { ...values, rule };
      const saved = segment ? await api.put<Segment>(`/api/segments/${segment.id}`, body) : await api.post<Segment>('/api/segments', body);
      message.success(t('segments.saved', { count: saved.members }));
      if (segment) onSaved();
      else navigate(`/segments/${saved.id}`, { replace: true });
    } catch (err) {
      applyFieldErrors(form, ['name', 'description', 'refreshMinutes'], err);
      const fieldErrors = (err as { problem?: { errors?: PreviewErrors } }).problem?.errors ?? [];
      setErrors(fieldErrors.filter((e) => e.path.startsWith('body.rule')));
      message.error(errorTitle(err));
    } finally {
      setSaving(false);
    }
  };

  const refresh = async () => {
    const r = await api.post<RunResult>(`/api/segments/${segment!.id}/refresh`);
    message.success(t('segments.refreshed', { entered: r.entered, exited: r.exited }));
    onSaved();
  };

  const remove = async () => {
    try {
      await api.delete(`/api/segments/${segment!.id}`);
      navigate('/segments');
    } catch (err) {
      message.error((err as { problem?: { detail?: string } }).problem?.detail ?? errorTitle(err));
    }
  };

  const editor = (
    <Row gutter={16}>
      <Col xs={24} xl={16}>
        <Space direction="vertical" style={{ width: '100%' }}>
          <Card size="small">
            <Form form={form} layout="inline" initialValues={{ name: segment?.name ?? '', description: segment?.description ?? '', refreshMinutes: segment?.refreshMinutes ?? 60 }} disabled={!writable}>
              <Form.Item name="name" label={t('segments.name')} rules={[{ required: true, max: 100 }]}>
                <Input style={{ width: 240 }} data-testid="segment-name" />
              </Form.Item>
              <Form.Item name="description" label={t('segments.description')}>
                <Input style={{ width: 280 }} />
              </Form.Item>
              <Form.Item name="refreshMinutes" label={t('segments.refreshMinutes')}>
                <InputNumber min={5} max={10080} />
              </Form.Item>
            </Form>
          </Card>
          <RuleBuilder value={rule} onChange={setRule} catalog={catalog} errors={errors} />
          {writable && (
            <Button type="primary" loading={saving} onClick={save} data-testid="segment-save">
              {t('segments.save')}
            </Button>
          )}
        </Space>
      </Col>
      <Col xs={24} xl={8}>
        <LivePreview rule={rule} onErrors={setErrors} />
      </Col>
    </Row>
  );

  if (!segment) {
    return (
      <Space direction="vertical" style={{ width: '100%' }}>
        <Typography.Title level={4} style={{ margin: 0 }}>
          {t('segments.create')}
        </Typography.Title>
        {editor}
      </Space>
    );
  }

  return (
    <Space direction="vertical" style={{ width: '100%' }}>
      <Space style={{ width: '100%', justifyContent: 'space-between' }} wrap>
        <Space direction="vertical" size={0}>
          <Typography.Title level={4} style={{ margin: 0 }}>
            {segment.name}
          </Typography.Title>
          <Typography.Text type="secondary">
            {t('segments.summary', { members: fmt.number(segment.members) })} · {t('segments.refreshedAt')} <DateTime iso={segment.refreshedAt} />
          </Typography.Text>
        </Space>
        <Space>
          <Button icon={<DownloadOutlined />} href={`/api/segments/${segment.id}/export`} data-testid="segment-export">
            {t('segments.export')}
          </Button>
          {writable && (
            <>
              <Button icon={<ReloadOutlined />} onClick={refresh}>
                {t('segments.refresh')}
              </Button>
              <Popconfirm title={t('segments.confirmDelete')} onConfirm={remove}>
                <Button danger icon={<DeleteOutlined />}>
                  {t('segments.delete')}
                </Button>
              </Popconfirm>
            </>
          )}
        </Space>
      </Space>
      <Tabs
        items={[
          { key: 'rule', label: t('segments.rule'), children: editor },
          {
            key: 'members',
            label: t('segments.membersTab'),
            children: (
              <Card>
                <CustomerTable<Member>
                  fetchPage={(cursor, signal) => api.get<Page<Member>>(`/api/segments/${segment.id}/members`, { query: { cursor, limit: 20 }, signal })}
                  resetKey={`${segment.id}:${segment.refreshedAt}`}
                  extra={[{ title: t('segments.since'), dataIndex: 'since', render: (iso: string) => <DateTime iso={iso} /> }]}
                />
              </Card>
            ),
          },
        ]}
      />
    </Space>
  );
}
