import { useMemo } from 'react';
import { useTranslation } from 'react-i18next';
import { useSession } from './useSession';

const DEFAULT_TIMEZONE = 'Asia/Shanghai';

export interface Formatters {
  timezone: string;
  number: (value: number) => string;
  /** Integer fen → "¥1,234.50". */
  money: (fen: number) => string;
  /** Integer fen → "¥1.2万" / "¥12K", for chart axes. */
  moneyCompact: (fen: number) => string;
  /** ISO instant → date and time in the workspace time zone. */
  dateTime: (iso: string | null | undefined) => string;
  /** Calendar date "YYYY-MM-DD" (already in the workspace zone) → localized date. */
  day: (date: string | null | undefined) => string;
  /** Calendar date "YYYY-MM-DD" → short month/day, for chart axes. */
  shortDay: (date: string) => string;
}

const EMPTY = '—';

function validTimezone(tz: string | undefined): string {
  if (!tz) return DEFAULT_TIMEZONE;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return tz;
  } catch {
    return DEFAULT_TIMEZONE;
  }
}

function parseDay(date: string): Date | null {
  const match = /^(\d{4})-(\d{2})-(\d{2})/.exec(date);
  if (!match) return null;
  return new Date(Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3])));
}

function makeFormatters(locale: string, tz: string | undefined): Formatters {
  const timezone = validTimezone(tz);
  const number = new Intl.NumberFormat(locale);
  const currency = { style: 'currency', currency: 'CNY', currencyDisplay: 'narrowSymbol' } as const;
  const money = new Intl.NumberFormat(locale, { ...currency, minimumFractionDigits: 2, maximumFractionDigits: 2 });
  const moneyCompact = new Intl.NumberFormat(locale, { ...currency, notation: 'compact', maximumFractionDigits: 1 });
  const dateTime = new Intl.DateTimeFormat(locale, {
    timeZone: timezone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  });
  const day = new Intl.DateTimeFormat(locale, { timeZone: 'UTC', year: 'numeric', month: '2-digit', day: '2-digit' });
  const shortDay = new Intl.DateTimeFormat(locale, { timeZone: 'UTC', month: '2-digit', day: '2-digit' });

  return {
    timezone,
    number: (value) => number.format(value),
    money: (fen) => money.format(fen / 100),
    moneyCompact: (fen) => moneyCompact.format(fen / 100),
    dateTime: (iso) => {
      if (!iso) return EMPTY;
      const date = new Date(iso);
      return Number.isNaN(date.getTime()) ? iso : dateTime.format(date);
    },
    day: (value) => {
      if (!value) return EMPTY;
      const date = parseDay(value);
      return date ? day.format(date) : value;
    },
    shortDay: (value) => {
      const date = parseDay(value);
      return date ? shortDay.format(date) : value;
    },
  };
}

/** Locale- and time-zone-aware formatters for the current language and workspace. */
export function useFormat(): Formatters {
  const { i18n } = useTranslation();
  const { session } = useSession();
  const timezone = session?.workspace.timezone;
  return useMemo(() => makeFormatters(i18n.language, timezone), [i18n.language, timezone]);
}
