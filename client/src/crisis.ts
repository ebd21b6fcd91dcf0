import { signal } from '@preact/signals';
import { crisisMatcher } from '../../server/contract/crisis-matcher';
import type { CrisisConfig } from '../../server/contract/moderation';
import { api } from './api';

/**
 * The crisis phrases and resources, fetched once. A draft is checked against the phrases
 * here, in the browser: it never leaves it to get help shown.
 */
export const crisis = signal<CrisisConfig | null>(null);
let matcher: ((text: string) => boolean) | null = null;
let loading: Promise<void> | null = null;

export function loadCrisis(): Promise<void> {
  loading ??= api.crisis().then(
    (config) => {
      crisis.value = config;
      matcher = crisisMatcher(config.phrases);
    },
    () => {
      loading = null; // try again next time
    },
  );
  return loading;
}

/** Whether a draft reads like a crisis (false until the phrases have arrived). */
export const readsLikeCrisis = (text: string) => (matcher ? matcher(text) : false);
