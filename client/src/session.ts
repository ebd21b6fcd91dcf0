import { signal } from '@preact/signals';
import type { User } from '../../server/contract/accounts';
import { api } from './api';

/** The logged-in member (null for a visitor, undefined while unknown). */
export const me = signal<User | null | undefined>(undefined);

export async function loadMe() {
  try {
    me.value = (await api.me()).user;
  } catch {
    me.value = null;
  }
}
