import { Alert, Card, List, Statistic, Typography } from 'antd';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router-dom';
import { ApiError, api } from '../../api';
import { useDebouncedValue } from '../../hooks/useDebouncedValue';
import { useFormat } from '../../hooks/useFormat';
import type { Preview, Rule } from './types';

export type PreviewErrors = { path: string; message: string }[];

/**
 * The count and a sample of the customers a rule matches now, refreshed while the rule is being
 * edited (after a short pause). Validation errors go back to the builder through `onErrors`.
 */
export function LivePreview({ rule, onErrors }: { rule: Rule; onErrors: (errors: PreviewErrors) => void }) {
  const { t } = useTranslation();
  const fmt = useFormat();
  const settled = useDebouncedValue(JSON.stringify(rule), 500);
  const [state, setState] = useState<{ loading: boolean; preview?: Preview; error?: string }>({ loading: true });

  useEffect(() => {
    const controller = new AbortController();
    const parsed = JSON.parse(settled) as Rule;
    if ((parsed.type === 'and' || parsed.type === 'or') && parsed.rules.length === 0) {
      setState({ loading: false, error: t('segments.emptyRule') });
      onErrors([]);
      return () => controller.abort();
    }
    setState((s) => ({ ...s, loading: true }));
    api.post<Preview>('/api/segments/preview', { rule: parsed }, { signal: controller.signal }).then(
      (preview) => {
        setState({ loading: false, preview });
        onErrors([]);
      },
      (err: unknown) => {
        if (controller.signal.aborted) return;
        const problem = err instanceof ApiError ? err.problem : null;
        setState({ loading: false, error: problem?.errors?.[0]?.message ?? problem?.detail ?? problem?.title ?? String(err) });
        onErrors(problem?.errors ?? []);
      },
    );
    return () => controller.abort();
    // onErrors is the parent's setter; only the rule matters.
  }, [settled]);

  return (
    <Card title={t('segments.preview')} size="small" data-testid="live-preview">
      {state.error ? (
        <Alert type="warning" showIcon message={state.error} />
      ) : (
        <>
          <Statistic title={t('segments.matching')} value={state.preview ? fmt.number(state.preview.count) : '—'} loading={state.loading && !state.preview} valueRender={(v) => <span data-testid="preview-count">{v}</span>} />
          <Typography.Text type="secondary">{t('segments.sample')}</Typography.Text>
          <List
            size="small"
            dataSource={state.preview?.sample ?? []}
            renderItem={(c) => (
              <List.Item>
                <Link to={`/customers/${c.id}`}>{c.name || t('customer.anonymous')}</Link>
                <Typography.Text type="secondary">{[c.phone, c.city].filter(Boolean).join(' · ')}</Typography.Text>
              </List.Item>
            )}
          />
        </>
      )}
    </Card>
  );
}
