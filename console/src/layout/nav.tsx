import {
  ApartmentOutlined,
  ApiOutlined,
  AppstoreOutlined,
  BarChartOutlined,
  CommentOutlined,
  CrownOutlined,
  DashboardOutlined,
  FileTextOutlined,
  IdcardOutlined,
  ImportOutlined,
  MessageOutlined,
  NodeIndexOutlined,
  QrcodeOutlined,
  SafetyOutlined,
  SendOutlined,
  SettingOutlined,
  ShareAltOutlined,
  TagsOutlined,
  TeamOutlined,
  UsergroupAddOutlined,
  WechatOutlined,
} from '@ant-design/icons';
import type { ReactNode } from 'react';

/**
 * The sider menu. An entry without `path` is a module that a later release adds: it is shown
 * disabled with a "coming soon" tooltip. Labels are i18n keys `nav.<key>`.
 */
export interface NavEntry {
  key: string;
  icon: ReactNode;
  path?: string;
  permission?: string;
  children?: NavEntry[];
}

export const NAV: NavEntry[] = [
  { key: 'dashboard', icon: <DashboardOutlined />, path: '/' },
  { key: 'customers', icon: <TeamOutlined />, path: '/customers' },
  { key: 'imports', icon: <ImportOutlined />, path: '/imports', permission: 'customers:write' },
  { key: 'tags', icon: <TagsOutlined />, path: '/tags' },
  { key: 'segments', icon: <ApartmentOutlined />, path: '/segments' },
  { key: 'rfm', icon: <AppstoreOutlined />, path: '/rfm' },
  {
    key: 'wecom',
    icon: <WechatOutlined />,
    children: [
      { key: 'liveCodes', icon: <QrcodeOutlined />, path: '/wecom/live-codes' },
      { key: 'customerGroups', icon: <CommentOutlined />, path: '/wecom/groups' },
      { key: 'staff', icon: <IdcardOutlined />, path: '/wecom/staff' },
    ],
  },
  { key: 'journeys', icon: <NodeIndexOutlined />, path: '/journeys' },
  { key: 'campaigns', icon: <SendOutlined />, path: '/campaigns' },
  {
    key: 'messages',
    icon: <MessageOutlined />,
    children: [
      { key: 'messageTemplates', icon: <FileTextOutlined />, path: '/messages/templates' },
      { key: 'messagePolicies', icon: <SafetyOutlined />, path: '/messages/policies' },
      { key: 'channels', icon: <ApiOutlined />, path: '/messages/channels', permission: 'settings:read' },
    ],
  },
  { key: 'community', icon: <UsergroupAddOutlined /> },
  { key: 'loyalty', icon: <CrownOutlined /> },
  { key: 'fission', icon: <ShareAltOutlined /> },
  { key: 'analytics', icon: <BarChartOutlined /> },
  { key: 'settings', icon: <SettingOutlined />, path: '/settings', permission: 'settings:read' },
];

/** The menu key of the entry whose path is the longest prefix of `pathname`. */
export function selectedNavKey(pathname: string): string | undefined {
  let best: NavEntry | undefined;
  for (const entry of NAV.flatMap((e) => [e, ...(e.children ?? [])])) {
    const path = entry.path;
    if (!path) continue;
    const matches = path === '/' ? pathname === '/' : pathname === path || pathname.startsWith(`${path}/`);
    if (matches && (!best || path.length > (best.path?.length ?? 0))) best = entry;
  }
  return best?.key;
}
