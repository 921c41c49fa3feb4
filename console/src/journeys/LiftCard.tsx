import { Card, Statistic, Tag, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import { ciText, pct, pp, type ConversionLift } from './analytics';

/** Conversion of treated vs holdout: the difference with its 95% interval and the relative lift. */
export function LiftCard({ lift }: { lift: ConversionLift }) {
  const { t } = useTranslation();
  return (
    <Card data-testid="lift-card">
      <Statistic title={t('journeys.analytics.lift')} value={pp(lift.difference)} />
      <Typography.Paragraph type="secondary" style={{ margin: 0 }}>
        {t('journeys.analytics.ci', { ci: ciText(lift.differenceCi, (v) => pp(v)) })}
      </Typography.Paragraph>
      <Typography.Paragraph type="secondary" style={{ margin: 0 }}>
        {t('journeys.analytics.relative', { lift: pct(lift.relativeLift), ci: ciText(lift.relativeLiftCi, (v) => pct(v)) })}
      </Typography.Paragraph>
      <Tag color={lift.significant ? 'green' : 'default'} style={{ marginTop: 8 }}>
        {lift.significant ? t('journeys.analytics.significant') : t('journeys.analytics.notSignificant')}
      </Tag>
    </Card>
  );
}
