import { describe, expect, it } from 'vitest';
import { PageCache } from '../../server/forum/page-cache';

describe('the page cache', () => {
  it('keeps a page read before no invalidation', () => {
    const cache = new PageCache<string>(60_000, 10);
    const version = cache.version();
    cache.set('1', 'p1', 'fresh', version);
    expect(cache.get('1', 'p1')).toBe('fresh');
  });

  it('does not keep a page whose read began before its thread was invalidated (a write won the race)', () => {
    const cache = new PageCache<string>(60_000, 10);
    const version = cache.version(); // a read begins
    cache.invalidate('1'); // a write commits ("Make anonymous") and drops the thread's pages
    cache.set('1', 'p1', 'named, as read before the write', version); // the read ends
    expect(cache.get('1', 'p1')).toBeUndefined();
    // Another thread's page read over the same time is kept, and a read begun after it is too.
    cache.set('2', 'p1', 'other thread', version);
    expect(cache.get('2', 'p1')).toBe('other thread');
    cache.set('1', 'p1', 'anonymous', cache.version());
    expect(cache.get('1', 'p1')).toBe('anonymous');
  });

  it('does not keep a page whose read began before everything was invalidated (a profile change, an erasure)', () => {
    const cache = new PageCache<string>(60_000, 10);
    const version = cache.version();
    cache.clear();
    cache.set('1', 'p1', 'stale', version);
    expect(cache.get('1', 'p1')).toBeUndefined();
  });

  it('keeps its record of invalidations bounded, erring on the side of not storing', () => {
    const cache = new PageCache<string>(60_000, 2);
    const version = cache.version();
    for (let i = 0; i < 100; i++) cache.invalidate(String(i));
    cache.set('5', 'p1', 'stale', version);
    expect(cache.get('5', 'p1')).toBeUndefined();
    cache.set('5', 'p1', 'fresh', cache.version());
    expect(cache.get('5', 'p1')).toBe('fresh');
  });
});
