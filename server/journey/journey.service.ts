import type { Kysely } from 'kysely';
import type { MemberCalendars, MemberWrites } from '../accounts/accounts.doors';
import type { StartDateChange } from '../accounts/accounts.service';
import { milestoneLabel, milestonesReached, nextMilestone } from '../accounts/recovery-days';
import type { Viewer } from '../accounts/viewer';
import type { Goal, Journey } from '../contract/journey';
import type { Trx } from '../db/executor';
import type { DB } from '../db/schema';
import { exclusively } from '../db/transact';
import { conflict, notFound, validationFailed } from '../http/errors';
import { addDays, daysBetween, todayIn, weekEnding } from '../lib/calendar';
import * as repo from './journey.repository';

/** The advisory lock of the milestone round: one process celebrates at a time. */
const MILESTONE_LOCK = 0x4d696c65;
const PAGE = 500;

export interface JourneyDeps {
  db: Kysely<DB>;
  writes: MemberWrites;
  calendars: MemberCalendars;
  notifications: { notify(trx: Trx, userId: string, kind: 'milestone', data: Record<string, unknown>): Promise<void> };
}

/**
 * A restart keeps the streak that ended: from its start to the day before the new one (or
 * to today, when the member stops counting). A start moved earlier is a correction of the
 * same streak, and keeps nothing. Accounts calls this in the preferences change's own
 * transaction, before the journey's service exists (a door built from the repository).
 */
export const streakKeeper = {
  async startDateChanged(trx: Trx, change: StartDateChange): Promise<void> {
    const { before, after, today, userId } = change;
    if (before === null || (after !== null && after <= before)) return;
    const end = after === null ? today : addDays(after, -1);
    await repo.archiveStreak(trx, userId, before, end < before ? before : end);
  },
};

/** A member's own journey: days counted where they live, streaks kept, milestones, weekly goals. */
export class JourneyService {
  readonly #db: Kysely<DB>;

  constructor(private readonly deps: JourneyDeps) {
    this.#db = deps.db;
  }

  async journey(viewer: Viewer): Promise<Journey> {
    const me = await this.deps.calendars.calendarOf(this.#db, viewer.id);
    if (!me) throw notFound('Your account');
    const today = todayIn(me.time_zone);
    const week = weekEnding(today);
    const start = me.recovery_start_date && me.recovery_start_date <= today ? me.recovery_start_date : null;
    const current = start
      ? { startDate: start, days: daysBetween(start, today), reached: milestonesReached(start, today), next: nextMilestone(start, today) }
      : null;
    const streaks = (await repo.streaksOf(this.#db, viewer.id)).map((s) => ({ startDate: s.start_date, endDate: s.end_date, days: daysBetween(s.start_date, s.end_date) }));
    const all = [...streaks.map((s) => s.days), current?.days ?? 0];
    return {
      today, timeZone: me.time_zone, week, current, streaks,
      totalDays: all.reduce((a, b) => a + b, 0), longestStreak: Math.max(...all),
      goals: await this.#goalsWithWeek(viewer.id, week),
    };
  }

  async #goalsWithWeek(userId: string, week: string[]): Promise<Goal[]> {
    const goals = await repo.activeGoals(this.#db, userId);
    const checks = await repo.checksOf(this.#db, goals.map((g) => g.id), week[0]!);
    return goals.map((g) => ({ id: g.id, title: g.title, createdAt: g.created_at.toISOString(), done: checks.filter((c) => c.goal_id === g.id).map((c) => c.day) }));
  }

  async addGoal(viewer: Viewer, title: string) {
    return this.deps.writes.writeAs(viewer, 'member', async (trx) => {
      if ((await repo.countActiveGoals(trx, viewer.id)) >= repo.MAX_GOALS) {
        throw conflict(`You can keep up to ${repo.MAX_GOALS} goals at a time. Archive one to add another.`);
      }
      const g = await repo.insertGoal(trx, viewer.id, title);
      return { goal: { id: g.id, title: g.title, createdAt: g.created_at.toISOString(), done: [] } };
    });
  }

  /** Another member's goal answers exactly like a missing one. */
  async #ownGoal(trx: Trx, viewer: Viewer, goalId: string) {
    const goal = await repo.ownGoal(trx, viewer.id, goalId);
    if (!goal) throw notFound('That goal');
    return goal;
  }

  async changeGoal(viewer: Viewer, goalId: string, input: { title?: string | undefined; archived?: boolean | undefined }) {
    await this.deps.writes.writeAs(viewer, 'member', async (trx) => {
      const goal = await this.#ownGoal(trx, viewer, goalId);
      if (input.archived === false && goal.archived_at && (await repo.countActiveGoals(trx, viewer.id)) >= repo.MAX_GOALS) {
        throw conflict(`You can keep up to ${repo.MAX_GOALS} goals at a time.`);
      }
      await repo.updateGoal(trx, goalId, { ...(input.title !== undefined ? { title: input.title } : {}), ...(input.archived !== undefined ? { archived: input.archived } : {}) });
    });
  }

  async deleteGoal(viewer: Viewer, goalId: string) {
    await this.deps.writes.writeAs(viewer, 'member', async (trx) => {
      await this.#ownGoal(trx, viewer, goalId);
      await repo.deleteGoal(trx, goalId);
    });
  }

  /** Ticks (or unticks) a goal for one day of the week ending today, in the member's zone. */
  async checkGoal(viewer: Viewer, goalId: string, day: string, done: boolean) {
    await this.deps.writes.writeAs(viewer, 'member', async (trx) => {
      await this.#ownGoal(trx, viewer, goalId);
      const me = await this.deps.calendars.calendarOf(trx, viewer.id);
      const week = weekEnding(todayIn(me?.time_zone ?? null));
      if (!week.includes(day)) {
        throw validationFailed('A goal can be ticked for today and the six days before.', [{ path: 'params.date', message: 'must be within the last seven days' }]);
      }
      await repo.setCheck(trx, goalId, day, done);
    });
  }

  /**
   * Celebrates every milestone passed since the last round: one `milestone` notification,
   * once per streak, for the highest milestone a member newly reached (one who was away for
   * several gets the latest, not a pile). Runs under an advisory lock, so N processes
   * celebrate each milestone once; a milestone row and its notification commit together.
   */
  async celebrateMilestones(now = new Date()): Promise<number> {
    const sent = await exclusively(this.#db, MILESTONE_LOCK, async (trx) => {
      let count = 0;
      for (let after = '0'; ;) {
        const members = await this.deps.calendars.countingMembers(trx, after, PAGE);
        count += await this.#celebratePage(trx, members.filter((m): m is { id: string; start: string; zone: string | null } => m.start !== null), now);
        if (members.length < PAGE) break;
        after = members.at(-1)!.id;
      }
      return count;
    });
    return sent ?? 0;
  }

  async #celebratePage(trx: Trx, members: Array<{ id: string; start: string; zone: string | null }>, now: Date): Promise<number> {
    const already = await repo.milestonesSentIn(trx, members);
    let count = 0;
    for (const m of members) {
      const sent = already.get(m.id) ?? [];
      const due = milestonesReached(m.start, todayIn(m.zone, now)).map((r) => r.days).filter((d) => !sent.includes(d));
      const marked = await repo.markSent(trx, m.id, m.start, due);
      if (marked.length === 0) continue;
      const top = Math.max(...marked);
      await this.deps.notifications.notify(trx, m.id, 'milestone', { days: top, label: milestoneLabel(top) });
      count++;
    }
    return count;
  }

  // The journey's sections of a member's export, in document order (privacy/export.ts).

  async exportStreaks(userId: string) {
    return (await repo.streaksOf(this.#db, userId)).map((s) => ({ startDate: s.start_date, endDate: s.end_date, keptAt: s.created_at.toISOString() }));
  }

  async exportMilestones(userId: string) {
    return (await repo.milestonesSentTo(this.#db, userId)).map((m) => ({ streakStart: m.start_date, days: m.days, label: milestoneLabel(m.days), at: m.sent_at.toISOString() }));
  }

  async exportGoals(userId: string) {
    const goals = await repo.allGoals(this.#db, userId);
    const checks = await repo.checksOf(this.#db, goals.map((g) => g.id), null);
    return goals.map((g) => ({
      title: g.title, createdAt: g.created_at.toISOString(), archivedAt: g.archived_at ? new Date(g.archived_at).toISOString() : null,
      done: checks.filter((c) => c.goal_id === g.id).map((c) => c.day),
    }));
  }
}
