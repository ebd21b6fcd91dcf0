/** Recovery days and the milestones members may choose to show ("90 days"). */
export const MILESTONE_DAYS = [1, 7, 14, 30, 60, 90, 180, 365, 730, 1095, 1825, 3650] as const;

export function milestoneLabel(days: number): string {
  if (days === 1) return '1 day';
  if (days >= 365 && days % 365 === 0) return days === 365 ? '1 year' : `${days / 365} years`;
  return `${days} days`;
}

/** Whole days from the start date (UTC) to `now`; null when the date lies ahead. */
export function recoveryDays(startDate: string | null, now = new Date()): number | null {
  if (!startDate) return null;
  const start = Date.parse(`${startDate}T00:00:00Z`);
  const today = Date.parse(`${now.toISOString().slice(0, 10)}T00:00:00Z`);
  const days = Math.floor((today - start) / 86_400_000);
  return days >= 0 ? days : null;
}

export function milestonesReached(days: number) {
  return MILESTONE_DAYS.filter((m) => m <= days).map((m) => ({ days: m, label: milestoneLabel(m) }));
}
