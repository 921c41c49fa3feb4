import { Alert, Button, Card, Input, Space, Typography } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, errorTitle } from '../../api';
import { CustomerSelect } from '../../components/CustomerSelect';

/** Renders a saved template for a real customer (and an optional triggering event). */
export function TemplatePreview({ templateId }: { templateId: string }) {
  const { t } = useTranslation();
  const [customerId, setCustomerId] = useState<string>();
  const [event, setEvent] = useState('');
  const [result, setResult] = useState<unknown>();
  const [failure, setFailure] = useState<string | null>(null);

  const preview = async () => {
    setFailure(null);
    let ev: unknown;
    if (event.trim()) {
      try {
        ev = JSON.parse(event);
      } catch {
        setFailure(t('messages.badJson'));
        return;
      }
    }
    try {
      setResult(await api.post(`/api/messages/templates/${templateId}/preview`, { customerId, ...(ev ? { event: ev } : {}) }));
    } catch (err) {
      setFailure(errorTitle(err));
    }
  };

  const rendered = result && typeof result === 'object' && 'rendered' in result ? (result as { rendered: unknown }).rendered : result;
  return (
    <Card size="small" title={t('messages.preview')} data-testid="template-preview">
      <Space direction="vertical" style={{ width: '100%' }}>
        <CustomerSelect placeholder={t('messages.pickCustomer')} value={customerId} onChange={setCustomerId} testId="preview-customer" />
        <Input.TextArea rows={2} placeholder={t('messages.eventJson')} value={event} onChange={(e) => setEvent(e.target.value)} style={{ fontFamily: 'monospace' }} />
        <Button disabled={!customerId} onClick={() => void preview()} data-testid="preview-run">
          {t('messages.renderPreview')}
        </Button>
        {failure && <Alert type="error" showIcon title={failure} />}
        {rendered !== undefined && <Rendered value={rendered} />}
      </Space>
    </Card>
  );
}

function Rendered({ value }: { value: unknown }) {
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    const v = value as Record<string, unknown>;
    return (
      <div data-testid="preview-rendered">
        {Object.entries(v).map(([k, x]) => (
          <div key={k} style={{ marginBottom: 8 }}>
            <Typography.Text type="secondary">{k}</Typography.Text>
            <div style={{ whiteSpace: 'pre-wrap', background: 'rgba(0,0,0,0.03)', padding: 8, borderRadius: 6 }}>{typeof x === 'string' ? x : JSON.stringify(x, null, 2)}</div>
          </div>
        ))}
      </div>
    );
  }
  return <pre data-testid="preview-rendered">{JSON.stringify(value, null, 2)}</pre>;
}
