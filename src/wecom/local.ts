import { formatDateInZone, zonedDayStart } from '../core/index.js';
import type { Ctx } from '../store/index.js';

/** The workspace's zone: live-code caps count local days, schedules use local hours. */
export async function workspaceZone(ctx: Ctx, workspaceId: string): Promise<string> {
  const ws = await ctx.db.selectFrom('workspaces').select('timezone').where('id', '=', workspaceId).executeTakeFirst();
  return ws?.timezone ?? ctx.config.timezone;
}

export function localTime(at: Date, timeZone: string): { day: string; dayStart: Date; weekday: number; minutes: number } {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', weekday: 'short', hour: '2-digit', minute: '2-digit' })
      .formatToParts(at)
      .map((p) => [p.type, p.value]),
  );
  const weekday = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'].indexOf(parts.weekday) + 1;
  return { day: formatDateInZone(at, timeZone), dayStart: zonedDayStart(at, timeZone), weekday, minutes: Number(parts.hour) * 60 + Number(parts.minute) };
}
