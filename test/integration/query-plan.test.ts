import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { pagePostsQuery } from '../../server/forum/forum.repository';
import { childPath } from '../../server/forum/tree-path';
import { useApp } from '../helpers/context';

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

    // And the page it reads is the right one.
    const page = await query.execute();
    expect(page).toHaveLength(51);
    expect(page[0]!.path > after).toBe(true);
  });
});
