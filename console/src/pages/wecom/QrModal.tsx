import { DownloadOutlined } from '@ant-design/icons';
import { Button, Image, Modal, Space, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import { shortLink } from './util';

/** The code's QR (its short link), the link itself with a channel tag example, and the poster. */
export function QrModal({ code, onClose }: { code: { id: string; name: string; short: string; state: string } | null; onClose: () => void }) {
  const { t } = useTranslation();
  if (!code) return null;
  const link = shortLink(code.short);
  return (
    <Modal open onCancel={onClose} footer={null} title={code.name} width={420}>
      <Space direction="vertical" align="center" style={{ width: '100%' }}>
        <Image src={`/api/wecom/codes/${code.id}/qr.png`} width={240} alt="QR" preview={false} data-testid="qr-image" />
        <Typography.Text copyable={{ text: link }}>{link}</Typography.Text>
        <Typography.Text type="secondary" copyable={{ text: `${link}?ch=sms` }}>
          {t('wecom.codes.linkHint')}
        </Typography.Text>
        <Typography.Text type="secondary">
          state: <Typography.Text code copyable>{code.state}</Typography.Text>
        </Typography.Text>
        <Button icon={<DownloadOutlined />} href={`/api/wecom/codes/${code.id}/poster.svg`} download>
          {t('wecom.codes.poster')}
        </Button>
      </Space>
    </Modal>
  );
}
