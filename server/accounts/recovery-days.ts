import { addDays, daysBetween, todayIn } from '../lib/calendar';

/**
 * Recovery days and milestones, counted in calendar days where the member lives. The
 * milestones are 1, 7, 14, 30, 60, 90 and 180 days, then 1, 2, 3, 5 and 10 years: a year is
 * the anniversary of the start date (29 February's falls on 28 February), not 365 days.
 * Each milestone's key is its number of days (a year counts as 365).
 */
export const MILESTONE_DAYS = [1, 7, 14, 30, 60, 90, 180, 365, 730, 1095, 1825, 3650] as const;

export function milestoneLabel(key: number): string {
  if (key === 1) return '1 day';
  if (key >= 365 && key % 365 === 0) return key === 365 ? '1 year' : `${key / 365} years`;
  return `${key} days`;
}

/** The calendar date on which a streak that began on `start` reaches milestone `key`. */
export function milestoneDate(start: string, key: number): string {
  if (key < 365) return addDays(start, key);
  const years = key / 365;
  const [y, m, d] = start.split('-').map(Number) as [number, number, number];
  const year = String(y + years).padStart(4, '0');
  const month = String(m).padStart(2, '0');
  // 29 February, in a year without one, is celebrated on the 28th.
  const lastDay = new Date(Date.UTC(y + years, m, 0)).getUTCDate();
  return `${year}-${month}-${String(Math.min(d, lastDay)).padStart(2, '0')}`;
}

/** Whole days from the start date to today in `zone`; null without a date or when it lies ahead. */
export function recoveryDays(startDate: string | null, now = new Date(), zone: string | null = null): number | null {
  if (!startDate) return null;
  const days = daysBetween(startDate, todayIn(zone, now));
  return days >= 0 ? days : null;
}

/** The milestones a streak that began on `start` has reached by `today`, with their dates. */
export function milestonesReached(start: string, today: string) {
  return MILESTONE_DAYS.map((key) => ({ days: key, label: milestoneLabel(key), on: milestoneDate(start, key) })).filter((m) => m.on <= today);
}

/** The next milestone ahead, with its date and how many days away it is. */
export function nextMilestone(start: string, today: string) {
  for (const key of MILESTONE_DAYS) {
    const on = milestoneDate(start, key);
    if (on > today) return { days: key, label: milestoneLabel(key), on, inDays: daysBetween(today, on) };
  }
  return null;
}
