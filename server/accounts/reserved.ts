import { ADJECTIVES, ANIMALS } from '../lib/alias-words';

/**
 * Pseudonyms that would let someone pass as staff, as the system, or as one of the names
 * Haven itself shows ("Anonymous Gentle Heron", "deleted member", "community" in the
 * moderation log). Names are compared by their confusable skeleton, so "Adm1n", "Adrnin"
 * and "m0derator" read as what they imitate.
 */
const RESERVED_EXACT = [
  'admin', 'administrator', 'moderator', 'moderators', 'mod', 'mods', 'anonymous', 'anon', 'deleted', 'system',
  'haven', 'staff', 'support', 'root', 'null', 'undefined', 'me', 'api', 'crisis', 'help', 'helpline', 'hotline',
  'everyone', 'here', 'official', 'team', 'security', 'owner', 'guidelines', 'deletedmember', 'community',
  'commandline', 'safety', 'trustandsafety', 'emergency',
];
const RESERVED_PREFIXES = ['admin', 'moderator', 'anonymous', 'deleted', 'system', 'haven', 'staff', 'official'];
/** Names made only of these words read as an official role ("Mod_Team", "Crisis-Line", "Support-Team"). */
const STAFF_WORDS = [
  'admin', 'admins', 'mod', 'mods', 'moderator', 'moderators', 'moderation', 'team', 'support', 'staff', 'crisis',
  'line', 'help', 'helpline', 'hotline', 'desk', 'official', 'safety', 'trust', 'care', 'haven', 'service', 'services',
  'system', 'bot', 'security', 'community', 'anonymous', 'anon', 'deleted', 'member', 'members', 'emergency', 'center',
  'centre', 'response', 'the', 'and', 'of', 'duty',
];

/**
 * A confusable skeleton, after Unicode TS #39 in spirit but for the pseudonym alphabet
 * ([A-Za-z0-9_-]): case and separators dropped, digits read as the letters they resemble,
 * and the shapes that blur together (i/l, rn/m, vv/w, cl/d) made one.
 */
export function skeleton(name: string): string {
  const DIGITS: Record<string, string> = { '0': 'o', '1': 'l', '2': 'z', '3': 'e', '4': 'a', '5': 's', '6': 'b', '7': 't', '8': 'b', '9': 'g' };
  return name
    .toLowerCase()
    .replace(/[-_\s]/g, '')
    .replace(/[0-9]/g, (d) => DIGITS[d]!)
    .replace(/i/g, 'l')
    .replace(/rn/g, 'm')
    .replace(/vv/g, 'w')
    .replace(/cl/g, 'd');
}

const exact = new Set(RESERVED_EXACT.map(skeleton));
const prefixes = RESERVED_PREFIXES.map(skeleton);
const staffWords = new Set(STAFF_WORDS.map(skeleton));
const longestWord = Math.max(...[...staffWords].map((w) => w.length));
const aliasLike = new Set(ADJECTIVES.flatMap((a) => ANIMALS.map((b) => skeleton(a + b))));
const anonPrefixes = ['anonymous', 'anon'].map(skeleton);

/** True when the whole skeleton splits into staff words (two or more). */
function onlyStaffWords(s: string): boolean {
  // reach[i]: the fewest words that spell s[0, i), or Infinity.
  const reach = new Array<number>(s.length + 1).fill(Infinity);
  reach[0] = 0;
  for (let i = 0; i < s.length; i++) {
    if (reach[i] === Infinity) continue;
    for (let j = i + 1; j <= Math.min(s.length, i + longestWord); j++) {
      if (staffWords.has(s.slice(i, j))) reach[j] = Math.min(reach[j]!, reach[i]! + 1);
    }
  }
  return reach[s.length]! >= 2 && reach[s.length]! !== Infinity;
}

function looksLikeAlias(s: string): boolean {
  if (aliasLike.has(s)) return true;
  return anonPrefixes.some((p) => s.startsWith(p) && aliasLike.has(s.slice(p.length)));
}

export function isReservedPseudonym(pseudonym: string): boolean {
  // "Mod_Team2" imitates as much as "Mod_Team": trailing digits and separators are also tried away.
  const forms = new Set([skeleton(pseudonym), skeleton(pseudonym.replace(/[0-9_-]+$/, ''))]);
  for (const s of forms) {
    if (s === '') continue;
    if (exact.has(s) || prefixes.some((p) => s.startsWith(p)) || onlyStaffWords(s) || looksLikeAlias(s)) return true;
  }
  return false;
}
