import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { useApp } from '../helpers/context';

const ctx = useApp();

/** The expected order: depth-first pre-order, siblings in creation order. */
function preorder(parents: number[]): number[] {
  const children = new Map<number, number[]>();
  parents.forEach((p, i) => children.set(p, [...(children.get(p) ?? []), i + 1]));
  const out: number[] = [];
  const visit = (n: number) => {
    out.push(n);
    for (const c of children.get(n) ?? []) visit(c);
  };
  visit(0);
  return out;
}

describe('thread pages', () => {
  it('read page by page, random reply trees come back as exact depth-first pre-order', async () => {
    const member = await ctx.newMember();
    // parents[i] is the index of the post that post i+1 replies to (0 is the opening post).
    const tree = fc
      .array(fc.nat(), { minLength: 0, maxLength: 40 })
      .map((raw) => raw.map((r, i) => r % (i + 1)));
    await fc.assert(
      fc.asyncProperty(tree, fc.integer({ min: 1, max: 7 }), async (parents, pageSize) => {
        const { thread, post: root } = await ctx.newThread(member);
        const ids = [root.id as string];
        for (const [i, parent] of parents.entries()) {
          const post = await ctx.reply(member, thread.id, { parentId: ids[parent], body: `post ${i + 1} of ${thread.id}` });
          ids.push(post.id);
        }
        const read = await ctx.readAll(thread.id, pageSize);
        const expected = preorder(parents).map((n) => ids[n]);
        expect(read.map((p) => p.id)).toEqual(expected);
        // Depth and parent agree with the tree too.
        for (const p of read) {
          const index = ids.indexOf(p.id);
          if (index === 0) expect(p).toMatchObject({ parentId: null, depth: 0 });
          else expect(p.parentId).toBe(ids[parents[index - 1]!]);
        }
      }),
      { numRuns: 25 },
    );
  });
});
