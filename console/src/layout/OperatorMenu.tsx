import { LogoutOutlined, UserOutlined } from '@ant-design/icons';
import { App, Avatar, Button, Dropdown, Flex, theme, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import { useNavigate } from 'react-router-dom';
import { errorTitle } from '../api';
import { useSession } from '../hooks/useSession';

export function OperatorMenu() {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const { session, logout } = useSession();
  const { token } = theme.useToken();
  const navigate = useNavigate();
  const operator = session?.operator;
  if (!session || !operator) return null;

  const onLogout = async () => {
    navigate('/login', { replace: true });
    try {
      await logout();
    } catch (err) {
      message.error(errorTitle(err));
    }
  };

  return (
    <Dropdown
      trigger={['click']}
      menu={{
        items: [
          {
            type: 'group',
            label: (
              <Flex vertical style={{ minWidth: 160 }}>
                <Typography.Text strong>{operator.name}</Typography.Text>
                <Typography.Text type="secondary">{operator.email}</Typography.Text>
                <Typography.Text type="secondary">
                  {session.workspace.name} · {t(`role.${session.workspace.role}`)}
                </Typography.Text>
              </Flex>
            ),
          },
          { type: 'divider' },
          { key: 'logout', icon: <LogoutOutlined />, label: t('auth.logout'), danger: true },
        ],
        onClick: ({ key }) => {
          if (key === 'logout') void onLogout();
        },
      }}
    >
      <Button type="text" data-testid="operator-menu">
        <Avatar size="small" icon={<UserOutlined />} style={{ backgroundColor: token.colorPrimary }} />
        {operator.name}
      </Button>
    </Dropdown>
  );
}
