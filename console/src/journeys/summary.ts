import type { TFunction } from 'i18next';
import type { Refs } from './refs';
import type { Duration, Step, Trigger } from './types';

export function durationText(t: TFunction, d: Duration | undefined): string {
  if (!d) return '';
  const parts: string[] = [];
  if (d.days) parts.push(t('journeys.dur.days', { count: d.days }));
  if (d.hours) parts.push(t('journeys.dur.hours', { count: d.hours }));
  if (d.minutes) parts.push(t('journeys.dur.minutes', { count: d.minutes }));
  return parts.join(' ');
}

const nameOf = (list: { id: string; name: string }[], id: string | undefined) => (id ? (list.find((x) => x.id === id)?.name ?? id.slice(0, 8)) : '—');

/** One line describing what a step does, shown on its node. */
export function stepSummary(t: TFunction, s: Step, refs: Refs): string {
  switch (s.kind) {
    case 'wait':
      return durationText(t, s.duration);
    case 'wait_until':
      return s.time;
    case 'wait_golden':
      return t('journeys.summary.golden');
    case 'wait_event':
      return `${s.event} · ${t('journeys.summary.timeout', { d: durationText(t, s.timeout) })}`;
    case 'branch': {
      const c = s.condition;
      if (c.type === 'segment') return `${t('journeys.cond.segment')}: ${nameOf(refs.segments, c.segmentId)}`;
      if (c.type === 'tag') return `${t('journeys.cond.tag')}: ${nameOf(refs.tags, c.tagId)}`;
      if (c.type === 'trait') return `${c.trait} ${c.op} ${String(c.value ?? '')}`;
      if (c.type === 'event') return `${c.event} · ${c.withinHours}h`;
      return `${t('journeys.cond.reachable')}: ${t(`journeys.channel.${c.channel}`)}`;
    }
    case 'split':
      return s.arms.map((a) => `${a.key} ${a.weight}%`).join(' / ');
    case 'holdout':
      return `${s.percent}%`;
    case 'send':
      return `${t(`journeys.channel.${s.channel}`)} · ${nameOf(refs.templates, s.templateId)}`;
    case 'tag':
      return `${t(`journeys.tagOp.${s.op}`)} ${nameOf(refs.tags, s.tagId)}`;
    case 'set_trait':
      return `${s.trait} = ${String(s.value)}`;
    case 'grant':
      return s.reward.type === 'coupon' ? t('journeys.summary.coupon', { amount: s.reward.amountFen / 100 }) : t('journeys.summary.points', { points: s.reward.points });
    case 'group_invite':
      return nameOf(refs.groupCodes, s.groupCodeId);
    case 'task':
      return s.title;
    case 'webhook':
      return s.url;
    case 'exit':
      return '';
  }
}

export function triggerSummary(t: TFunction, tr: Trigger, refs: Refs): string {
  switch (tr.kind) {
    case 'event':
      return tr.event + (tr.where?.length ? ` (${tr.where.map((w) => `${w.property} ${w.op} ${String(w.value ?? '')}`).join(', ')})` : '');
    case 'segment':
      return `${t(`journeys.segmentOn.${tr.on}`)} ${nameOf(refs.segments, tr.segmentId)}`;
    case 'date':
      return t('journeys.summary.date', { trait: tr.trait, days: tr.offsetDays, at: tr.at });
    case 'schedule':
      return `${tr.cron} · ${nameOf(refs.segments, tr.segmentId)}`;
    case 'contact_added':
      return tr.liveCodeIds?.length ? tr.liveCodeIds.map((id) => nameOf(refs.liveCodes, id)).join(', ') : t('journeys.summary.anyCode');
    case 'manual':
      return t('journeys.summary.manual');
  }
}
