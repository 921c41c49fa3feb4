import { Flex, Layout, Space, theme, Typography } from 'antd';
import { Suspense, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Outlet, useLocation } from 'react-router-dom';
import { ErrorBoundary } from '../components/ErrorBoundary';
import { LanguageSwitch } from '../components/LanguageSwitch';
import { Loading } from '../components/Loading';
import { useSession } from '../hooks/useSession';
import { OperatorMenu } from './OperatorMenu';
import { SiderMenu } from './SiderMenu';
import { WorkspaceSwitcher } from './WorkspaceSwitcher';

const SIDER_WIDTH = 216;
const HEADER_HEIGHT = 56;

export function AppLayout() {
  const { t } = useTranslation();
  const { session } = useSession();
  const { token } = theme.useToken();
  const [collapsed, setCollapsed] = useState(false);
  const { pathname } = useLocation();

  return (
    <Layout style={{ minHeight: '100vh' }}>
      <Layout.Sider
        theme="light"
        width={SIDER_WIDTH}
        collapsible
        collapsed={collapsed}
        onCollapse={setCollapsed}
        breakpoint="lg"
        style={{
          borderInlineEnd: `1px solid ${token.colorBorderSecondary}`,
          position: 'sticky',
          top: 0,
          height: '100vh',
          overflow: 'auto',
        }}
      >
        <Flex align="center" gap={10} style={{ height: HEADER_HEIGHT, paddingInline: collapsed ? 24 : 20 }}>
          <img src="/favicon.svg" alt="" width={28} height={28} />
          {!collapsed && (
            <Typography.Text strong style={{ fontSize: 17, whiteSpace: 'nowrap' }}>
              {t('brand')}
            </Typography.Text>
          )}
        </Flex>
        <SiderMenu />
      </Layout.Sider>
      <Layout>
        <Layout.Header
          style={{
            height: HEADER_HEIGHT,
            lineHeight: `${HEADER_HEIGHT}px`,
            paddingInline: 16,
            background: token.colorBgContainer,
            borderBottom: `1px solid ${token.colorBorderSecondary}`,
            position: 'sticky',
            top: 0,
            zIndex: 10,
          }}
        >
          <Flex align="center" justify="space-between" style={{ height: '100%' }}>
            <WorkspaceSwitcher />
            <Space size={4}>
              <LanguageSwitch />
              <OperatorMenu />
            </Space>
          </Flex>
        </Layout.Header>
        <Layout.Content style={{ padding: 24 }}>
          <ErrorBoundary resetKey={pathname}>
            <Suspense fallback={<Loading />}>
              {/* Remount the page on workspace switch so it reloads its data. */}
              <Outlet key={session?.workspace.id} />
            </Suspense>
          </ErrorBoundary>
        </Layout.Content>
      </Layout>
    </Layout>
  );
}
