import { signal } from '@preact/signals';
import { useLayoutEffect } from 'preact/hooks';
import { historyDepth, setHistoryDepth } from './quick-exit';

/** Path-based routing: the server answers every non-API path with index.html. */
export const path = signal(location.pathname);
/** The query string (search terms), its own signal so that a new search on the same page re-renders. */
export const query = signal(location.search);

/** Each entry Haven adds to the tab's history carries its depth, so that quick exit can undo them all. */
const depthOf = (state: unknown) => (state && typeof state === 'object' && 'depth' in state ? Number(state.depth) : 0);
if (!history.state) history.replaceState({ depth: historyDepth() }, '');

export function navigate(to: string) {
  if (to === location.pathname + location.search + location.hash) return;
  const depth = depthOf(history.state) + 1;
  history.pushState({ depth }, '', to);
  setHistoryDepth(depth);
  path.value = location.pathname;
  query.value = location.search;
}

addEventListener('popstate', (event) => {
  setHistoryDepth(depthOf(event.state));
  path.value = location.pathname;
  query.value = location.search;
});

/** Turns clicks on same-origin links into client-side navigation. */
export function onLinkClick(event: MouseEvent) {
  const link = (event.target as HTMLElement).closest('a');
  if (!link || link.origin !== location.origin || link.target || event.metaKey || event.ctrlKey) return;
  if (link.pathname.startsWith('/api/') || link.protocol === 'tel:') return;
  if (link.hash && link.pathname === location.pathname) return; // an anchor on this page (the skip link)
  event.preventDefault();
  navigate(link.pathname + link.search + link.hash);
}

/**
 * A view's document title and, once its heading is on screen, focus on that heading, so that
 * keyboards and screen readers start there after each navigation. Null while loading.
 */
export function useView(title: string | null) {
  // A layout effect, so the title and focus change in the same frame as the view: a screen
  // reader never announces the old title over the new heading.
  useLayoutEffect(() => {
    if (title === null) return;
    document.title = `${title} · Haven`;
    document.querySelector<HTMLElement>('main h1')?.focus({ preventScroll: false });
  }, [title, path.value]);
}
