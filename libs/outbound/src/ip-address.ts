import { isIPv4, isIPv6 } from 'node:net';

/**
 * IP literals as an attacker may write them. `http://2130706433/`, `http://0x7f.1/` and
 * `http://0177.0.0.1/` all reach 127.0.0.1: browsers, curl and the C resolver accept the old
 * inet_aton forms (one to four parts, each decimal, octal with a leading 0 or hex with 0x). The
 * WHATWG URL parser normalises them for `http(s)` URLs, but a host can reach us by other ways (a
 * proxy's CONNECT line, a redirect written by hand), so every check goes through this parser.
 */

/** An IPv4 literal in any inet_aton form, as its canonical dotted quad; undefined when `host` is not one. */
export function parseIPv4(host: string): string | undefined {
  const parts = host.split('.');
  // A trailing dot is allowed by the URL standard (`127.0.0.1.`).
  if (parts.length > 1 && parts[parts.length - 1] === '') parts.pop();
  if (parts.length === 0 || parts.length > 4) return undefined;
  const numbers: number[] = [];
  for (const part of parts) {
    const value = parseIPv4Part(part);
    if (value === undefined) return undefined;
    numbers.push(value);
  }
  const last = numbers.pop() as number;
  if (numbers.some((n) => n > 255)) return undefined;
  if (last >= 256 ** (4 - numbers.length)) return undefined;
  let value = last;
  numbers.forEach((n, i) => {
    value += n * 256 ** (3 - i);
  });
  return [value >>> 24, (value >>> 16) & 255, (value >>> 8) & 255, value & 255].join('.');
}

function parseIPv4Part(part: string): number | undefined {
  if (part === '') return undefined;
  let digits = part;
  let radix = 10;
  if (/^0x/i.test(part)) {
    digits = part.slice(2);
    radix = 16;
    if (digits === '') return 0;
  } else if (part.length > 1 && part.startsWith('0')) {
    digits = part.slice(1);
    radix = 8;
  }
  const pattern = radix === 16 ? /^[0-9a-f]+$/i : radix === 8 ? /^[0-7]+$/ : /^[0-9]+$/;
  if (!pattern.test(digits)) return undefined;
  const value = parseInt(digits, radix);
  return Number.isSafeInteger(value) ? value : undefined;
}

/** The eight 16-bit groups of an IPv6 literal (brackets and a zone id allowed); undefined when it is not one. */
export function parseIPv6(host: string): number[] | undefined {
  let text = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  const zone = text.indexOf('%');
  if (zone >= 0) text = text.slice(0, zone);
  if (!isIPv6(text)) return undefined;
  let tail: number[] = [];
  const lastColon = text.lastIndexOf(':');
  const dotted = text.slice(lastColon + 1);
  if (dotted.includes('.')) {
    const octets = dotted.split('.').map(Number);
    tail = [(octets[0] << 8) | octets[1], (octets[2] << 8) | octets[3]];
    text = text.slice(0, lastColon + 1) + '0:0';
  }
  const [head, rest] = text.split('::') as [string, string | undefined];
  const groups = (s: string) => (s === '' ? [] : s.split(':').map((g) => parseInt(g, 16)));
  let words: number[];
  if (rest === undefined) {
    words = groups(head);
  } else {
    const left = groups(head);
    const right = groups(rest);
    words = [...left, ...new Array<number>(8 - left.length - right.length).fill(0), ...right];
  }
  if (tail.length) words.splice(6, 2, ...tail);
  return words.length === 8 ? words : undefined;
}

/** An IP address in canonical form with its family: `{ family: 4, address: '127.0.0.1' }`. */
export interface IpAddress {
  family: 4 | 6;
  /** Dotted quad, or the eight groups in full lowercase hex joined by colons. */
  address: string;
  /** IPv4 as a 32-bit number; IPv6 as eight 16-bit groups. */
  v4?: number;
  v6?: number[];
}

/** Parses any IP literal (inet_aton forms, bracketed IPv6, a zone id); undefined for a host name. */
export function parseIp(host: string): IpAddress | undefined {
  const v6 = parseIPv6(host);
  if (v6) return { family: 6, address: v6.map((w) => w.toString(16)).join(':'), v6 };
  // A name with a letter outside hex digits is a host name, not a number.
  const v4 = parseIPv4(host);
  if (v4 && isIPv4(v4)) {
    const o = v4.split('.').map(Number);
    return { family: 4, address: v4, v4: ((o[0] << 24) | (o[1] << 16) | (o[2] << 8) | o[3]) >>> 0 };
  }
  return undefined;
}
