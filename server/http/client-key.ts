import { createHmac } from 'node:crypto';
import ipaddr from 'ipaddr.js';
import { isPrivateAddress, normalizedAddress } from '../lib/networks';

/**
 * The network a client address stands for. One IPv6 host gets a whole /64 (it can pick any
 * of 2^64 addresses in it at will), so every limit counts the /64; an IPv4 address mapped
 * into IPv6 counts as itself.
 */
export function addressGroup(address: string): string {
  const parsed = normalizedAddress(address);
  if (parsed === null) return address;
  if (parsed.kind() === 'ipv4') return parsed.toString();
  const parts = (parsed as ipaddr.IPv6).parts.slice(0, 4).map((p) => p.toString(16));
  return `${parts.join(':')}::/64`;
}

/**
 * Fastify's trustProxy for TRUST_PROXY. A list is passed as is. A hop count trusts that many
 * proxies, but only hops that connect from a private or loopback address: a client that can
 * reach Haven directly from outside cannot pass its own X-Forwarded-For off as a proxy's.
 * (Fastify refuses bare hop counts for exactly that reason; proxies with public addresses
 * are listed by address instead.)
 */
export function trustProxyOption(value: false | number | readonly string[]): false | string[] | ((address: string, hop: number) => boolean) {
  if (value === false) return false;
  if (typeof value === 'number') return (address, hop) => hop < value && isPrivateAddress(address);
  return [...value];
}

/**
 * A stand-in for the client's address that is useless off this server and after today:
 * HMAC(daily key, address group), where the daily key is derived from the server secret
 * and the UTC date. Rate limits and socket caps key on it; the raw address is never stored
 * or logged.
 */
export function createClientKey(serverSecret: string) {
  let day = '';
  let dailyKey = Buffer.alloc(0);
  return (address: string): string => {
    const today = new Date().toISOString().slice(0, 10);
    if (today !== day) {
      day = today;
      dailyKey = createHmac('sha256', serverSecret).update(`client-key:${today}`).digest();
    }
    return createHmac('sha256', dailyKey).update(addressGroup(address)).digest('base64url').slice(0, 22);
  };
}
