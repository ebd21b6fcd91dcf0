import { randomBytes } from 'node:crypto';

/**
 * A random positive bigint id (62 bits), for rows whose ids a reader sees but whose count
 * must tell them nothing: a sequence shared by everyone would number other members'
 * rows in between.
 */
export function randomId(): string {
  return (BigInt.asUintN(62, randomBytes(8).readBigUInt64BE()) + 1n).toString();
}
