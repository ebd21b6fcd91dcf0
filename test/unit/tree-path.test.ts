import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { childPath, parsePath, segment } from '../../server/forum/tree-path';

const bytewise = (a: string, b: string) => (Buffer.compare(Buffer.from(a), Buffer.from(b)));

describe('tree paths', () => {
  it('order siblings by ordinal, bytewise, for any ordinals', () => {
    fc.assert(
      fc.property(fc.nat({ max: 2 ** 40 }), fc.nat({ max: 2 ** 40 }), (a, b) => {
        const cmp = Math.sign(bytewise(segment(a), segment(b)));
        expect(cmp).toBe(Math.sign(a - b));
      }),
    );
  });

  it('put a whole subtree before the next sibling, and round-trip', () => {
    fc.assert(
      fc.property(fc.array(fc.nat({ max: 5000 }), { minLength: 1, maxLength: 20 }), fc.nat({ max: 5000 }), (ordinals, tail) => {
        const path = ordinals.reduce((p, o) => childPath(p, o), '');
        expect(parsePath(path)).toEqual(ordinals);
        const parent = path.slice(0, path.length - segment(ordinals.at(-1)!).length);
        const nextSibling = childPath(parent, ordinals.at(-1)! + 1);
        const descendant = childPath(path, tail);
        expect(bytewise(path, descendant)).toBeLessThan(0);
        expect(bytewise(descendant, nextSibling)).toBeLessThan(0);
      }),
    );
  });

  it('costs two bytes a level for ordinals under 62', () => {
    expect(segment(0)).toBe('10');
    expect(segment(61)).toBe('1z');
    expect(segment(62)).toBe('210');
  });
});
