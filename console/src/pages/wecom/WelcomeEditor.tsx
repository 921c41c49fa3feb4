import { DeleteOutlined, PlusOutlined } from '@ant-design/icons';
import { Button, Form, Input, Select, Space, Tooltip, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import { api } from '../../api';
import { useRequest } from '../../hooks/useRequest';
import type { WelcomeTemplates } from './types';

/**
 * Welcome text with variable chips and the three-element templates (value preview, action
 * prompt, urgency), plus up to 9 attachments. Lives inside the live-code form under `welcome`.
 */
export function WelcomeEditor() {
  const { t } = useTranslation();
  const form = Form.useFormInstance();
  const templates = useRequest((signal) => api.get<WelcomeTemplates>('/api/wecom/welcome-templates', { signal }), []);
  const insert = (snippet: string) => {
    const text: string = form.getFieldValue(['welcome', 'text']) ?? '';
    form.setFieldValue(['welcome', 'text'], text ? `${text}${/\n$/.test(text) || snippet.startsWith('{{') ? '' : '\n'}${snippet}` : snippet);
  };
  const elements = ['value', 'action', 'urgency'] as const;
  return (
    <>
      <Space wrap style={{ marginBottom: 8 }}>
        <Typography.Text type="secondary">{t('wecom.welcome.variables')}</Typography.Text>
        {(templates.data?.variables ?? []).map((v) => (
          <Button key={v} size="small" onClick={() => insert(v)}>
            {v}
          </Button>
        ))}
      </Space>
      <Space wrap style={{ marginBottom: 8 }}>
        <Typography.Text type="secondary">{t('wecom.welcome.templates')}</Typography.Text>
        {elements.map((el) => (
          <Select
            key={el}
            size="small"
            style={{ width: 150 }}
            placeholder={t(`wecom.welcome.element.${el}`)}
            value={null}
            options={(templates.data?.templates ?? []).filter((x) => x.element === el).map((x) => ({ value: x.text, label: <Tooltip title={x.text}>{x.text}</Tooltip> }))}
            onChange={(text: string) => insert(text)}
            data-testid={`template-${el}`}
          />
        ))}
      </Space>
      <Form.Item name={['welcome', 'text']} rules={[{ max: 4000 }]}>
        <Input.TextArea rows={5} placeholder={t('wecom.welcome.placeholder')} data-testid="welcome-text" />
      </Form.Item>
      <Form.List name={['welcome', 'attachments']}>
        {(fields, { add, remove }) => (
          <>
            {fields.map((field) => (
              <Space key={field.key} align="baseline" wrap style={{ display: 'flex' }}>
                <Form.Item name={[field.name, 'type']} rules={[{ required: true }]}>
                  <Select
                    style={{ width: 110 }}
                    options={['image', 'link', 'miniprogram'].map((v) => ({ value: v, label: t(`wecom.welcome.${v}`) }))}
                  />
                </Form.Item>
                <Form.Item noStyle shouldUpdate>
                  {() => {
                    const type = form.getFieldValue(['welcome', 'attachments', field.name, 'type']);
                    if (type === 'image') return <Form.Item name={[field.name, 'picUrl']} rules={[{ required: true, type: 'url' }]}><Input placeholder={t('wecom.welcome.picUrl')} style={{ width: 320 }} /></Form.Item>;
                    if (type === 'link')
                      return (
                        <>
                          <Form.Item name={[field.name, 'title']} rules={[{ required: true }]}><Input placeholder={t('wecom.welcome.title')} style={{ width: 160 }} /></Form.Item>
                          <Form.Item name={[field.name, 'url']} rules={[{ required: true, type: 'url' }]}><Input placeholder="https://" style={{ width: 220 }} /></Form.Item>
                        </>
                      );
                    return (
                      <>
                        <Form.Item name={[field.name, 'title']} rules={[{ required: true }]}><Input placeholder={t('wecom.welcome.title')} style={{ width: 120 }} /></Form.Item>
                        <Form.Item name={[field.name, 'appid']} rules={[{ required: true }]}><Input placeholder="AppID" style={{ width: 110 }} /></Form.Item>
                        <Form.Item name={[field.name, 'page']} rules={[{ required: true }]}><Input placeholder={t('wecom.welcome.page')} style={{ width: 120 }} /></Form.Item>
                        <Form.Item name={[field.name, 'picMediaId']} rules={[{ required: true }]}><Input placeholder="media_id" style={{ width: 110 }} /></Form.Item>
                      </>
                    );
                  }}
                </Form.Item>
                <Button icon={<DeleteOutlined />} type="text" onClick={() => remove(field.name)} />
              </Space>
            ))}
            {fields.length < 9 && (
              <Button icon={<PlusOutlined />} onClick={() => add({ type: 'link' })}>
                {t('wecom.welcome.addAttachment')}
              </Button>
            )}
          </>
        )}
      </Form.List>
    </>
  );
}
