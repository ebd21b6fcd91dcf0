import { createHmac } from 'node:crypto';

/**
 * Anonymous aliases ("Anonymous Gentle Heron"). An alias is derived with HMAC from the
 * server secret, the account and the thread: stable for one member within one thread,
 * unrelated across threads, and impossible to reverse without the secret. `attempt`
 * picks the next candidate when a different member of the same thread already has one.
 */
const ADJECTIVES = [
  'Gentle', 'Quiet', 'Brave', 'Steady', 'Hopeful', 'Patient', 'Kind', 'Calm', 'Bright', 'Warm',
  'Honest', 'Careful', 'Curious', 'Humble', 'Mellow', 'Sunny', 'Tender', 'Wise', 'Bold', 'Clear',
  'Cheerful', 'Faithful', 'Graceful', 'Healing', 'Lively', 'Loyal', 'Mindful', 'Peaceful', 'Resilient', 'Serene',
  'Sincere', 'Soft', 'Strong', 'Thoughtful', 'Tranquil', 'Trusty', 'Upbeat', 'Valiant', 'Vivid', 'Willing',
  'Amber', 'Azure', 'Coral', 'Golden', 'Silver', 'Misty', 'Morning', 'Evening', 'Northern', 'Southern',
  'Wandering', 'Rising', 'Growing', 'Hidden', 'Little', 'Grand', 'Nimble', 'Sturdy', 'Radiant', 'Earnest',
  'Cosy', 'Fresh', 'Lucky', 'Merry',
];
const ANIMALS = [
  'Heron', 'Otter', 'Sparrow', 'Fox', 'Badger', 'Robin', 'Deer', 'Owl', 'Hare', 'Wren',
  'Swan', 'Finch', 'Lynx', 'Seal', 'Dolphin', 'Falcon', 'Crane', 'Beaver', 'Hedgehog', 'Kingfisher',
  'Lark', 'Marten', 'Moth', 'Newt', 'Puffin', 'Raven', 'Salmon', 'Starling', 'Tortoise', 'Turtle',
  'Wolf', 'Bear', 'Bison', 'Butterfly', 'Cormorant', 'Dove', 'Eagle', 'Elk', 'Gecko', 'Goose',
  'Ibis', 'Koala', 'Lemur', 'Magpie', 'Manatee', 'Meerkat', 'Moose', 'Oriole', 'Osprey', 'Panda',
  'Pelican', 'Penguin', 'Plover', 'Quail', 'Rabbit', 'Sandpiper', 'Squirrel', 'Stork', 'Tern', 'Thrush',
  'Walrus', 'Whale', 'Woodpecker', 'Yak',
];

export function aliasFor(secret: string, accountId: string, threadId: string, attempt = 0): string {
  const digest = createHmac('sha256', secret).update(`alias\u0000${accountId}\u0000${threadId}\u0000${attempt}`).digest();
  const adjective = ADJECTIVES[digest.readUInt32BE(0) % ADJECTIVES.length]!;
  const animal = ANIMALS[digest.readUInt32BE(4) % ANIMALS.length]!;
  return `Anonymous ${adjective} ${animal}`;
}

export const ALIAS_SPACE = ADJECTIVES.length * ANIMALS.length;
