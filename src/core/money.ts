/** Money is integer fen (分) everywhere; yuan appear only at the edges (Segment `total`, display). */
export type Fen = number;

export function yuanToFen(yuan: number | string): Fen {
  const n = typeof yuan === 'string' ? Number(yuan) : yuan;
  if (!Number.isFinite(n)) throw new RangeError(`not an amount: ${yuan}`);
  return Math.round(n * 100);
}

export function fenToYuan(fen: Fen): number {
  return fen / 100;
}

export function formatFen(fen: Fen, locale = 'zh-CN'): string {
  return new Intl.NumberFormat(locale, { style: 'currency', currency: 'CNY' }).format(fen / 100);
}
