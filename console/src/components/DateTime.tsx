import { useFormat } from '../hooks/useFormat';

/** An instant in the workspace time zone, kept on one line in table cells. */
export function DateTime({ iso }: { iso: string | null | undefined }) {
  const fmt = useFormat();
  return <span className="siyu-nowrap">{fmt.dateTime(iso)}</span>;
}
