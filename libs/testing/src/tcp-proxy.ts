import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

export interface TcpProxyOptions {
  targetHost: string;
  targetPort: number;
  /** Address to listen on (default 127.0.0.1). */
  listenHost?: string;
}

export interface TcpProxy {
  readonly host: string;
  /** The port the proxy listens on; it stays the same across cut() and restore(). */
  readonly port: number;
  /** True between cut() and restore(). */
  readonly isCut: boolean;
  /** Connections currently relayed. */
  readonly connectionCount: number;
  /** `forUrl` with its host and port replaced by the proxy's (user, path and query kept). */
  url(forUrl: string): string;
  /** Simulates the target going down: live connections are destroyed, new ones refused. */
  cut(): Promise<void>;
  /** Accepts and relays connections again, on the same port. */
  restore(): Promise<void>;
  /** Destroys every connection and stops listening for good. */
  close(): Promise<void>;
}

/**
 * A TCP relay in front of a real server (RabbitMQ, PostgreSQL, an HTTP fake), so one test can
 * take "the broker" down for its own connections without disturbing other test files.
 */
export async function startTcpProxy(options: TcpProxyOptions): Promise<TcpProxy> {
  const host = options.listenHost ?? '127.0.0.1';
  const connections = new Set<[Socket, Socket]>();
  let server: Server | undefined;
  let port = 0;
  let cut = false;
  let closed = false;

  const relay = (client: Socket) => {
    if (cut || closed) return void client.destroy();
    const upstream = createConnection({ host: options.targetHost, port: options.targetPort });
    const pair: [Socket, Socket] = [client, upstream];
    connections.add(pair);
    for (const socket of pair) {
      socket.setNoDelay(true);
      socket.on('error', () => undefined);
      socket.on('close', () => {
        connections.delete(pair);
        // One side gone: the other goes too, as with a direct connection.
        client.destroy();
        upstream.destroy();
      });
    }
    client.pipe(upstream);
    upstream.pipe(client);
  };

  const listen = async () => {
    // Re-listening on the same port can briefly collide with a socket the OS still holds.
    for (let attempt = 1; ; attempt++) {
      const candidate = createServer(relay);
      try {
        await new Promise<void>((resolve, reject) => {
          candidate.once('error', reject);
          candidate.listen({ host, port }, () => {
            candidate.off('error', reject);
            resolve();
          });
        });
        server = candidate;
        const address = candidate.address();
        if (typeof address === 'object' && address) port = address.port;
        return;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE' || attempt >= 40) throw error;
        await sleep(50);
      }
    }
  };

  const stopListening = async () => {
    const current = server;
    server = undefined;
    for (const [client, upstream] of connections) {
      client.resetAndDestroy(); // the client sees ECONNRESET, as when a server vanishes
      upstream.destroy();
    }
    connections.clear();
    if (current) await new Promise<void>((resolve) => current.close(() => resolve()));
  };

  await listen();

  return {
    host,
    get port() {
      return port;
    },
    get isCut() {
      return cut;
    },
    get connectionCount() {
      return connections.size;
    },
    url(forUrl: string) {
      const u = new URL(forUrl);
      u.hostname = host;
      u.port = String(port);
      return u.toString();
    },
    async cut() {
      cut = true;
      await stopListening();
    },
    async restore() {
      if (closed) throw new Error('The proxy is closed');
      if (!cut) return;
      await listen();
      cut = false;
    },
    async close() {
      closed = true;
      await stopListening();
    },
  };
}
