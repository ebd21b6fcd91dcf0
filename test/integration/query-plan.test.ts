import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { claimReplyQuery, pagePostsQuery } from '../../server/forum/forum.repository';
import { childPath } from '../../server/forum/tree-path';
import { useApp } from '../helpers/context';
import { until } from '../helpers/wait';

const onPostgres = Boolean(process.env.DATABASE_URL);

const ctx = useApp();

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  Plans?: PlanNode[];
}

function nodes(plan: PlanNode): PlanNode[] {
  return [plan, ...(plan.Plans ?? []).flatMap(nodes)];
}

/**
 * The plan PostgreSQL uses for a statement once it is prepared and has switched to a
 * generic plan (made without the parameters' values): hot statements run prepared, and a
 * generic plan must still be an index probe.
 */
async function genericPlan(query: { compile(): { sql: string; parameters: readonly unknown[] } }): Promise<PlanNode> {
  const { sql: text, parameters } = query.compile();
  const literal = (v: unknown) => (typeof v === 'number' ? String(v) : `'${String(v).replace(/'/g, "''")}'`);
  return ctx.db.connection().execute(async (conn) => {
    await sql.raw(`prepare haven_plan_check as ${text}`).execute(conn);
    try {
      await sql`set plan_cache_mode = force_generic_plan`.execute(conn);
      const { rows } = await sql.raw<{ 'QUERY PLAN': Array<{ Plan: PlanNode }> }>(`explain (format json) execute haven_plan_check(${parameters.map(literal).join(', ')})`).execute(conn);
      return rows[0]!['QUERY PLAN'][0]!.Plan;
    } finally {
      await sql`reset plan_cache_mode`.execute(conn);
      await sql`deallocate haven_plan_check`.execute(conn);
    }
  });
}

describe('reading page k of a big thread', () => {
  it('is an index range scan with a LIMIT: no sequential scan of posts, no sort', async () => {
    const m = await ctx.newMember();
    const { thread, post: root } = await ctx.newThread(m);
    const rootRow = await ctx.db.selectFrom('posts').select(['path']).where('id', '=', root.id).executeTakeFirstOrThrow();
    // 20,000 replies: most flat, every tenth one nested under the one before it.
    const rows = [];
    let lastPath = rootRow.path;
    for (let i = 0; i < 20_000; i++) {
      const nested = i % 10 === 9;
      const path = nested ? childPath(lastPath, 0) : childPath(rootRow.path, i);
      if (!nested) lastPath = path;
      rows.push({ thread_id: thread.id, path, depth: nested ? 2 : 1, author_id: m.id, body_md: `reply ${i}`, body_html: `<p>reply ${i}</p>`, content_warnings: [] });
    }
    // In batches small enough that embedded PGlite never blocks the event loop for long.
    for (let i = 0; i < rows.length; i += 500) await ctx.db.insertInto('posts').values(rows.slice(i, i + 500)).execute();
    // A few other threads so that posts is not all one thread.
    for (let i = 0; i < 3; i++) await ctx.reply(m, (await ctx.newThread(m)).thread.id);
    await sql`analyze`.execute(ctx.db);

    const after = rows[15_000]!.path;
    const query = pagePostsQuery(ctx.db, thread.id, after, 51);
    const explained = await query.explain('json');
    const plan = (explained[0] as { 'QUERY PLAN': Array<{ Plan: PlanNode }> })['QUERY PLAN'][0]!.Plan;
    const all = nodes(plan);
    expect(plan['Node Type']).toBe('Limit');
    expect(all.some((n) => n['Node Type'] === 'Index Scan' && n['Index Name'] === 'posts_thread_path_idx')).toBe(true);
    expect(all.filter((n) => n['Relation Name'] === 'posts' && n['Node Type'] === 'Seq Scan')).toEqual([]);
    expect(all.filter((n) => n['Node Type'].includes('Sort'))).toEqual([]);
    // The same as a prepared statement with a generic plan, as the app runs it.
    const generic = nodes(await genericPlan(query));
    expect(generic.some((n) => n['Node Type'] === 'Index Scan' && n['Index Name'] === 'posts_thread_path_idx')).toBe(true);
    // (A small users table may be scanned whole for the authors; posts never is.)
    expect(generic.filter((n) => (n['Relation Name'] === 'posts' && n['Node Type'].includes('Seq Scan')) || n['Node Type'].includes('Sort'))).toEqual([]);

    // And the page it reads is the right one.
    const page = await query.execute();
    expect(page).toHaveLength(51);
    expect(page[0]!.path > after).toBe(true);
  });
});

describe('claiming the ordinal of a reply in a 100,000-reply thread', () => {
  it('is one probe of the unique (thread_id, path) index, for a reply to the thread as for a nested one', async () => {
    const m = await ctx.newMember();
    const { thread, post: root } = await ctx.newThread(m);
    const rootRow = await ctx.db.selectFrom('posts').select(['path']).where('id', '=', root.id).executeTakeFirstOrThrow();
    for (let i = 0; i < 100_000; i += 1_000) {
      const rows = Array.from({ length: 1_000 }, (_, k) => ({
        thread_id: thread.id, path: childPath(rootRow.path, i + k), depth: 1, author_id: m.id, body_md: 'r', body_html: '<p>r</p>', content_warnings: [],
      }));
      await ctx.db.insertInto('posts').values(rows).execute();
    }
    await ctx.db.updateTable('posts').set({ child_count: 100_000 }).where('id', '=', root.id).execute();
    await sql`analyze posts`.execute(ctx.db);
    const nested = await ctx.db.selectFrom('posts').select('id').where('thread_id', '=', thread.id).where('path', '=', childPath(rootRow.path, 50_000)).executeTakeFirstOrThrow();

    // The parent is one probe of an index. (The threads table here holds a handful of rows,
    // which the planner may read whole to find the one it bumps; posts it never reads whole.)
    const scans = (all: Array<PlanNode & { 'Index Cond'?: string; Filter?: string }>) => ({
      posts: all.filter((n) => n['Relation Name'] === 'posts' && n['Node Type'] !== 'ModifyTable'),
      parent: all.find((n) => n['Relation Name'] === 'posts' && n['Node Type'] !== 'ModifyTable'),
    });
    for (const parentId of [null, nested.id]) {
      const explained = await claimReplyQuery(ctx.db, thread.id, parentId).explain('json');
      const plan = (explained[0] as { 'QUERY PLAN': Array<{ Plan: PlanNode }> })['QUERY PLAN'][0]!.Plan;
      const all = nodes(plan) as Array<PlanNode & { 'Index Cond'?: string; Filter?: string }>;
      const { posts, parent } = scans(all);
      expect(posts, String(parentId)).toHaveLength(1);
      expect(parent?.['Node Type'], String(parentId)).toBe('Index Scan');
      expect(parent?.['Index Name'], String(parentId)).toBe(parentId ? 'posts_pkey' : 'posts_thread_path_idx');
      // The whole condition is in the index: nothing is read and then thrown away.
      if (!parentId) expect(parent?.['Index Cond']).toMatch(/thread_id.*path|path.*thread_id/);
      expect(parent?.Filter ?? '', String(parentId)).not.toMatch(/depth/);
      const generic = nodes(await genericPlan(claimReplyQuery(ctx.db, thread.id, parentId))) as typeof all;
      expect(scans(generic).posts, `generic, ${parentId}`).toHaveLength(1);
      expect(scans(generic).parent?.['Index Name'], `generic, ${parentId}`).toBe(parentId ? 'posts_pkey' : 'posts_thread_path_idx');
    }
    // And the claim counts the reply and hands out the next ordinal.
    const claimed = await ctx.db.transaction().execute((trx) => claimReplyQuery(trx, thread.id, null).executeTakeFirstOrThrow());
    expect(claimed.child_count).toBe(100_001);
    expect(claimed.thread_id).toBe(thread.id);
  }, 180_000);
});

describe('a reply and the thread row', () => {
  it('leaves every indexed column of the thread untouched, so the update stays off the indexes (HOT on PostgreSQL)', async () => {
    const m = await ctx.newMember();
    const { thread } = await ctx.newThread(m);
    const indexed = () => ctx.db.selectFrom('threads').select(['id', 'community_id', 'last_activity_at', 'author_id', sql<string>`search::text`.as('search')]).where('id', '=', thread.id).executeTakeFirstOrThrow();
    const hot = async () => {
      const { rows } = await sql<{ n: string | null }>`select n_tup_hot_upd::text as n from pg_stat_user_tables where relname = 'threads'`.execute(ctx.db);
      return Number(rows[0]?.n ?? 0);
    };
    const before = await indexed();
    const hotBefore = onPostgres ? await hot() : 0;
    for (let i = 0; i < 20; i++) await ctx.reply(m, thread.id, { body: `reply ${i}` });
    expect(await indexed()).toEqual(before);
    expect((await ctx.request('GET', `/api/threads/${thread.id}`)).body.thread.replyCount).toBe(20);
    // PostgreSQL counts the updates that wrote no index entry (its statistics arrive within seconds).
    if (onPostgres) await until(async () => (await hot()) - hotBefore >= 20, '20 HOT updates of the thread row', 30_000);
  });
});
