/**
 * Pseudonyms that would let someone pass as staff, as the system, or as one of the
 * placeholders Haven itself shows ("Anonymous Heron", "deleted member").
 */
const RESERVED_EXACT = new Set([
  'admin', 'administrator', 'moderator', 'mod', 'mods', 'anonymous', 'anon', 'deleted', 'system',
  'haven', 'staff', 'support', 'root', 'null', 'undefined', 'me', 'api', 'crisis', 'help',
  'everyone', 'here', 'official', 'team', 'security', 'owner', 'guidelines', 'deletedmember',
]);
const RESERVED_PREFIXES = ['admin', 'moderator', 'anonymous', 'deleted', 'system', 'haven', 'staff'];

export function isReservedPseudonym(pseudonym: string): boolean {
  // "Ad_Min" and "ad-min" read as "admin" to a person, so separators are ignored.
  const folded = pseudonym.toLowerCase().replace(/[-_]/g, '');
  return RESERVED_EXACT.has(folded) || RESERVED_PREFIXES.some((p) => folded.startsWith(p));
}
