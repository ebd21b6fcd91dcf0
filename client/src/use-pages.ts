import { useEffect, useState } from 'preact/hooks';
import { saidOf } from './api';

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

/**
 * A list read page by page with the API's cursors: the first page when `key` changes
 * (null: nothing to read yet), the next on `more()` ("Load more"). `setItems` lets live
 * events put new rows in.
 */
export function usePages<T>(key: string | null, read: (cursor?: string) => Promise<Page<T>>, failure: string) {
  const [items, setItems] = useState<T[] | null>(null);
  const [cursor, setCursor] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    setItems(null);
    setError(null);
    if (key === null) return;
    void read().then((p) => (setItems(p.items), setCursor(p.nextCursor)), (err) => setError(saidOf(err, failure)));
  }, [key]);
  const more = async () => {
    try {
      const page = await read(cursor!);
      setItems((list) => [...(list ?? []), ...page.items]);
      setCursor(page.nextCursor);
    } catch (err) {
      setError(saidOf(err, failure));
    }
  };
  return { items, setItems, cursor, error, more };
}
