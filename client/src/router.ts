import { signal } from '@preact/signals';

/** Path-based routing: the server answers every non-API path with index.html. */
export const path = signal(location.pathname);

export function navigate(to: string) {
  if (to === location.pathname) return;
  history.pushState(null, '', to);
  path.value = to;
}

addEventListener('popstate', () => (path.value = location.pathname));

/** Turns clicks on same-origin links into client-side navigation. */
export function onLinkClick(event: MouseEvent) {
  const link = (event.target as HTMLElement).closest('a');
  if (!link || link.origin !== location.origin || link.target || event.metaKey || event.ctrlKey) return;
  if (link.pathname.startsWith('/api/')) return;
  event.preventDefault();
  navigate(link.pathname);
}
