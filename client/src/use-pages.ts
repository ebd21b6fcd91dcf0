import { useEffect, useState } from 'preact/hooks';
import { saidOf } from './api';
import { live, type LiveEvent } from './live';

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

/** New rows arriving live: the topic, the row an event carries (if any), and a row's id. */
export interface LiveRows<T> {
  topic: string;
  rowOf: (event: LiveEvent) => T | undefined;
  id: (row: T) => string;
}

/**
 * A list read page by page with the API's cursors: the first page when `key` changes
 * (null: nothing to read yet), the next on `more()` ("Load more"). With `arriving`, rows
 * that events on its topic carry are put at the top as they come (newest first), each row
 * once however it reached the list. `setItems` lets a view change rows in place.
 */
export function usePages<T>(key: string | null, read: (cursor?: string) => Promise<Page<T>>, failure: string, arriving?: LiveRows<T>) {
  const [items, setItems] = useState<T[] | null>(null);
  const [cursor, setCursor] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const others = (rows: T[], list: T[]) => (arriving ? list.filter((r) => !rows.some((n) => arriving.id(n) === arriving.id(r))) : list);
  useEffect(() => {
    setItems(null);
    setError(null);
    if (key === null) return;
    void read().then((p) => (setItems((current) => [...(current ?? []), ...others(current ?? [], p.items)]), setCursor(p.nextCursor)), (err) => setError(saidOf(err, failure)));
    if (!arriving) return;
    return live.subscribe(arriving.topic, (event) => {
      const row = arriving.rowOf(event);
      if (row) setItems((list) => [row, ...others([row], list ?? [])]);
    });
  }, [key]);
  const more = async () => {
    try {
      const page = await read(cursor!);
      setItems((list) => [...(list ?? []), ...others(list ?? [], page.items)]);
      setCursor(page.nextCursor);
    } catch (err) {
      setError(saidOf(err, failure));
    }
  };
  return { items, setItems, cursor, error, more };
}
