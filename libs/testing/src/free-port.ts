import { createServer } from 'node:net';

/**
 * Ports are taken below Linux's ephemeral range (32768–60999), where the OS picks local ports for
 * outgoing connections: a port from there could be taken by a database or broker client between
 * the moment it is handed out and the moment a test server binds it. Each Jest worker draws from
 * its own slice, and a port is never handed out twice by one process.
 */
const FIRST = 20_000;
const SLICE = 2_000;
const SLICES = 6;
const handedOut = new Set<number>();

function bindable(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.unref();
    server.once('error', () => resolve(false));
    server.listen({ host, port, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

/** A TCP port on `host` that nothing listens on right now. */
export async function freePort(host = '127.0.0.1'): Promise<number> {
  const worker = Number(process.env.JEST_WORKER_ID ?? 0) % SLICES;
  const base = FIRST + worker * SLICE;
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = base + Math.floor(Math.random() * SLICE);
    if (handedOut.has(port)) continue;
    if (await bindable(host, port)) {
      handedOut.add(port);
      return port;
    }
  }
  throw new Error(`No free port found between ${base} and ${base + SLICE}`);
}
