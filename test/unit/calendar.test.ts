import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { milestoneDate, milestonesReached, MILESTONE_DAYS, nextMilestone, recoveryDays } from '../../server/accounts/recovery-days';
import { isTimeZone } from '../../server/contract/common';
import { addDays, daysBetween, todayIn, weekEnding } from '../../server/lib/calendar';

/** Zones with daylight saving (both hemispheres), half-hour and far offsets, and UTC. */
const ZONES = ['UTC', 'Europe/London', 'Europe/Paris', 'America/New_York', 'America/Los_Angeles', 'Australia/Sydney', 'Australia/Lord_Howe', 'Asia/Kolkata', 'Pacific/Kiritimati', 'Pacific/Pago_Pago', 'America/St_Johns', 'Asia/Kathmandu'];
const zone = fc.constantFrom(...ZONES);
const date = fc.date({ min: new Date('1990-01-01T00:00:00Z'), max: new Date('2080-12-31T00:00:00Z'), noInvalidDate: true }).map((d) => d.toISOString().slice(0, 10));
const instant = fc.date({ min: new Date('1990-01-01T00:00:00Z'), max: new Date('2080-12-31T00:00:00Z'), noInvalidDate: true });

describe('calendar dates in a member’s zone', () => {
  it('adding n days and counting back gives n, for any date and n', () => {
    fc.assert(fc.property(date, fc.integer({ min: -20_000, max: 20_000 }), (d, n) => daysBetween(d, addDays(d, n)) === n && addDays(addDays(d, n), -n) === d));
  });

  it('today in a zone is the UTC date or a neighbour, and matches the zone’s own clock', () => {
    fc.assert(fc.property(instant, zone, (t, z) => {
      const today = todayIn(z, t);
      const utc = t.toISOString().slice(0, 10);
      const local = new Intl.DateTimeFormat('sv-SE', { timeZone: z, dateStyle: 'short' }).format(t);
      return Math.abs(daysBetween(utc, today)) <= 1 && today === local;
    }));
  });

  it('across any run of hours, DST changes included, the day count never falls and never skips a day', () => {
    fc.assert(fc.property(date, instant, zone, fc.integer({ min: 24, max: 24 * 40 }), (start, from, z, hours) => {
      let last = -Infinity;
      for (let h = 0; h <= hours; h++) {
        const days = daysBetween(start, todayIn(z, new Date(from.getTime() + h * 3_600_000)));
        if (days < last || (last !== -Infinity && days - last > 1)) return false;
        last = days;
      }
      return true;
    }), { numRuns: 60 });
  });

  it('counts recovery days from the start date to today where the member lives', () => {
    // 23:30 on 30 June in New York is already 1 July in UTC.
    const t = new Date('2026-07-01T03:30:00Z');
    expect(recoveryDays('2026-06-01', t, 'America/New_York')).toBe(29);
    expect(recoveryDays('2026-06-01', t, 'UTC')).toBe(30);
    expect(recoveryDays('2026-07-01', t, 'America/New_York')).toBeNull(); // not yet begun there
    expect(recoveryDays(null, t)).toBeNull();
  });

  it('a year is the anniversary; 29 February’s falls on the 28th', () => {
    expect(milestoneDate('2024-02-29', 365)).toBe('2025-02-28');
    expect(milestoneDate('2024-02-29', 1460 / 4 * 4)).toBe('2028-02-29');
    expect(milestoneDate('2025-03-10', 730)).toBe('2027-03-10');
    expect(milestoneDate('2025-03-10', 90)).toBe('2025-06-08');
    fc.assert(fc.property(date, fc.constantFrom(...MILESTONE_DAYS), (start, key) => {
      const on = milestoneDate(start, key);
      const days = daysBetween(start, on);
      return key < 365 ? days === key : Math.abs(days - key) <= Math.ceil(key / 365 / 4) + 1;
    }));
  });

  it('milestones reached and the next one agree with each other on every day', () => {
    fc.assert(fc.property(date, fc.integer({ min: 0, max: 4000 }), (start, n) => {
      const today = addDays(start, n);
      const reached = milestonesReached(start, today);
      const next = nextMilestone(start, today);
      const keys = reached.map((r) => r.days);
      const sorted = keys.every((k, i) => i === 0 || k > keys[i - 1]!);
      const nextIsFirstUnreached = next === null ? keys.length === MILESTONE_DAYS.length : MILESTONE_DAYS[keys.length] === next.days && next.on > today && next.inDays === daysBetween(today, next.on);
      return sorted && reached.every((r) => r.on <= today) && nextIsFirstUnreached;
    }));
  });

  it('knows real time zones and refuses anything else', () => {
    for (const z of ZONES) expect(isTimeZone(z)).toBe(true);
    for (const z of ['', 'Mars/Olympus', 'Europe/Paris; drop table', 'x'.repeat(65)]) expect(isTimeZone(z)).toBe(false);
    expect(weekEnding('2026-03-02')).toEqual(['2026-02-24', '2026-02-25', '2026-02-26', '2026-02-27', '2026-02-28', '2026-03-01', '2026-03-02']);
  });
});
