import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { GuardedProxy } from './guarded-proxy';
import { OutboundPolicy } from './outbound-policy';

/** Asks `proxy` for `url` the way a tool configured with it does (absolute URI). */
function viaProxy(proxy: string, url: string): Promise<{ status: number; body: string }> {
  const p = new URL(proxy);
  return new Promise((resolve, reject) => {
    request({ host: p.hostname, port: p.port, path: url, headers: { host: new URL(url).host } }, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    })
      .on('error', reject)
      .end();
  });
}

/** Opens a CONNECT tunnel and answers the proxy's status line. */
function tunnel(proxy: string, authority: string): Promise<number> {
  const p = new URL(proxy);
  return new Promise((resolve, reject) => {
    request({ host: p.hostname, port: p.port, method: 'CONNECT', path: authority })
      .on('connect', (res, socket) => {
        socket.destroy();
        resolve(res.statusCode ?? 0);
      })
      .on('error', reject)
      .end();
  });
}

describe('GuardedProxy', () => {
  let origin: Server;
  let port: number;

  beforeAll(async () => {
    origin = createServer((req, res) => {
      if (req.url === '/jump') res.writeHead(302, { location: 'http://169.254.169.254/latest/meta-data/' }).end();
      else res.end(`hello from ${req.headers.host}`);
    });
    await new Promise<void>((resolve) => origin.listen(0, '127.0.0.1', resolve));
    port = (origin.address() as AddressInfo).port;
  });
  afterAll(() => new Promise((resolve) => origin.close(resolve)));

  it('forwards to allowed hosts and keeps their Host header', async () => {
    const proxy = await new GuardedProxy(new OutboundPolicy({ allowedHosts: '127.0.0.1' })).start();
    try {
      expect(await viaProxy(proxy.url, `http://127.0.0.1:${port}/a`)).toEqual({ status: 200, body: `hello from 127.0.0.1:${port}` });
      expect(await tunnel(proxy.url, `127.0.0.1:${port}`)).toBe(200);
      expect(proxy.refusals).toEqual([]);
    } finally {
      await proxy.close();
    }
  });

  it('refuses internal destinations, tunnels and redirect targets alike, and records why', async () => {
    const proxy = await new GuardedProxy(new OutboundPolicy()).start();
    try {
      expect((await viaProxy(proxy.url, `http://127.0.0.1:${port}/a`)).status).toBe(403);
      expect(await tunnel(proxy.url, `127.0.0.1:${port}`)).toBe(403);
      expect(await tunnel(proxy.url, `[::1]:${port}`)).toBe(403);
      expect(proxy.refusals.map((r) => r.reason)).toEqual([
        'loopback address 127.0.0.1',
        'loopback address 127.0.0.1',
        'loopback address 0:0:0:0:0:0:0:1',
      ]);
      expect(proxy.refusalError()).toMatchObject({ code: 'OUTBOUND.ADDRESS_NOT_ALLOWED', host: '127.0.0.1' });
    } finally {
      await proxy.close();
    }
  });

  it('checks where a redirect leads when the tool follows it', async () => {
    const proxy = await new GuardedProxy(new OutboundPolicy({ allowedHosts: '127.0.0.1' })).start();
    try {
      expect((await viaProxy(proxy.url, `http://127.0.0.1:${port}/jump`)).status).toBe(302);
      expect((await viaProxy(proxy.url, 'http://169.254.169.254/latest/meta-data/')).status).toBe(403);
      expect(proxy.refusals).toEqual([{ host: '169.254.169.254', reason: 'metadata address 169.254.169.254' }]);
    } finally {
      await proxy.close();
    }
  });
});
