import { GlobalOutlined } from '@ant-design/icons';
import { Button, Dropdown } from 'antd';
import { useTranslation } from 'react-i18next';
import { currentLanguage, LANGUAGES, setLanguage } from '../i18n';

export function LanguageSwitch() {
  const { t } = useTranslation();
  const language = currentLanguage();
  return (
    <Dropdown
      trigger={['click']}
      menu={{
        selectable: true,
        selectedKeys: [language],
        items: LANGUAGES.map((lang) => ({ key: lang, label: t(`language.${lang}`) })),
        onClick: ({ key }) => {
          const picked = LANGUAGES.find((lang) => lang === key);
          if (picked) void setLanguage(picked);
        },
      }}
    >
      <Button type="text" icon={<GlobalOutlined />} data-testid="language-switch">
        {t(`language.${language}`)}
      </Button>
    </Dropdown>
  );
}
