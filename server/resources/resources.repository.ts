import type { Exec } from '../db/executor';

/** All SQL of pinned community resources and members' toolkits. Posts are the forum's: read through its door. */

export function pinsOf(db: Exec, communityId: string) {
  return db
    .selectFrom('community_resources')
    .select(['id', 'title', 'position', 'post_id', 'created_at'])
    .where('community_id', '=', communityId)
    .orderBy('position')
    .orderBy('id')
    .execute();
}

export function insertPin(db: Exec, v: { communityId: string; postId: string; title: string; position: number }) {
  return db
    .insertInto('community_resources')
    .values({ community_id: v.communityId, post_id: v.postId, title: v.title, position: v.position })
    .onConflict((oc) => oc.columns(['community_id', 'post_id']).doNothing())
    .returning(['id', 'title', 'position', 'post_id', 'created_at'])
    .executeTakeFirst();
}

export function pinForUpdate(db: Exec, id: string) {
  return db
    .selectFrom('community_resources')
    .select(['id', 'title', 'position', 'post_id', 'created_at'])
    .where('id', '=', id)
    .forUpdate()
    .executeTakeFirst();
}

export function updatePin(db: Exec, id: string, v: { title?: string | undefined; position?: number | undefined }) {
  return db
    .updateTable('community_resources')
    .set({ ...(v.title !== undefined ? { title: v.title } : {}), ...(v.position !== undefined ? { position: v.position } : {}) })
    .where('id', '=', id)
    .returning(['id', 'title', 'position', 'post_id', 'created_at'])
    .executeTakeFirstOrThrow();
}

export async function deletePin(db: Exec, id: string) {
  await db.deleteFrom('community_resources').where('id', '=', id).execute();
}

export function toolkitOf(db: Exec, userId: string) {
  return db.selectFrom('toolkit_items').select(['post_id', 'created_at']).where('user_id', '=', userId).orderBy('created_at', 'desc').execute();
}

export async function saveToToolkit(db: Exec, userId: string, postId: string) {
  await db.insertInto('toolkit_items').values({ user_id: userId, post_id: postId }).onConflict((oc) => oc.doNothing()).execute();
}

export async function removeFromToolkit(db: Exec, userId: string, postId: string) {
  await db.deleteFrom('toolkit_items').where('user_id', '=', userId).where('post_id', '=', postId).execute();
}
