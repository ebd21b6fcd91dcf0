/**
 * The words of anonymous aliases ("Anonymous Gentle Heron"). Shared: the forum builds
 * aliases from them, and accounts refuse pseudonyms that would pass for one.
 */
export const ADJECTIVES = [
  'Gentle', 'Quiet', 'Brave', 'Steady', 'Hopeful', 'Patient', 'Kind', 'Calm', 'Bright', 'Warm',
  'Honest', 'Careful', 'Curious', 'Humble', 'Mellow', 'Sunny', 'Tender', 'Wise', 'Bold', 'Clear',
  'Cheerful', 'Faithful', 'Graceful', 'Healing', 'Lively', 'Loyal', 'Mindful', 'Peaceful', 'Resilient', 'Serene',
  'Sincere', 'Soft', 'Strong', 'Thoughtful', 'Tranquil', 'Trusty', 'Upbeat', 'Valiant', 'Vivid', 'Willing',
  'Amber', 'Azure', 'Coral', 'Golden', 'Silver', 'Misty', 'Morning', 'Evening', 'Northern', 'Southern',
  'Wandering', 'Rising', 'Growing', 'Hidden', 'Little', 'Grand', 'Nimble', 'Sturdy', 'Radiant', 'Earnest',
  'Cosy', 'Fresh', 'Lucky', 'Merry',
];
export const ANIMALS = [
  'Heron', 'Otter', 'Sparrow', 'Fox', 'Badger', 'Robin', 'Deer', 'Owl', 'Hare', 'Wren',
  'Swan', 'Finch', 'Lynx', 'Seal', 'Dolphin', 'Falcon', 'Crane', 'Beaver', 'Hedgehog', 'Kingfisher',
  'Lark', 'Marten', 'Moth', 'Newt', 'Puffin', 'Raven', 'Salmon', 'Starling', 'Tortoise', 'Turtle',
  'Wolf', 'Bear', 'Bison', 'Butterfly', 'Cormorant', 'Dove', 'Eagle', 'Elk', 'Gecko', 'Goose',
  'Ibis', 'Koala', 'Lemur', 'Magpie', 'Manatee', 'Meerkat', 'Moose', 'Oriole', 'Osprey', 'Panda',
  'Pelican', 'Penguin', 'Plover', 'Quail', 'Rabbit', 'Sandpiper', 'Squirrel', 'Stork', 'Tern', 'Thrush',
  'Walrus', 'Whale', 'Woodpecker', 'Yak',
];
