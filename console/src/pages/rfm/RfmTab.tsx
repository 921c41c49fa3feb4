import { ReloadOutlined, SettingOutlined } from '@ant-design/icons';
import { App, Button, Card, Col, Drawer, Form, Input, InputNumber, Modal, Radio, Row, Select, Space, Table, Tag, Typography, type TableColumnsType } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, errorTitle } from '../../api';
import { ErrorState } from '../../components/ErrorState';
import { Loading } from '../../components/Loading';
import { applyFieldErrors } from '../../formErrors';
import { useFormat } from '../../hooks/useFormat';
import { useRequest } from '../../hooks/useRequest';
import { useSession } from '../../hooks/useSession';
import type { Page } from '../../types';
import { CustomerTable } from '../segments/CustomerTable';
import { type GridCell, RfHeatmap, ShareChart } from './RfmCharts';
import type { CustomerCard } from '../segments/types';
import type { Movement, RfmCustomer, RfmSegmentSummary, RfmSettings, RfmSnapshot } from './types';

type Pick = { segment?: string; r?: number; f?: number; title: string };

/** RFM: the 8 segments with strategies, the R × F heat map, shares, movement; every number drills down. */
export function RfmTab() {
  const { t, i18n } = useTranslation();
  const fmt = useFormat();
  const { can } = useSession();
  const { message } = App.useApp();
  const [snapshot, setSnapshot] = useState<string | undefined>();
  const [pick, setPick] = useState<Pick | null>(null);
  const [settingsOpen, setSettingsOpen] = useState(false);
  const [computing, setComputing] = useState(false);
  const en = i18n.language === 'en-US';
  const data = useRequest(
    async (signal) => {
      // The summary first: it computes the first snapshot of a workspace that has none.
      const summary = await api.get<{ snapshot: RfmSnapshot; segments: RfmSegmentSummary[] }>('/api/rfm/summary', { query: { snapshot }, signal });
      const [grid, snapshots] = await Promise.all([
        api.get<{ cells: GridCell[] }>('/api/rfm/grid', { query: { snapshot: summary.snapshot.id }, signal }),
        api.get<{ items: RfmSnapshot[] }>('/api/rfm/snapshots', { signal }),
      ]);
      return { ...summary, cells: grid.cells, snapshots: snapshots.items };
    },
    [snapshot],
  );
  if (data.error) return <ErrorState error={data.error} onRetry={data.reload} />;
  if (!data.data) return <Loading />;
  const { segments, cells, snapshots } = data.data;
  const current = data.data.snapshot;
  const nameOf = (key: string) => {
    const s = segments.find((x) => x.key === key);
    return s ? (en ? s.nameEn : s.name) : t('layers.none');
  };

  const recompute = async () => {
    setComputing(true);
    try {
      await api.post<RfmSnapshot>('/api/rfm/snapshots');
      setSnapshot(undefined);
      data.reload();
    } catch (err) {
      message.error(errorTitle(err));
    } finally {
      setComputing(false);
    }
  };

  const pct = (v: number) => `${(v * 100).toFixed(1)}%`;
  const columns: TableColumnsType<RfmSegmentSummary> = [
    {
      title: t('layers.segment'),
      key: 'name',
      render: (_v, s) => (
        <Space direction="vertical" size={0}>
          <Typography.Link onClick={() => setPick({ segment: s.key, title: en ? s.nameEn : s.name })} data-testid={`rfm-segment-${s.key}`}>
            {en ? s.nameEn : s.name}
          </Typography.Link>
          <Space size={2}>
            {(['r', 'f', 'm'] as const).map((d) => (
              <Tag key={d} color={s.high[d] ? 'green' : 'default'}>
                {d.toUpperCase()}
                {s.high[d] ? '↑' : '↓'}
              </Tag>
            ))}
          </Space>
        </Space>
      ),
    },
    { title: t('layers.customers'), dataIndex: 'customers', align: 'right', render: (n: number, s) => <Typography.Link onClick={() => setPick({ segment: s.key, title: en ? s.nameEn : s.name })}>{fmt.number(n)}</Typography.Link> },
    { title: t('layers.customerShare'), dataIndex: 'customerShare', align: 'right', render: pct },
    { title: t('layers.revenue'), dataIndex: 'revenueFen', align: 'right', render: (fen: number) => fmt.money(fen) },
    { title: t('layers.revenueShare'), dataIndex: 'revenueShare', align: 'right', render: pct },
    { title: t('layers.avgRecency'), dataIndex: 'avgRecencyDays', align: 'right', render: (d: number) => t('layers.days', { n: Math.round(d) }) },
    { title: t('layers.strategy'), key: 'strategy', render: (_v, s) => <Typography.Text type="secondary">{en ? s.strategyEn : s.strategy}</Typography.Text> },
  ];

  return (
    <Space direction="vertical" size="middle" style={{ width: '100%' }}>
      <Space wrap style={{ width: '100%', justifyContent: 'space-between' }}>
        <Space wrap>
          <Select
            style={{ width: 280 }}
            value={current.id}
            onChange={setSnapshot}
            options={snapshots.map((s) => ({ value: s.id, label: `${fmt.dateTime(s.at)} · ${t('layers.customersN', { n: fmt.number(s.customers) })}` }))}
            data-testid="rfm-snapshot"
          />
          <Typography.Text type="secondary">
            {t('layers.snapshotInfo', {
              customers: fmt.number(current.customers),
              revenue: fmt.money(current.revenueFen),
              window: current.settings.windowDays,
              method: t(`layers.scoring.${current.settings.scoring}`),
              center: t(`layers.center.${current.settings.compareTo}`),
            })}
          </Typography.Text>
        </Space>
        <Space>
          {can('customers:write') && (
            <Button icon={<ReloadOutlined />} loading={computing} onClick={recompute} data-testid="rfm-recompute">
              {t('layers.recompute')}
            </Button>
          )}
          {can('settings:write') && (
            <Button icon={<SettingOutlined />} onClick={() => setSettingsOpen(true)}>
              {t('layers.settings')}
            </Button>
          )}
        </Space>
      </Space>
      <Card size="small">
        <Table rowKey="key" columns={columns} dataSource={segments} pagination={false} size="small" data-testid="rfm-segments" />
      </Card>
      <Row gutter={16}>
        <Col xs={24} lg={12}>
          <Card title={t('layers.heatmap')} size="small">
            <RfHeatmap cells={cells} onPick={(r, f) => setPick({ r, f, title: `R${r} · F${f}` })} />
          </Card>
        </Col>
        <Col xs={24} lg={12}>
          <Card title={t('layers.shares')} size="small">
            <ShareChart segments={segments} onPick={(key) => setPick({ segment: key, title: nameOf(key) })} />
          </Card>
        </Col>
      </Row>
      <MovementCard nameOf={nameOf} first={snapshots[snapshots.length - 1] ?? current} />
      <Drawer open={!!pick} width={900} title={pick?.title} onClose={() => setPick(null)} destroyOnHidden>
        {pick && (
          <CustomerTable<RfmCustomer & { id: string }>
            rowKey="customerId"
            resetKey={JSON.stringify([current.id, pick])}
            fetchPage={async (cursor, signal) => {
              const page = await api.get<Page<RfmCustomer>>('/api/rfm/customers', { query: { snapshot: current.id, segment: pick.segment, r: pick.r, f: pick.f, cursor, limit: 20 }, signal });
              return { ...page, items: page.items.map((c) => ({ ...c, id: c.customerId })) };
            }}
            extra={[
              { title: 'R', dataIndex: 'r', align: 'center' },
              { title: 'F', dataIndex: 'f', align: 'center' },
              { title: 'M', dataIndex: 'm', align: 'center' },
              { title: t('layers.recency'), dataIndex: 'recencyDays', align: 'right', render: (d: number) => t('layers.days', { n: d }) },
              { title: t('layers.frequency'), dataIndex: 'frequency', align: 'right' },
              { title: t('layers.monetary'), dataIndex: 'monetaryFen', align: 'right', render: (fen: number) => fmt.money(fen) },
              { title: t('layers.segment'), dataIndex: 'segment', render: nameOf },
            ]}
          />
        )}
      </Drawer>
      <SettingsModal open={settingsOpen} onClose={() => setSettingsOpen(false)} onSaved={() => setSettingsOpen(false)} />
    </Space>
  );
}

/** YYYY-MM-DD of an instant in the workspace zone. */
const localDate = (iso: string | number, timeZone: string) => new Intl.DateTimeFormat('en-CA', { timeZone }).format(new Date(iso));

function MovementCard({ nameOf, first }: { nameOf: (key: string) => string; first: RfmSnapshot }) {
  const { t } = useTranslation();
  const fmt = useFormat();
  // From the oldest snapshot to today, in the workspace's time zone.
  const [range, setRange] = useState({ from: localDate(first.at, fmt.timezone), to: localDate(Date.now(), fmt.timezone) });
  const [cell, setCell] = useState<{ from: string; to: string } | null>(null);
  const data = useRequest((signal) => api.get<Movement>('/api/rfm/movement', { query: { fromDate: range.from, toDate: range.to }, signal }), [range.from, range.to]);
  const keys = ['important_value', 'important_develop', 'important_retain', 'important_winback', 'general_value', 'general_develop', 'general_retain', 'general_winback', 'none'];
  const count = (from: string, to: string) => data.data?.cells.find((c) => c.from === from && c.to === to)?.customers ?? 0;
  const rows = keys.map((from) => ({ from, ...Object.fromEntries(keys.map((to) => [to, count(from, to)])) }));
  const columns: TableColumnsType<(typeof rows)[number]> = [
    { title: `${t('layers.from')} \\ ${t('layers.to')}`, dataIndex: 'from', fixed: 'left', render: nameOf },
    ...keys.map((to) => ({
      title: nameOf(to),
      dataIndex: to,
      align: 'right' as const,
      render: (n: number, row: { from: string }) =>
        n ? (
          <Typography.Link strong={row.from !== to} type={row.from === to ? 'secondary' : undefined} onClick={() => setCell({ from: row.from, to })}>
            {fmt.number(n)}
          </Typography.Link>
        ) : (
          '·'
        ),
    })),
  ];
  return (
    <Card
      title={t('layers.movement')}
      size="small"
      extra={
        <Space>
          <Input type="date" value={range.from} onChange={(e) => setRange((r) => ({ ...r, from: e.target.value }))} data-testid="movement-from" />
          →
          <Input type="date" value={range.to} onChange={(e) => setRange((r) => ({ ...r, to: e.target.value }))} data-testid="movement-to" />
        </Space>
      }
    >
      {data.error ? (
        <Typography.Text type="secondary">{(data.error as { status?: number }).status === 404 ? t('layers.noSnapshot') : errorTitle(data.error)}</Typography.Text>
      ) : (
        <>
          {data.data && (
            <Typography.Paragraph type="secondary">
              {t('layers.movementInfo', { from: fmt.dateTime(data.data.from.at), to: fmt.dateTime(data.data.to.at), moved: fmt.number(data.data.moved) })}
            </Typography.Paragraph>
          )}
          <Table rowKey="from" columns={columns} dataSource={rows} loading={data.loading} pagination={false} size="small" scroll={{ x: true }} data-testid="rfm-movement" />
        </>
      )}
      <Drawer open={!!cell && !!data.data} width={820} title={cell && `${nameOf(cell.from)} → ${nameOf(cell.to)}`} onClose={() => setCell(null)} destroyOnHidden>
        {cell && data.data && (
          <CustomerTable
            resetKey={JSON.stringify([data.data.from.id, data.data.to.id, cell])}
            fetchPage={(cursor, signal) =>
              api.get<Page<CustomerCard>>('/api/rfm/movement/customers', {
                query: { fromSnapshot: data.data!.from.id, toSnapshot: data.data!.to.id, fromSegment: cell.from, toSegment: cell.to, cursor, limit: 20 },
                signal,
              })
            }
          />
        )}
      </Drawer>
    </Card>
  );
}

function SettingsModal({ open, onClose, onSaved }: { open: boolean; onClose: () => void; onSaved: () => void }) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const [form] = Form.useForm<RfmSettings & { r: string; f: string; m: string }>();
  const settings = useRequest((signal) => (open ? api.get<RfmSettings>('/api/rfm/settings', { signal }) : Promise.resolve(null)), [open]);
  const scoring = Form.useWatch('scoring', form);
  const list = (s: string) => s.split(/[,，\s]+/).filter(Boolean).map(Number);
  const save = async () => {
    const v = await form.validateFields();
    try {
      await api.put('/api/rfm/settings', { windowDays: v.windowDays, scoring: v.scoring, compareTo: v.compareTo, thresholds: { recencyDays: list(v.r), frequency: list(v.f), monetaryFen: list(v.m).map((y) => Math.round(y * 100)) } });
      message.success(t('layers.settingsSaved'));
      onSaved();
    } catch (err) {
      applyFieldErrors(form, ['windowDays', 'scoring', 'compareTo'], err);
      message.error((err as { problem?: { errors?: { message: string }[] } }).problem?.errors?.[0]?.message ?? errorTitle(err));
    }
  };
  const s = settings.data;
  return (
    <Modal open={open} title={t('layers.settings')} onCancel={onClose} onOk={save} destroyOnHidden>
      {s && (
        <Form
          form={form}
          layout="vertical"
          preserve={false}
          initialValues={{ ...s, r: s.thresholds.recencyDays.join(', '), f: s.thresholds.frequency.join(', '), m: s.thresholds.monetaryFen.map((fen) => fen / 100).join(', ') }}
        >
          <Form.Item name="windowDays" label={t('layers.window')} rules={[{ required: true }]}>
            <InputNumber min={1} max={3650} addonAfter={t('rules.days')} />
          </Form.Item>
          <Form.Item name="scoring" label={t('layers.scoringLabel')}>
            <Radio.Group options={['quintile', 'thresholds'].map((v) => ({ value: v, label: t(`layers.scoring.${v}`) }))} />
          </Form.Item>
          {scoring === 'thresholds' && (
            <>
              <Form.Item name="r" label={t('layers.thresholdR')}>
                <Input />
              </Form.Item>
              <Form.Item name="f" label={t('layers.thresholdF')}>
                <Input />
              </Form.Item>
              <Form.Item name="m" label={t('layers.thresholdM')}>
                <Input />
              </Form.Item>
            </>
          )}
          <Form.Item name="compareTo" label={t('layers.centerLabel')}>
            <Radio.Group options={['mean', 'median'].map((v) => ({ value: v, label: t(`layers.center.${v}`) }))} />
          </Form.Item>
        </Form>
      )}
    </Modal>
  );
}
