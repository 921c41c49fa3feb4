import { InboxOutlined } from '@ant-design/icons';
import { Alert, App, Button, Card, Radio, Space, Steps, Typography, Upload } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, ApiError, errorTitle } from '../../api';
import { MappingTable, PreviewRows } from './MappingTable';
import { KINDS, type FieldMapping, type ImportEncoding, type ImportKind, type ImportView, type Preview } from './types';
import { fileSample, uploadImport } from './upload';

/** Choose what and which file → check the suggested mapping on a preview → upload. */
export function ImportWizard({ onStarted }: { onStarted: (job: ImportView) => void }) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const [kind, setKind] = useState<ImportKind>('orders');
  const [encoding, setEncoding] = useState<ImportEncoding>('utf-8');
  const [file, setFile] = useState<File | null>(null);
  const [preview, setPreview] = useState<Preview | null>(null);
  const [mapping, setMapping] = useState<FieldMapping>({});
  const [problem, setProblem] = useState<string | null>(null);
  const [fieldErrors, setFieldErrors] = useState<Record<string, string>>({});
  const [busy, setBusy] = useState(false);

  const load = async (f: File, k: ImportKind, enc: ImportEncoding) => {
    setBusy(true);
    setProblem(null);
    setFieldErrors({});
    try {
      const p = await api.post<Preview>('/api/imports/preview', { kind: k, encoding: enc, filename: f.name, ...(await fileSample(f)) });
      setPreview(p);
      setMapping(p.suggested);
    } catch (err) {
      setPreview(null);
      setProblem(describe(err));
    } finally {
      setBusy(false);
    }
  };

  const start = async () => {
    if (!file) return;
    setBusy(true);
    setProblem(null);
    setFieldErrors({});
    try {
      const job = await uploadImport({ kind, encoding, mapping, file });
      message.success(t('imports.started'));
      setFile(null);
      setPreview(null);
      onStarted(job);
    } catch (err) {
      const errors = err instanceof ApiError ? (err.problem.errors ?? []) : [];
      setFieldErrors(Object.fromEntries(errors.filter((e) => e.path.startsWith('mapping.')).map((e) => [e.path.slice('mapping.'.length), e.message])));
      setProblem(describe(err));
    } finally {
      setBusy(false);
    }
  };

  const step = preview ? 1 : 0;
  return (
    <Card title={t('imports.new')}>
      <Steps size="small" current={step} items={[{ title: t('imports.steps.file') }, { title: t('imports.steps.mapping') }, { title: t('imports.steps.run') }]} style={{ marginBottom: 24 }} />
      <Space direction="vertical" size="middle" style={{ width: '100%' }}>
        <Space wrap size="large">
          <Space>
            <Typography.Text>{t('imports.kind')}</Typography.Text>
            <Radio.Group
              value={kind}
              optionType="button"
              options={KINDS.map((k) => ({ value: k, label: t(`imports.kinds.${k}`) }))}
              onChange={(e) => {
                setKind(e.target.value);
                if (file) void load(file, e.target.value, encoding);
              }}
              data-testid="import-kind"
            />
          </Space>
          <Space>
            <Typography.Text>{t('imports.encoding')}</Typography.Text>
            <Radio.Group
              value={encoding}
              options={[
                { value: 'utf-8', label: 'UTF-8' },
                { value: 'gb18030', label: t('imports.gb18030') },
              ]}
              onChange={(e) => {
                setEncoding(e.target.value);
                if (file) void load(file, kind, e.target.value);
              }}
            />
          </Space>
        </Space>
        <Upload.Dragger
          accept=".csv,.txt,.jsonl,.ndjson,.json"
          multiple={false}
          showUploadList={false}
          beforeUpload={(f) => {
            setFile(f);
            void load(f, kind, encoding);
            return false; // read here for the preview; uploaded once the mapping is confirmed
          }}
        >
          <p className="ant-upload-drag-icon">
            <InboxOutlined />
          </p>
          <p className="ant-upload-text">{file ? file.name : t('imports.drop')}</p>
          <p className="ant-upload-hint">{t(`imports.hints.${kind}`)}</p>
        </Upload.Dragger>
        {problem && <Alert type="error" showIcon message={problem} data-testid="import-problem" />}
        {preview && file && (
          <>
            <Typography.Title level={5}>{t('imports.previewTitle')}</Typography.Title>
            <PreviewRows preview={preview} />
            <Typography.Title level={5}>{t('imports.mappingTitle')}</Typography.Title>
            <Typography.Paragraph type="secondary">{t(`imports.mappingHelp.${kind}`)}</Typography.Paragraph>
            <MappingTable kind={kind} preview={preview} mapping={mapping} onChange={setMapping} errors={fieldErrors} />
            <Button type="primary" loading={busy} onClick={() => void start()} data-testid="import-start">
              {t('imports.start')}
            </Button>
          </>
        )}
      </Space>
    </Card>
  );
}

function describe(err: unknown): string {
  if (err instanceof ApiError) return err.problem.detail ?? err.problem.errors?.[0]?.message ?? err.problem.title;
  return errorTitle(err);
}
