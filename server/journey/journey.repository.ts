import { sql } from 'kysely';
import type { Exec } from '../db/executor';

/** All SQL of streaks, celebrated milestones and goals. A member's start date and zone are accounts': asked through its door. */

export async function archiveStreak(db: Exec, userId: string, start: string, end: string) {
  await db.insertInto('recovery_streaks').values({ user_id: userId, start_date: start, end_date: end }).execute();
}

export function streaksOf(db: Exec, userId: string) {
  return db.selectFrom('recovery_streaks').select(['start_date', 'end_date', 'created_at']).where('user_id', '=', userId).orderBy('start_date', 'desc').execute();
}

/** The milestones already celebrated in each of these members' current streaks (keyed by member). */
export async function milestonesSentIn(db: Exec, streaks: Array<{ id: string; start: string }>): Promise<Map<string, number[]>> {
  if (streaks.length === 0) return new Map();
  const rows = await db
    .selectFrom('milestones_sent')
    .select(['user_id', 'start_date', 'days'])
    .where('user_id', 'in', streaks.map((s) => s.id))
    .execute();
  const startOf = new Map(streaks.map((s) => [s.id, s.start]));
  const sent = new Map<string, number[]>();
  for (const r of rows) {
    if (startOf.get(r.user_id) !== r.start_date) continue;
    sent.set(r.user_id, [...(sent.get(r.user_id) ?? []), r.days]);
  }
  return sent;
}

/** Marks milestones as celebrated; returns the ones this call marked (another process may have won some). */
export async function markSent(db: Exec, userId: string, start: string, keys: number[]): Promise<number[]> {
  if (keys.length === 0) return [];
  const rows = await db
    .insertInto('milestones_sent')
    .values(keys.map((days) => ({ user_id: userId, start_date: start, days })))
    .onConflict((oc) => oc.doNothing())
    .returning('days')
    .execute();
  return rows.map((r) => r.days);
}

export function milestonesSentTo(db: Exec, userId: string) {
  return db.selectFrom('milestones_sent').select(['start_date', 'days', 'sent_at']).where('user_id', '=', userId).orderBy('sent_at').execute();
}

export const MAX_GOALS = 20;

export function activeGoals(db: Exec, userId: string) {
  return db.selectFrom('goals').select(['id', 'title', 'created_at']).where('user_id', '=', userId).where('archived_at', 'is', null).orderBy('id').execute();
}

export function allGoals(db: Exec, userId: string) {
  return db.selectFrom('goals').select(['id', 'title', 'created_at', 'archived_at']).where('user_id', '=', userId).orderBy('id').execute();
}

export async function countActiveGoals(db: Exec, userId: string): Promise<number> {
  const { rows } = await sql<{ n: number }>`select count(*)::int as n from goals where user_id = ${userId} and archived_at is null`.execute(db);
  return rows[0]!.n;
}

export function insertGoal(db: Exec, userId: string, title: string) {
  return db.insertInto('goals').values({ user_id: userId, title }).returning(['id', 'title', 'created_at']).executeTakeFirstOrThrow();
}

/** A goal of this member's, locked for the change; undefined for anyone else's (which must look the same as none). */
export function ownGoal(db: Exec, userId: string, goalId: string) {
  return db.selectFrom('goals').select(['id', 'title', 'archived_at']).where('id', '=', goalId).where('user_id', '=', userId).forUpdate().executeTakeFirst();
}

export async function updateGoal(db: Exec, goalId: string, values: { title?: string; archived?: boolean }) {
  await db
    .updateTable('goals')
    .set({
      ...(values.title !== undefined ? { title: values.title } : {}),
      ...(values.archived !== undefined ? { archived_at: values.archived ? sql<Date>`now()` : null } : {}),
    })
    .where('id', '=', goalId)
    .execute();
}

export async function deleteGoal(db: Exec, goalId: string) {
  await db.deleteFrom('goals').where('id', '=', goalId).execute();
}

export async function setCheck(db: Exec, goalId: string, day: string, done: boolean) {
  if (done) await db.insertInto('goal_checks').values({ goal_id: goalId, day }).onConflict((oc) => oc.doNothing()).execute();
  else await db.deleteFrom('goal_checks').where('goal_id', '=', goalId).where('day', '=', day).execute();
}

export function checksOf(db: Exec, goalIds: string[], from: string | null) {
  if (goalIds.length === 0) return Promise.resolve([]);
  let q = db.selectFrom('goal_checks').select(['goal_id', 'day']).where('goal_id', 'in', goalIds);
  if (from) q = q.where('day', '>=', from);
  return q.orderBy('day').execute();
}
