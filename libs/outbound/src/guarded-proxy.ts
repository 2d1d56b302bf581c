import { createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { AddressNotAllowedError } from './errors';
import type { OutboundPolicy } from './outbound-policy';

/** A destination the proxy refused, and why. */
export interface ProxyRefusal {
  host: string;
  reason: string;
}

/**
 * A forward proxy on 127.0.0.1 that applies the address guard to every connection a tool opens:
 * HTTPS through CONNECT, plain HTTP by absolute URI. Tools that do their own HTTP (yt-dlp's
 * extractors follow redirects, fetch manifests, fragments and thumbnails) are pointed at it with
 * their proxy option, so every host they reach is checked, and the proxy connects to the address
 * it checked (DNS rebinding gains nothing). A refused destination answers 403 and is recorded in
 * `refusals`, so the caller can tell a refusal from the tool's other failures.
 */
export class GuardedProxy {
  readonly refusals: ProxyRefusal[] = [];
  private server?: Server;
  private readonly sockets = new Set<Socket>();

  constructor(private readonly policy: OutboundPolicy) {}

  /** `http://127.0.0.1:<port>`, once started. */
  url = '';

  async start(): Promise<this> {
    const server = createServer((req, res) => void this.forward(req, res));
    server.on('connect', (req: IncomingMessage, socket: Socket, head: Buffer) => void this.tunnel(req, socket, head));
    server.on('connection', (socket: Socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    this.server = server;
    this.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    return this;
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  /** The first refusal as the guard's error, if there was one. */
  refusalError(): AddressNotAllowedError | undefined {
    const first = this.refusals[0];
    return first ? new AddressNotAllowedError(`${first.host} may not be fetched: it is a ${first.reason}`, first.host, first.reason) : undefined;
  }

  private async check(host: string): Promise<{ address: string } | undefined> {
    try {
      const [first] = await this.policy.resolve(host);
      return first;
    } catch (error) {
      const reason = error instanceof AddressNotAllowedError ? error.reason : 'unresolvable';
      this.refusals.push({ host, reason });
      return undefined;
    }
  }

  /** `CONNECT host:port`: a TLS tunnel to the checked address. */
  private async tunnel(req: IncomingMessage, client: Socket, head: Buffer): Promise<void> {
    const target = parseAuthority(req.url ?? '');
    const checked = target && (await this.check(target.host));
    if (!target || !checked) {
      client.end('HTTP/1.1 403 Address Not Allowed\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
      return;
    }
    const upstream = connect({ host: checked.address, port: target.port });
    upstream.once('connect', () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length > 0) upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    const drop = () => {
      upstream.destroy();
      client.destroy();
    };
    upstream.on('error', () => client.end('HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\nConnection: close\r\n\r\n'));
    client.on('error', drop);
    client.on('close', () => upstream.destroy());
  }

  /** `GET http://host/path`: forwarded to the checked address, the Host header kept. */
  private async forward(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let url: URL;
    try {
      url = new URL(req.url ?? '');
    } catch {
      res.writeHead(400).end();
      return;
    }
    if (url.protocol !== 'http:') {
      res.writeHead(400).end();
      return;
    }
    const checked = await this.check(url.hostname);
    if (!checked) {
      res.writeHead(403, 'Address Not Allowed', { 'content-length': '0', connection: 'close' }).end();
      return;
    }
    const headers: Record<string, string | string[] | undefined> = { ...req.headers, host: url.host };
    delete headers['proxy-connection'];
    delete headers['proxy-authorization'];
    const upstream = httpRequest(
      { host: checked.address, port: url.port || 80, path: `${url.pathname}${url.search}`, method: req.method, headers, setHost: false },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.statusMessage, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', () => (res.headersSent ? res.destroy() : res.writeHead(502).end()));
    res.on('close', () => upstream.destroy());
    req.pipe(upstream);
  }
}

function parseAuthority(authority: string): { host: string; port: number } | undefined {
  const match = /^\[?([^\]]+?)\]?:(\d{1,5})$/.exec(authority);
  if (!match) return undefined;
  const port = Number(match[2]);
  return port > 0 && port < 65536 ? { host: match[1], port } : undefined;
}
