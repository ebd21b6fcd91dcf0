import { sql, type Kysely } from 'kysely';
import type { DB } from '../../server/db/schema';
import { renderMarkdown } from '../../server/forum/markdown';
import { childPath, segment } from '../../server/forum/tree-path';

export type Shape = 'flat' | 'deep';

const REPLY = 'Thank you for sharing this. **One day at a time.** What helped me most in the first weeks was having a plan for the evenings.';

/**
 * Writes one thread of `size` replies straight into the tables, in batches, with the same
 * paths, depths and counters the service would produce. For demo data and benchmarks,
 * where creating 100,000 posts one request at a time would take far too long.
 * "deep" chains replies 50 levels down before starting the next chain.
 */
export async function bulkThread(
  db: Kysely<DB>,
  opts: { communityId: string; authorIds: string[]; title: string; size: number; shape: Shape; onProgress?: (done: number) => void },
): Promise<string> {
  const { size, shape, authorIds } = opts;
  const thread = await db
    .insertInto('threads')
    .values({ community_id: opts.communityId, title: opts.title, author_id: authorIds[0]!, content_warnings: [], reply_count: size })
    .returning('id')
    .executeTakeFirstOrThrow();
  await db.updateTable('communities').set((eb) => ({ thread_count: eb('thread_count', '+', 1) })).where('id', '=', opts.communityId).execute();

  // Reserve a block of ids so parents can be named before the rows exist.
  const seq = await sql<{ start: string }>`
    select setval(pg_get_serial_sequence('posts', 'id'), nextval(pg_get_serial_sequence('posts', 'id')) + ${size}) - ${size} as start
  `.execute(db);
  const start = BigInt(seq.rows[0]!.start);
  const id = (i: number) => String(start + BigInt(i)); // i = 0 is the opening post
  const chain = 50;
  const rootPath = segment(0);
  const paths: string[] = [rootPath];
  const childCount = new Map<number, number>();
  const parentOf = (i: number) => (shape === 'flat' || i % chain === 1 ? 0 : i - 1);

  const body = renderMarkdown(REPLY);
  const rows = [];
  for (let i = 0; i <= size; i++) {
    if (i > 0) {
      const parent = parentOf(i);
      const ordinal = childCount.get(parent) ?? 0;
      childCount.set(parent, ordinal + 1);
      paths[i] = childPath(paths[parent]!, ordinal);
    }
    rows.push(i);
  }
  const batch = 2_000;
  for (let from = 0; from <= size; from += batch) {
    const slice = rows.slice(from, from + batch);
    const column = <T>(f: (i: number) => T) => slice.map(f);
    // unnest over column arrays: one statement per batch, ids given explicitly.
    await sql`
      insert into posts (id, thread_id, parent_id, path, depth, child_count, author_id, body_md, body_html)
      overriding system value
      select * from unnest(
        ${column(id)}::bigint[], ${column(() => thread.id)}::bigint[], ${column((i) => (i === 0 ? null : id(parentOf(i))))}::bigint[],
        ${column((i) => paths[i]!)}::text[], ${column((i) => (i === 0 ? 0 : shape === 'flat' ? 1 : ((i - 1) % chain) + 1))}::int[],
        ${column((i) => childCount.get(i) ?? 0)}::int[], ${column((i) => authorIds[i % authorIds.length]!)}::bigint[],
        ${column((i) => (i === 0 ? opts.title : REPLY))}::text[], ${column((i) => (i === 0 ? renderMarkdown(opts.title) : body))}::text[]
      )`.execute(db);
    opts.onProgress?.(Math.min(size, from + batch));
  }
  return thread.id;
}
