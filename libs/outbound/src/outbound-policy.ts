import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { blockedClass, ipv4InRange, ipv6InRange, type AddressRange } from './address-class';
import { AddressNotAllowedError } from './errors';
import { parseIp, type IpAddress } from './ip-address';

/** Resolves a host name to every address it has (the system resolver by default). */
export type Resolver = (host: string) => Promise<LookupAddress[]>;

export const systemResolver: Resolver = (host) =>
  new Promise((resolve, reject) => {
    dnsLookup(host, { all: true, verbatim: true }, (error, addresses) => (error ? reject(error) : resolve(addresses)));
  });

export interface OutboundPolicyOptions {
  /**
   * `OUTBOUND_ALLOWED_HOSTS`: comma-separated host names (exact, case-insensitive) and addresses
   * or CIDRs that may be reached even though they are internal. Empty by default.
   */
  allowedHosts?: string | readonly string[];
  resolver?: Resolver;
}

/** A checked destination: the address to connect to, and the family for the socket. */
export interface CheckedAddress {
  address: string;
  family: 4 | 6;
}

/**
 * The address guard for every fetch made on a user's behalf (a URL to download, a playlist, a
 * webhook): a destination is refused when its host is, or resolves to, an address outside the
 * public internet (loopback, private, link-local, CGNAT, multicast, unspecified, cloud metadata,
 * reserved), unless `OUTBOUND_ALLOWED_HOSTS` names the host or a range holding the address.
 *
 * Checking a name and then letting the HTTP client resolve it again would let a DNS server
 * answer a public address to the check and 127.0.0.1 to the connection (DNS rebinding), so
 * `resolve` answers the addresses it checked and `lookup` is the resolver to give the socket.
 */
export class OutboundPolicy {
  private readonly names = new Set<string>();
  private readonly ranges: { family: 4 | 6; range: AddressRange }[] = [];
  private readonly resolver: Resolver;

  constructor(options: OutboundPolicyOptions = {}) {
    this.resolver = options.resolver ?? systemResolver;
    const entries = typeof options.allowedHosts === 'string' ? options.allowedHosts.split(',') : (options.allowedHosts ?? []);
    for (const raw of entries) {
      const entry = raw.trim().toLowerCase();
      if (!entry) continue;
      const range = parseAllowedRange(entry);
      if (range) this.ranges.push(range);
      else this.names.add(entry.replace(/\.$/, ''));
    }
  }

  /** Whether nothing internal is allowed (the default). */
  get strict(): boolean {
    return this.names.size === 0 && this.ranges.length === 0;
  }

  /** Why `address` may not be reached for `host` (undefined: it may). */
  refusal(host: string, address: string | IpAddress): string | undefined {
    const ip = typeof address === 'string' ? parseIp(address) : address;
    if (!ip) return 'not an IP address';
    if (this.names.has(normaliseHost(host))) return undefined;
    if (this.ranges.some(({ family, range }) => family === ip.family && (family === 4 ? ipv4InRange(ip.v4 as number, range) : ipv6InRange(ip.v6 as number[], range)))) {
      return undefined;
    }
    const cls = blockedClass(ip);
    return cls ? `${cls} address ${ip.address}` : undefined;
  }

  /**
   * The addresses `host` is reached at, every one of them checked; a host that is or resolves to
   * any refused address is refused as a whole (a name answering both a public and an internal
   * address would otherwise reach the internal one half the time).
   */
  async resolve(host: string): Promise<CheckedAddress[]> {
    const name = normaliseHost(host);
    const literal = parseIp(name);
    const found: { address: string; family: number }[] = literal ? [{ address: literal.address, family: literal.family }] : await this.lookupAll(name);
    if (found.length === 0) throw new AddressNotAllowedError(`${host} has no address`, host, 'no address');
    const checked: CheckedAddress[] = [];
    for (const { address } of found) {
      const ip = parseIp(address);
      const why = ip ? this.refusal(name, ip) : 'not an IP address';
      if (why) throw new AddressNotAllowedError(`${host} may not be fetched: it is a ${why}`, host, why);
      const family = ip!.family;
      checked.push({ address: family === 4 ? ip!.address : address, family });
    }
    return checked;
  }

  /** Checks a URL's scheme and host (see `resolve`); answers the parsed URL and the checked addresses. */
  async checkUrl(input: string | URL): Promise<{ url: URL; addresses: CheckedAddress[] }> {
    let url: URL;
    try {
      url = typeof input === 'string' ? new URL(input) : input;
    } catch {
      throw new AddressNotAllowedError(`${String(input)} is not a URL`, String(input), 'not a URL');
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new AddressNotAllowedError(`Only http and https URLs may be fetched, not ${url.protocol}`, url.hostname, 'scheme');
    }
    return { url, addresses: await this.resolve(url.hostname) };
  }

  /**
   * A `dns.lookup` replacement for `http.Agent`/`net.connect`: it answers only checked addresses,
   * so the socket connects to exactly what was checked, and refuses with the guard's error.
   */
  lookup = (
    hostname: string,
    options: { all?: boolean; family?: number } | number | ((...args: any[]) => void),
    callback?: (...args: any[]) => void,
  ): void => {
    const cb = (typeof options === 'function' ? options : callback) as (...args: any[]) => void;
    const opts = typeof options === 'object' ? options : {};
    this.resolve(hostname).then(
      (addresses) => {
        const wanted = opts.family === 4 || opts.family === 6 ? addresses.filter((a) => a.family === opts.family) : addresses;
        if (wanted.length === 0) {
          cb(Object.assign(new Error(`${hostname} has no IPv${opts.family} address`), { code: 'ENOTFOUND' }));
        } else if (opts.all) {
          cb(null, wanted);
        } else {
          cb(null, wanted[0].address, wanted[0].family);
        }
      },
      (error: unknown) => cb(error),
    );
  };

  private async lookupAll(name: string): Promise<LookupAddress[]> {
    try {
      return await this.resolver(name);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? 'ENOTFOUND';
      throw new AddressNotAllowedError(`${name} could not be resolved (${code})`, name, 'unresolvable');
    }
  }
}

function normaliseHost(host: string): string {
  const lower = host.toLowerCase().replace(/\.$/, '');
  return lower.startsWith('[') && lower.endsWith(']') ? lower.slice(1, -1) : lower;
}

function parseAllowedRange(entry: string): { family: 4 | 6; range: AddressRange } | undefined {
  const [address, bitsText] = entry.split('/');
  const ip = parseIp(address);
  if (!ip) return undefined;
  const max = ip.family === 4 ? 32 : 128;
  const bits = bitsText === undefined ? max : Number(bitsText);
  if (!Number.isInteger(bits) || bits < 0 || bits > max) throw new Error(`OUTBOUND_ALLOWED_HOSTS: ${entry} is not a valid CIDR`);
  return { family: ip.family, range: { base: ip.family === 4 ? (ip.v4 as number) : (ip.v6 as number[]), bits, class: 'reserved' } };
}

/** Whether `text` is a valid `OUTBOUND_ALLOWED_HOSTS` value (comma-separated hosts, addresses or CIDRs): the check every service's setting uses. */
export function isAllowedHostsList(text: string): boolean {
  try {
    new OutboundPolicy({ allowedHosts: text });
    return true;
  } catch {
    return false;
  }
}
