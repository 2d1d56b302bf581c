import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AddressNotAllowedError } from './errors';
import { OutboundHttp } from './outbound-http';
import { OutboundPolicy, type Resolver } from './outbound-policy';

/** A local server: `/media` answers bytes, `/to?u=<url>` redirects there, `/loop` to itself, and it counts what it was asked. */
function startServer(): Promise<{ server: Server; port: number; hits: string[] }> {
  const hits: string[] = [];
  const server = createServer((req, res) => {
    hits.push(req.url ?? '');
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname === '/media') {
      res.writeHead(200, { 'content-type': 'video/mp4' }).end('MEDIA');
    } else if (url.pathname === '/loop') {
      res.writeHead(301, { location: '/loop' }).end();
    } else if (url.pathname === '/to') {
      res.writeHead(302, { location: url.searchParams.get('u') ?? '/' }).end();
    } else {
      res.writeHead(404).end();
    }
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ server, port: (server.address() as AddressInfo).port, hits })));
}

describe('OutboundHttp against a local server', () => {
  let server: Server;
  let port: number;
  let hits: string[];
  // "public.test" stands for a public host: its name is allowed, its address (127.0.0.1) is not.
  const resolver: Resolver = async (host) => {
    if (host === 'public.test') return [{ address: '127.0.0.1', family: 4 }];
    throw Object.assign(new Error('not found'), { code: 'ENOTFOUND' });
  };

  beforeAll(async () => {
    ({ server, port, hits } = await startServer());
  });
  afterAll(() => new Promise((resolve) => server.close(resolve)));
  beforeEach(() => hits.splice(0));

  it('fetches from a host OUTBOUND_ALLOWED_HOSTS names, following its redirects there', async () => {
    const http = new OutboundHttp(new OutboundPolicy({ allowedHosts: '127.0.0.1', resolver }));
    const response = await http.request(`http://127.0.0.1:${port}/to?u=/media`);
    expect(response.status).toBe(200);
    expect(response.url.pathname).toBe('/media');
    const chunks: Buffer[] = [];
    for await (const chunk of response.body) chunks.push(chunk as Buffer);
    expect(Buffer.concat(chunks).toString()).toBe('MEDIA');
  });

  it('refuses 127.0.0.1 without the setting, and sends it nothing', async () => {
    const http = new OutboundHttp(new OutboundPolicy({ resolver }));
    await expect(http.request(`http://127.0.0.1:${port}/media`)).rejects.toBeInstanceOf(AddressNotAllowedError);
    await expect(http.request(`http://2130706433:${port}/media`)).rejects.toBeInstanceOf(AddressNotAllowedError);
    expect(hits).toEqual([]);
  });

  it('refuses a redirect to 127.0.0.1 from an allowed host, and never follows it', async () => {
    const http = new OutboundHttp(new OutboundPolicy({ allowedHosts: 'public.test', resolver }));
    await expect(http.request(`http://public.test:${port}/to?u=${encodeURIComponent(`http://127.0.0.1:${port}/media`)}`)).rejects.toMatchObject({
      code: 'OUTBOUND.ADDRESS_NOT_ALLOWED',
      host: '127.0.0.1',
    });
    await expect(http.request(`http://public.test:${port}/to?u=${encodeURIComponent(`http://[::ffff:7f00:1]:${port}/media`)}`)).rejects.toBeInstanceOf(
      AddressNotAllowedError,
    );
    expect(hits.filter((h) => h === '/media')).toEqual([]);
  });

  it('connects to the address it checked, not to a second answer of the resolver (DNS rebinding)', async () => {
    let calls = 0;
    // The first answer is an address the setting allows; every later one is loopback, which it does not.
    const rebinding: Resolver = async () => [{ address: calls++ === 0 ? '127.0.0.2' : '127.0.0.1', family: 4 }];
    const http = new OutboundHttp(new OutboundPolicy({ allowedHosts: '127.0.0.2/32', resolver: rebinding }));
    await expect(http.request(`http://rebind.test:${port}/media`)).rejects.toBeInstanceOf(AddressNotAllowedError);
    expect(calls).toBeGreaterThanOrEqual(2);
    expect(hits).toEqual([]);
  });

  it('stops after too many redirects', async () => {
    const http = new OutboundHttp(new OutboundPolicy({ allowedHosts: '127.0.0.1', resolver }));
    await expect(http.request(`http://127.0.0.1:${port}/loop`, { maxRedirects: 2 })).rejects.toMatchObject({ code: 'OUTBOUND.TOO_MANY_REDIRECTS' });
  });
});
