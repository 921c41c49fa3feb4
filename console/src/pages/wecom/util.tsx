import { Alert, Button } from 'antd';
import { useTranslation } from 'react-i18next';
import { useNavigate } from 'react-router-dom';
import { ApiError, errorTitle } from '../../api';

/** The problem's detail when there is one: WeCom's refusals (errcode and message) live there. */
export function problemText(err: unknown): string {
  if (err instanceof ApiError && err.problem.detail) return `${err.problem.title}：${err.problem.detail}`;
  return errorTitle(err);
}

export const CHANNELS: { key: string; zh: string }[] = [
  { key: 'xiaohongshu', zh: '小红书' },
  { key: 'douyin', zh: '抖音' },
  { key: 'parcel_card', zh: '包裹卡' },
  { key: 'store', zh: '门店' },
  { key: 'mp', zh: '公众号' },
  { key: 'sms', zh: '短信' },
  { key: 'taobao', zh: '淘宝' },
  { key: 'livestream', zh: '直播' },
];

export function shortLink(short: string): string {
  return `${window.location.origin}/s/${short}`;
}

/** Shown on WeCom pages until a corp is connected. */
export function ConnectHint() {
  const { t } = useTranslation();
  const navigate = useNavigate();
  return (
    <Alert
      type="info"
      showIcon
      message={t('wecom.notConnected')}
      description={t('wecom.notConnectedHint')}
      action={
        <Button type="primary" onClick={() => navigate('/wecom/connect')}>
          {t('wecom.connect.title')}
        </Button>
      }
    />
  );
}
