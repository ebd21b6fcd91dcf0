import { createHash, randomBytes, randomInt, timingSafeEqual } from 'node:crypto';

/** Session tokens: 32 random bytes for the cookie; only their SHA-256 is stored. */
export function newSessionToken(): string {
  return randomBytes(32).toString('base64url');
}

export function sha256Hex(value: string): string {
  return createHash('sha256').update(value, 'utf8').digest('hex');
}

// Crockford-style alphabet: no I, L, O or U, so a code copied by hand survives.
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/** A recovery code: 20 symbols (100 bits), shown once as XXXXX-XXXXX-XXXXX-XXXXX. */
export function newRecoveryCode(): string {
  const symbols = Array.from({ length: 20 }, () => ALPHABET[randomInt(ALPHABET.length)]);
  return [0, 5, 10, 15].map((i) => symbols.slice(i, i + 5).join('')).join('-');
}

/** Case, dashes and spaces do not matter when a member types the code back. */
export function hashRecoveryCode(code: string): string {
  return sha256Hex(code.toUpperCase().replace(/[\s-]/g, ''));
}

export function sameHash(a: string, b: string): boolean {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  return x.length === y.length && timingSafeEqual(x, y);
}
