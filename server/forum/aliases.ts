import { createHmac } from 'node:crypto';
import { ADJECTIVES, ANIMALS } from '../lib/alias-words';

/**
 * Anonymous aliases ("Anonymous Gentle Heron"). An alias is derived with HMAC from the
 * server secret, the account and the thread: stable for one member within one thread,
 * unrelated across threads, and impossible to reverse without the secret. `attempt`
 * picks the next candidate when a different member of the same thread already has one.
 */
export function aliasFor(secret: string, accountId: string, threadId: string, attempt = 0): string {
  const digest = createHmac('sha256', secret).update(`alias\u0000${accountId}\u0000${threadId}\u0000${attempt}`).digest();
  const adjective = ADJECTIVES[digest.readUInt32BE(0) % ADJECTIVES.length]!;
  const animal = ANIMALS[digest.readUInt32BE(4) % ANIMALS.length]!;
  return `Anonymous ${adjective} ${animal}`;
}

export const ALIAS_SPACE = ADJECTIVES.length * ANIMALS.length;
