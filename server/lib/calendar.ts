/**
 * Calendar dates ('YYYY-MM-DD') in a member's own time zone. A day in recovery is a
 * calendar day where the member lives: it turns at their midnight, whatever the server's
 * zone, and a daylight-saving change makes no day count twice or not at all.
 */

const DAY_MS = 86_400_000;
const formats = new Map<string, Intl.DateTimeFormat>();

function formatFor(zone: string): Intl.DateTimeFormat {
  let f = formats.get(zone);
  if (!f) formats.set(zone, (f = new Intl.DateTimeFormat('en-CA', { timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit' })));
  return f;
}

/** The calendar date at `now` in `zone` (UTC when the member has not chosen one). */
export function todayIn(zone: string | null, now = new Date()): string {
  const parts = formatFor(zone ?? 'UTC').formatToParts(now);
  const get = (type: string) => parts.find((p) => p.type === type)!.value;
  return `${get('year')}-${get('month')}-${get('day')}`;
}

const toMs = (date: string) => Date.parse(`${date}T00:00:00Z`);

/** `date` moved by `n` whole days (calendar arithmetic: no time of day, no zone). */
export function addDays(date: string, n: number): string {
  return new Date(toMs(date) + n * DAY_MS).toISOString().slice(0, 10);
}

/** Whole days from `from` to `to` (negative when `to` is earlier). */
export function daysBetween(from: string, to: string): number {
  return Math.round((toMs(to) - toMs(from)) / DAY_MS);
}

/** The seven dates ending with `today`, oldest first. */
export function weekEnding(today: string): string[] {
  return Array.from({ length: 7 }, (_, i) => addDays(today, i - 6));
}
