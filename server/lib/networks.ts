import ipaddr from 'ipaddr.js';

/**
 * Private and loopback networks: where a proxy in front of Haven normally connects from,
 * and the only networks TRUST_PROXY may name as a range. A range that reaches into public
 * address space would let every client inside it write the X-Forwarded-For that rate
 * limits count ("0.0.0.0/1,128.0.0.0/1" is everyone).
 */
const PRIVATE_RANGES = new Set(['private', 'loopback', 'linkLocal', 'uniqueLocal', 'carrierGradeNat']);

const PRIVATE_NETWORKS: ReadonlyArray<[ipaddr.IPv4 | ipaddr.IPv6, number]> = [
  '10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '127.0.0.0/8', '169.254.0.0/16', '100.64.0.0/10',
  '::1/128', 'fc00::/7', 'fe80::/10',
].map((cidr) => ipaddr.parseCIDR(cidr));

/** An address as itself: an IPv4 address written as IPv6 (::ffff:10.0.0.1) is the IPv4 address. */
export function normalizedAddress(address: string): ipaddr.IPv4 | ipaddr.IPv6 | null {
  if (!ipaddr.isValid(address)) return null;
  const parsed = ipaddr.parse(address);
  return parsed.kind() === 'ipv6' && (parsed as ipaddr.IPv6).isIPv4MappedAddress() ? (parsed as ipaddr.IPv6).toIPv4Address() : parsed;
}

/** Loopback and private networks: where a proxy in front of Haven normally connects from. */
export function isPrivateAddress(address: string): boolean {
  const parsed = normalizedAddress(address);
  return parsed !== null && PRIVATE_RANGES.has(parsed.range());
}

/**
 * Whether a CIDR lies wholly inside private or loopback space. An IPv4-mapped IPv6 range
 * (::ffff:10.0.0.0/104) is judged as the IPv4 range it maps.
 */
export function isPrivateNetwork(cidr: string): boolean {
  let [network, bits] = ipaddr.parseCIDR(cidr);
  if (network.kind() === 'ipv6' && (network as ipaddr.IPv6).isIPv4MappedAddress() && bits >= 96) {
    network = (network as ipaddr.IPv6).toIPv4Address();
    bits -= 96;
  }
  return PRIVATE_NETWORKS.some(([block, blockBits]) => block.kind() === network.kind() && bits >= blockBits && network.match(block, blockBits));
}

/** A CIDR that names one address (/32, /128): a single proxy, wherever it stands. */
export function isSingleAddress(cidr: string): boolean {
  const [network, bits] = ipaddr.parseCIDR(cidr);
  return bits === (network.kind() === 'ipv4' ? 32 : 128);
}
