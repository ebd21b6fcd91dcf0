/** Shared by server and client: the client checks a draft locally, so it never leaves the browser to get help shown. */
function escape(text: string) {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * Case-insensitive, word-bounded phrase matching: "rapist" does not match inside
 * "therapist", and "suicide" matches "Suicide." but not "suicidetown". Apostrophes may be
 * typed straight or curly; spaces match any run of white space.
 */
export function crisisMatcher(phrases: string[]): (text: string) => boolean {
  const alternatives = phrases.map((p) =>
    escape(p.trim().toLowerCase()).replace(/\s+/g, '\\s+').replace(/'/g, "['\u2019]"),
  );
  const pattern = new RegExp(`(?<![\\p{L}\\p{N}])(?:${alternatives.join('|')})(?![\\p{L}\\p{N}])`, 'iu');
  return (text) => pattern.test(text);
}
