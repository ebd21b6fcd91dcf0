import { signal } from '@preact/signals';
import type { User } from '../../server/contract/accounts';
import { api } from './api';
import { live } from './live';

/** The logged-in member (null for a visitor, undefined while unknown). */
export const me = signal<User | null | undefined>(undefined);
/** Unread notifications, kept current by the member's own live topic. */
export const unread = signal(0);

let stopOwn: (() => void) | null = null;
live.onAccess = () => void loadMe();

/** "until 3 December, 14:00": a suspension's end, in the member's own time. */
export const suspensionEnd = (iso: string) => new Date(iso).toLocaleString(undefined, { dateStyle: 'long', timeStyle: 'short' });

export async function loadMe() {
  try {
    const answer = await api.me();
    me.value = answer.user;
    unread.value = answer.unreadNotifications;
  } catch {
    me.value = null;
    unread.value = 0;
  }
  stopOwn?.();
  stopOwn = null;
  if (me.value) {
    // The server joins a member to their own topic; this handler counts what arrives there.
    stopOwn = live.subscribe(`user:${me.value.id}`, (event) => {
      if (event.event === 'notification.created') unread.value += 1;
    });
  }
}
