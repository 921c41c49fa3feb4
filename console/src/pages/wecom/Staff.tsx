import { Button, Card, Table, Typography, type TableColumnsType } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../../api';
import { ErrorState } from '../../components/ErrorState';
import { useFormat } from '../../hooks/useFormat';
import { useRequest } from '../../hooks/useRequest';
import { useSession } from '../../hooks/useSession';
import { TransferModal } from './TransferModal';
import type { Staff as StaffRow } from './types';

/** 员工: WeCom members with their current customers and today's adds and deletes. */
export default function Staff() {
  const { t } = useTranslation();
  const fmt = useFormat();
  const { can } = useSession();
  const [handover, setHandover] = useState<StaffRow | null>(null);
  const staff = useRequest((signal) => api.get<{ items: StaffRow[] }>('/api/wecom/staff', { signal }), []);
  if (staff.error) return <ErrorState error={staff.error} onRetry={staff.reload} />;
  const columns: TableColumnsType<StaffRow> = [
    { title: t('wecom.staff.name'), dataIndex: 'name', render: (v: string) => <Typography.Text strong>{v}</Typography.Text> },
    { title: 'UserID', dataIndex: 'userid' },
    { title: t('wecom.staff.department'), dataIndex: 'department', render: (v: string | null) => v ?? '—' },
    { title: t('wecom.staff.customers'), dataIndex: 'customers', align: 'right', sorter: (a, b) => a.customers - b.customers, render: fmt.number },
    { title: t('wecom.staff.addsToday'), dataIndex: 'addsToday', align: 'right', render: fmt.number },
    { title: t('wecom.staff.deletesToday'), dataIndex: 'deletesToday', align: 'right', render: fmt.number },
    {
      title: t('common.actions'),
      key: 'actions',
      render: (_v, s) =>
        can('customers:write') && (
          <Button type="link" onClick={() => setHandover(s)} disabled={s.customers === 0}>
            {t('wecom.transfer.action')}
          </Button>
        ),
    },
  ];
  return (
    <>
      <Typography.Title level={4} style={{ marginTop: 0 }}>
        {t('nav.staff')}
      </Typography.Title>
      <Card>
        <Table rowKey="userid" loading={staff.loading} columns={columns} dataSource={staff.data?.items ?? []} pagination={false} data-testid="staff-table" />
      </Card>
      {handover && (
        <TransferModal
          from={handover}
          staff={staff.data?.items ?? []}
          onClose={() => {
            setHandover(null);
            staff.reload();
          }}
        />
      )}
    </>
  );
}
