import { DownOutlined, ShopOutlined } from '@ant-design/icons';
import { App, Button, Dropdown } from 'antd';
import { useTranslation } from 'react-i18next';
import { useLocation, useNavigate } from 'react-router-dom';
import { errorTitle } from '../api';
import { useSession } from '../hooks/useSession';

export function WorkspaceSwitcher() {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const { session, switchWorkspace } = useSession();
  const navigate = useNavigate();
  const { pathname } = useLocation();
  if (!session) return null;

  const current = session.workspace;
  const onSwitch = async (slug: string) => {
    if (slug === current.slug) return;
    try {
      await switchWorkspace(slug);
      // A record page of the old workspace does not exist in the new one: go to its list.
      if (pathname.startsWith('/customers/')) navigate('/customers');
      message.success(t('workspace.switched'));
    } catch (err) {
      message.error(errorTitle(err));
    }
  };

  return (
    <Dropdown
      trigger={['click']}
      menu={{
        selectable: true,
        selectedKeys: [current.slug],
        items: session.workspaces.map((ws) => ({
          key: ws.slug,
          label: `${ws.name} · ${t(`role.${ws.role}`)}`,
        })),
        onClick: ({ key }) => void onSwitch(key),
      }}
    >
      <Button type="text" icon={<ShopOutlined />} data-testid="workspace-switcher">
        {current.name}
        <DownOutlined style={{ fontSize: 10 }} />
      </Button>
    </Dropdown>
  );
}
