import { LinkOutlined, PictureOutlined, AppstoreOutlined } from '@ant-design/icons';
import { Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import type { WelcomeMessage } from './types';

const SAMPLE = { 客户昵称: '王小红', customer_name: '王小红', 员工姓名: '周雅婷', staff_name: '周雅婷' };

/** The welcome message as the customer sees it in WeChat, variables filled with sample values. */
export function PhonePreview({ welcome, channelName, staffName }: { welcome: WelcomeMessage; channelName: string; staffName?: string }) {
  const { t } = useTranslation();
  const vars: Record<string, string> = { ...SAMPLE, ...(staffName ? { 员工姓名: staffName, staff_name: staffName } : {}), 渠道: channelName, channel: channelName };
  const text = welcome.text.replace(/\{\{\s*([^{}\s]+)\s*\}\}/g, (whole, name: string) => vars[name] ?? whole);
  const bubble = { background: '#fff', borderRadius: 6, padding: '8px 10px', maxWidth: 220, fontSize: 13, lineHeight: 1.5, boxShadow: '0 1px 1px rgba(0,0,0,.06)' };
  return (
    <div data-testid="phone-preview" style={{ width: 280, border: '10px solid #1f1f1f', borderRadius: 32, background: '#ededed', overflow: 'hidden' }}>
      <div style={{ background: '#f7f7f7', textAlign: 'center', padding: '10px 0', fontWeight: 600, borderBottom: '1px solid #ddd' }}>
        {staffName ?? SAMPLE.员工姓名}
        <Typography.Text type="secondary" style={{ fontSize: 11, marginLeft: 4 }}>
          @{t('wecom.preview.company')}
        </Typography.Text>
      </div>
      <div style={{ minHeight: 380, padding: 12, display: 'flex', flexDirection: 'column', gap: 10 }}>
        <div style={{ textAlign: 'center', fontSize: 11, color: '#999' }}>{t('wecom.preview.added')}</div>
        {text.trim() && <div style={{ ...bubble, whiteSpace: 'pre-wrap' }}>{text}</div>}
        {welcome.attachments.map((a, i) => (
          <div key={i} style={bubble}>
            {a.type === 'image' && (
              <span>
                <PictureOutlined /> {t('wecom.welcome.image')}
              </span>
            )}
            {a.type === 'link' && (
              <div>
                <div style={{ fontWeight: 600 }}>{a.title || t('wecom.welcome.link')}</div>
                <div style={{ color: '#888', fontSize: 12 }}>
                  <LinkOutlined /> {a.desc || a.url}
                </div>
              </div>
            )}
            {a.type === 'miniprogram' && (
              <div>
                <div style={{ color: '#888', fontSize: 12 }}>
                  <AppstoreOutlined /> {t('wecom.welcome.miniprogram')}
                </div>
                <div style={{ fontWeight: 600 }}>{a.title}</div>
              </div>
            )}
          </div>
        ))}
      </div>
    </div>
  );
}
