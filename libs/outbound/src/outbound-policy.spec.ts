import { blockedClass } from './address-class';
import { AddressNotAllowedError } from './errors';
import { parseIp, parseIPv4 } from './ip-address';
import { OutboundPolicy, type Resolver } from './outbound-policy';

/** A resolver that answers only the names a test gives it, and fails on any other. */
function resolverOf(table: Record<string, string[]>): Resolver {
  return async (host) => {
    const addresses = table[host];
    if (!addresses) throw Object.assign(new Error(`unexpected lookup of ${host}`), { code: 'ENOTFOUND' });
    return addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
  };
}

describe('IPv4 literals in every inet_aton form', () => {
  it.each([
    ['127.0.0.1', '127.0.0.1'],
    ['2130706433', '127.0.0.1'],
    ['0x7f000001', '127.0.0.1'],
    ['0177.0.0.1', '127.0.0.1'],
    ['0x7f.1', '127.0.0.1'],
    ['127.1', '127.0.0.1'],
    ['0', '0.0.0.0'],
    ['2852039166', '169.254.169.254'],
    ['0xA9.0xFE.0xA9.0xFE', '169.254.169.254'],
    ['127.0.0.1.', '127.0.0.1'],
  ])('%s is %s', (text, dotted) => {
    expect(parseIPv4(text)).toBe(dotted);
  });

  it.each(['example.com', '256.0.0.1', '1.2.3.4.5', '08.0.0.1', '0xg1', '4294967296', ''])('%s is not an IPv4 address', (text) => {
    expect(parseIPv4(text)).toBeUndefined();
  });
});

describe('address classes', () => {
  it.each([
    ['127.0.0.1', 'loopback'],
    ['127.255.0.9', 'loopback'],
    ['10.1.2.3', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.1.1', 'private'],
    ['100.64.0.1', 'cgnat'],
    ['100.127.255.254', 'cgnat'],
    ['169.254.1.1', 'link-local'],
    ['169.254.169.254', 'metadata'],
    ['169.254.170.2', 'metadata'],
    ['100.100.100.200', 'metadata'],
    ['224.0.0.1', 'multicast'],
    ['239.255.255.250', 'multicast'],
    ['0.0.0.0', 'unspecified'],
    ['255.255.255.255', 'broadcast'],
    ['192.0.2.10', 'reserved'],
    ['240.0.0.1', 'reserved'],
    ['::', 'unspecified'],
    ['::1', 'loopback'],
    ['[::1]', 'loopback'],
    ['0:0:0:0:0:0:0:1', 'loopback'],
    ['fe80::1%eth0', 'link-local'],
    ['fc00::1', 'private'],
    ['fd12:3456::1', 'private'],
    ['ff02::1', 'multicast'],
    ['fd00:ec2::254', 'metadata'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:7f00:1', 'loopback'],
    ['::ffff:169.254.169.254', 'metadata'],
    ['::ffff:10.0.0.1', 'private'],
    ['64:ff9b::7f00:1', 'loopback'],
    ['2002:7f00:1::', 'loopback'],
    ['::127.0.0.1', 'reserved'],
    ['2001:db8::1', 'reserved'],
  ])('%s is %s', (address, cls) => {
    expect(blockedClass(address)).toBe(cls);
  });

  it.each(['8.8.8.8', '1.1.1.1', '172.32.0.1', '100.128.0.1', '169.255.0.1', '2606:4700::1111', '::ffff:8.8.8.8', '2a00:1450:4001::200e'])(
    '%s is public',
    (address) => {
      expect(blockedClass(address)).toBeUndefined();
    },
  );

  it('parses IPv6 to its eight groups', () => {
    expect(parseIp('::ffff:1.2.3.4')?.v6).toEqual([0, 0, 0, 0, 0, 0xffff, 0x0102, 0x0304]);
    expect(parseIp('2001:db8::8:800:200c:417a')?.v6).toEqual([0x2001, 0xdb8, 0, 0, 8, 0x800, 0x200c, 0x417a]);
  });
});

describe('OutboundPolicy', () => {
  it('refuses internal literals in every spelling, before any lookup', async () => {
    const policy = new OutboundPolicy({ resolver: resolverOf({}) });
    for (const url of ['http://127.0.0.1/a.mp4', 'http://2130706433/', 'http://0x7f.1/', 'http://[::1]/', 'http://169.254.169.254/latest/meta-data/', 'http://[::ffff:127.0.0.1]/']) {
      await expect(policy.checkUrl(url)).rejects.toBeInstanceOf(AddressNotAllowedError);
    }
  });

  it('refuses a name that resolves to an internal address, even when it also has a public one', async () => {
    const policy = new OutboundPolicy({ resolver: resolverOf({ 'rebind.example': ['93.184.216.34', '127.0.0.1'], 'public.example': ['93.184.216.34'] }) });
    await expect(policy.resolve('rebind.example')).rejects.toMatchObject({ code: 'OUTBOUND.ADDRESS_NOT_ALLOWED', status: 422, reason: 'loopback address 127.0.0.1' });
    await expect(policy.resolve('public.example')).resolves.toEqual([{ address: '93.184.216.34', family: 4 }]);
  });

  it('refuses schemes other than http and https, and names that do not resolve', async () => {
    const policy = new OutboundPolicy({ resolver: resolverOf({}) });
    await expect(policy.checkUrl('file:///etc/passwd')).rejects.toMatchObject({ reason: 'scheme' });
    await expect(policy.checkUrl('ftp://93.184.216.34/')).rejects.toMatchObject({ reason: 'scheme' });
    await expect(policy.checkUrl('http://nowhere.example/')).rejects.toMatchObject({ reason: 'unresolvable' });
  });

  it('lets OUTBOUND_ALLOWED_HOSTS name hosts and ranges', async () => {
    const policy = new OutboundPolicy({
      allowedHosts: 'Media.Internal, 10.20.0.0/16 ,::1',
      resolver: resolverOf({ 'media.internal': ['10.0.0.5'] }),
    });
    expect(policy.strict).toBe(false);
    await expect(policy.resolve('media.internal')).resolves.toEqual([{ address: '10.0.0.5', family: 4 }]);
    await expect(policy.resolve('10.20.3.4')).resolves.toEqual([{ address: '10.20.3.4', family: 4 }]);
    await expect(policy.resolve('[::1]')).resolves.toHaveLength(1);
    await expect(policy.resolve('10.21.0.1')).rejects.toBeInstanceOf(AddressNotAllowedError);
    await expect(policy.resolve('127.0.0.1')).rejects.toBeInstanceOf(AddressNotAllowedError);
  });

  it('refuses an invalid CIDR at construction', () => {
    expect(() => new OutboundPolicy({ allowedHosts: '10.0.0.0/33' })).toThrow(/not a valid CIDR/);
  });

  it('gives the socket only the addresses it checked', async () => {
    const policy = new OutboundPolicy({ resolver: resolverOf({ 'public.example': ['93.184.216.34', '2606:2800:220:1:248:1893:25c8:1946'], 'evil.example': ['10.0.0.1'] }) });
    const lookup = (host: string, options: object) =>
      new Promise<unknown[]>((resolve) => policy.lookup(host, options, (...args: unknown[]) => resolve(args)));
    expect(await lookup('public.example', {})).toEqual([null, '93.184.216.34', 4]);
    expect(await lookup('public.example', { family: 6 })).toEqual([null, '2606:2800:220:1:248:1893:25c8:1946', 6]);
    expect((await lookup('public.example', { all: true }))[1]).toHaveLength(2);
    expect((await lookup('evil.example', {}))[0]).toBeInstanceOf(AddressNotAllowedError);
  });

  it('names the refusal with the code the caller wants', () => {
    const refusal = new AddressNotAllowedError('no', 'h', 'loopback address 127.0.0.1').withCode('INGEST.URL_NOT_ALLOWED');
    expect(refusal).toMatchObject({ code: 'INGEST.URL_NOT_ALLOWED', status: 422, retryable: false, details: { host: 'h', reason: 'loopback address 127.0.0.1' } });
  });
});
