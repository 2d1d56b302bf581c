import { parseIp, type IpAddress } from './ip-address';

/** Why an address is not one the platform may reach on a user's behalf. */
export type BlockedClass =
  | 'unspecified'
  | 'loopback'
  | 'private'
  | 'link-local'
  | 'cgnat'
  | 'multicast'
  | 'broadcast'
  | 'metadata'
  | 'reserved';

interface Range {
  /** For IPv4 a 32-bit number; for IPv6 eight 16-bit groups. */
  base: number | number[];
  bits: number;
  class: BlockedClass;
}

function v4(cidr: string, cls: BlockedClass): Range {
  const [address, bits] = cidr.split('/');
  const parsed = parseIp(address) as IpAddress;
  return { base: parsed.v4 as number, bits: Number(bits ?? 32), class: cls };
}

function v6(cidr: string, cls: BlockedClass): Range {
  const [address, bits] = cidr.split('/');
  const parsed = parseIp(address) as IpAddress;
  return { base: parsed.v6 as number[], bits: Number(bits ?? 128), class: cls };
}

/** Checked in order: the first match names the class (metadata before the link-local range it sits in). */
const V4_RANGES: Range[] = [
  v4('169.254.169.254/32', 'metadata'), // AWS, GCP, Azure, OpenStack, DigitalOcean
  v4('169.254.170.2/32', 'metadata'), // AWS ECS task metadata
  v4('100.100.100.200/32', 'metadata'), // Alibaba Cloud
  v4('192.0.0.192/32', 'metadata'), // Oracle Cloud
  v4('0.0.0.0/8', 'unspecified'),
  v4('127.0.0.0/8', 'loopback'),
  v4('10.0.0.0/8', 'private'),
  v4('172.16.0.0/12', 'private'),
  v4('192.168.0.0/16', 'private'),
  v4('100.64.0.0/10', 'cgnat'),
  v4('169.254.0.0/16', 'link-local'),
  v4('224.0.0.0/4', 'multicast'),
  v4('255.255.255.255/32', 'broadcast'),
  v4('192.0.0.0/24', 'reserved'), // IETF protocol assignments
  v4('192.0.2.0/24', 'reserved'), // documentation
  v4('198.51.100.0/24', 'reserved'),
  v4('203.0.113.0/24', 'reserved'),
  v4('198.18.0.0/15', 'reserved'), // benchmarking
  v4('192.88.99.0/24', 'reserved'), // 6to4 relay anycast
  v4('240.0.0.0/4', 'reserved'),
];

const V6_RANGES: Range[] = [
  v6('fd00:ec2::254/128', 'metadata'), // AWS over IPv6
  v6('::/128', 'unspecified'),
  v6('::1/128', 'loopback'),
  v6('fc00::/7', 'private'), // unique local
  v6('fec0::/10', 'private'), // site-local (deprecated, still routed by some)
  v6('fe80::/10', 'link-local'),
  v6('ff00::/8', 'multicast'),
  v6('::/96', 'reserved'), // IPv4-compatible (deprecated)
  v6('64:ff9b:1::/48', 'reserved'), // local-use NAT64
  v6('100::/64', 'reserved'), // discard-only
  v6('2001::/32', 'reserved'), // Teredo: hides an IPv4 address
  v6('2001:db8::/32', 'reserved'), // documentation
  v6('2001:10::/28', 'reserved'), // ORCHID
];

function inV4(value: number, range: Range): boolean {
  if (range.bits === 0) return true;
  const mask = range.bits === 32 ? 0xffffffff : ~(0xffffffff >>> range.bits) >>> 0;
  return ((value & mask) >>> 0) === (((range.base as number) & mask) >>> 0);
}

function inV6(words: number[], range: Range): boolean {
  const base = range.base as number[];
  let bits = range.bits;
  for (let i = 0; i < 8 && bits > 0; i += 1) {
    const take = Math.min(16, bits);
    const mask = (0xffff << (16 - take)) & 0xffff;
    if ((words[i] & mask) !== (base[i] & mask)) return false;
    bits -= take;
  }
  return true;
}

/**
 * The IPv4 address an IPv6 one carries and is delivered to: IPv4-mapped (`::ffff:a.b.c.d`),
 * NAT64 (`64:ff9b::a.b.c.d`) and 6to4 (`2002:aabb:ccdd::`). `::ffff:127.0.0.1` is loopback.
 */
export function embeddedIPv4(words: number[]): number | undefined {
  const join = (hi: number, lo: number) => ((hi << 16) | lo) >>> 0;
  const zeros = (from: number, to: number) => words.slice(from, to).every((w) => w === 0);
  if (zeros(0, 5) && words[5] === 0xffff) return join(words[6], words[7]);
  if (words[0] === 0x64 && words[1] === 0xff9b && zeros(2, 6)) return join(words[6], words[7]);
  if (words[0] === 0x2002) return join(words[1], words[2]);
  return undefined;
}

/** The class that forbids an address, or undefined for a public unicast address. Host names are not addresses: resolve them first. */
export function blockedClass(address: string | IpAddress): BlockedClass | undefined {
  const ip = typeof address === 'string' ? parseIp(address) : address;
  if (!ip) return 'reserved';
  if (ip.family === 4) return V4_RANGES.find((r) => inV4(ip.v4 as number, r))?.class;
  const words = ip.v6 as number[];
  const inner = embeddedIPv4(words);
  if (inner !== undefined) return V4_RANGES.find((r) => inV4(inner, r))?.class;
  return V6_RANGES.find((r) => inV6(words, r))?.class;
}

export { inV4 as ipv4InRange, inV6 as ipv6InRange };
export type { Range as AddressRange };
