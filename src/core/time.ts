/** Calendar math in a workspace's zone: the start of the local day containing `at`, as a UTC instant. */
export function zonedDayStart(at: Date, timeZone: string): Date {
  const local = formatDateInZone(at, timeZone);
  const guess = new Date(`${local}T00:00:00Z`);
  // The offset at the guess, applied once, lands on local midnight (zones here have no DST at midnight).
  return new Date(guess.getTime() - zoneOffsetMs(guess, timeZone));
}

/** YYYY-MM-DD of `at` in the zone. */
export function formatDateInZone(at: Date, timeZone: string): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(at);
}

function zoneOffsetMs(at: Date, timeZone: string): number {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    })
      .formatToParts(at)
      .map((p) => [p.type, p.value]),
  );
  const asUtc = Date.UTC(+parts.year, +parts.month - 1, +parts.day, +parts.hour, +parts.minute, +parts.second);
  return asUtc - Math.floor(at.getTime() / 1000) * 1000;
}
