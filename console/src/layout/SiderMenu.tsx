import { Menu, Tooltip, type MenuProps } from 'antd';
import { useTranslation } from 'react-i18next';
import { useLocation, useNavigate } from 'react-router-dom';
import { useSession } from '../hooks/useSession';
import { NAV, selectedNavKey, type NavEntry } from './nav';

type MenuItem = Required<MenuProps>['items'][number];

export function SiderMenu() {
  const { t } = useTranslation();
  const { can } = useSession();
  const navigate = useNavigate();
  const { pathname } = useLocation();

  const toItem = (entry: NavEntry): MenuItem => {
    const label = t(`nav.${entry.key}`);
    if (entry.children) {
      return { key: entry.key, icon: entry.icon, label, children: entry.children.map(toItem) };
    }
    if (!entry.path) {
      return {
        key: entry.key,
        icon: entry.icon,
        disabled: true,
        label: (
          <Tooltip title={t('nav.comingSoon')} placement="right">
            <span data-testid={`nav-${entry.key}`}>{label}</span>
          </Tooltip>
        ),
      };
    }
    const path = entry.path;
    return {
      key: entry.key,
      icon: entry.icon,
      label: <span data-testid={`nav-${entry.key}`}>{label}</span>,
      onClick: () => navigate(path),
    };
  };

  const items = NAV.filter((entry) => !entry.permission || can(entry.permission)).map(toItem);
  const selected = selectedNavKey(pathname);

  return <Menu mode="inline" items={items} selectedKeys={selected ? [selected] : []} style={{ borderInlineEnd: 0 }} />;
}
