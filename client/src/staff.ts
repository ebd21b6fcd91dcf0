import { signal } from '@preact/signals';
import { api } from './api';
import { live } from './live';
import { me } from './session';

/**
 * What the header needs to know about moderators, in the main bundle; the console's views
 * themselves load as a chunk of their own (views/console.ts), so visitors never download them.
 */
export const isStaff = () => me.value?.role === 'moderator' || me.value?.role === 'admin';
export const isAdmin = () => me.value?.role === 'admin';

/** Open queue items, for the header's count: kept current by the `mod` topic while a moderator is here. */
export const openFlags = signal<number | null>(null);
let stopCount: (() => void) | null = null;

/** What changes the queue; `resync` means events were missed, so it is read again too. */
export const QUEUE_EVENTS = new Set(['flag.created', 'queue.changed', 'resync']);

export function watchQueueCount(): void {
  stopCount?.();
  stopCount = null;
  if (!isStaff()) {
    openFlags.value = null;
    return;
  }
  const refresh = () => void api.modQueue().then((r) => (openFlags.value = r.flags.length), () => {});
  refresh();
  stopCount = live.subscribe('mod', (event) => QUEUE_EVENTS.has(event.event) && refresh());
}
