/**
 * Webhook delivery benchmark (`npm run bench:webhooks`): a gateway in-process on the machine's
 * PostgreSQL and RabbitMQ, receivers on localhost. See docs/performance.md for the figures.
 *
 *   healthy   one subscription to one receiver that answers 204 at once: BENCH_WEBHOOK_EVENTS
 *             events published as fast as the bus takes them; deliveries per second (first
 *             publish to last arrival) and p50/p99 from each event's publish to its arrival.
 *   hanging   the same, with a second subscription of the same user to a receiver that never
 *             answers (each of its deliveries holds a slot until WEBHOOK_TIMEOUT): the healthy
 *             receiver's figures beside the first run's.
 *
 * Environment (all optional): BENCH_WEBHOOK_EVENTS (default 300), BENCH_WEBHOOK_CONCURRENCY
 * (WEBHOOK_CONCURRENCY, default 8).
 */
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { MESSAGE_TYPES, type RecordingRegistered } from '@leap/contracts';
import { MessageBus, newMessageId } from '@leap/messaging';
import { createServiceWorld } from '@leap/service-testing';
import { ensurePlatformTemplate, PLATFORM_TEMPLATE_ENV } from '@leap/testing';
import { platformRegistry } from '../../scripts/jest/platform-registry';
import { gatewayTestEnv, startGateway } from '../../services/gateway/src/testing/gateway';
import { intEnv, now, percentile, sleep } from '../bus/common';

const config = { events: intEnv('BENCH_WEBHOOK_EVENTS', 300), concurrency: intEnv('BENCH_WEBHOOK_CONCURRENCY', 8) };

interface Receiver {
  url: string;
  arrivals: Map<string, number>;
  close(): Promise<void>;
}

async function receiver(hang: boolean): Promise<Receiver> {
  const arrivals = new Map<string, number>();
  const held = new Set<ServerResponse>();
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const at = now();
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { data: { recordingId: string } };
      if (!arrivals.has(body.data.recordingId)) arrivals.set(body.data.recordingId, at);
      if (hang) held.add(res);
      else res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/hooks`,
    arrivals,
    close: () =>
      new Promise((resolve) => {
        for (const res of held) res.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function call(base: string, path: string, body: unknown, token?: string) {
  const res = await fetch(`${base}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
  const json = (await res.json().catch(() => undefined)) as any;
  if (res.status >= 300) throw new Error(`${path} answered ${res.status}: ${JSON.stringify(json)}`);
  return json;
}

async function scenario(name: string, withHanging: boolean): Promise<string> {
  const world = await createServiceWorld(
    `bench_webhooks_${name}`,
    gatewayTestEnv({
      AUTH_REQUIRE_VERIFIED_EMAIL: 'false',
      LOG_LEVEL: 'error',
      OUTBOUND_ALLOWED_HOSTS: '127.0.0.1',
      WEBHOOK_CONCURRENCY: String(config.concurrency),
      WEBHOOK_TIMEOUT: '60s',
      JOBS_POLL_INTERVAL: '1s',
    }),
  );
  const receivers: Receiver[] = [];
  try {
    const gateway = await startGateway(world);
    const bus: MessageBus = gateway.app.get(MessageBus);
    const email = `bench-${name}@example.org`;
    await call(gateway.base, '/api/v1/auth/register', { email, password: 'Correct horse 1' });
    const { accessToken: token } = await call(gateway.base, '/api/v1/auth/login', { email, password: 'Correct horse 1' });
    const [{ id: userId }] = await gateway.db.query(`SELECT id FROM users WHERE email = $1`, [email]);
    const healthy = await receiver(false);
    receivers.push(healthy);
    await call(gateway.base, '/api/v1/webhooks', { url: healthy.url, eventTypes: ['recording.registered'] }, token);
    if (withHanging) {
      const stuck = await receiver(true);
      receivers.push(stuck);
      await call(gateway.base, '/api/v1/webhooks', { url: stuck.url, eventTypes: ['recording.registered'] }, token);
    }

    const published = new Map<string, number>();
    const started = now();
    for (let i = 0; i < config.events; i++) {
      const recordingId = newMessageId();
      published.set(recordingId, now());
      await bus.publishNow(
        MESSAGE_TYPES.ingest.RecordingRegistered,
        { recordingId, userId, sourceType: 'SOURCE_TYPE_UPLOAD', title: `Bench ${i}`, status: 'RECORDING_STATUS_DOWNLOADED', registeredAt: new Date().toISOString() } as RecordingRegistered,
        { subject: recordingId, tenant: userId },
      );
    }
    const deadline = now() + 300_000;
    while (healthy.arrivals.size < config.events && now() < deadline) await sleep(20);
    const latencies = [...published].map(([id, at]) => (healthy.arrivals.get(id) ?? Number.NaN) - at).filter(Number.isFinite).sort((a, b) => a - b);
    const last = Math.max(...healthy.arrivals.values());
    const perSecond = (healthy.arrivals.size / (last - started)) * 1000;
    return `${name.padEnd(8)} ${String(healthy.arrivals.size).padStart(5)}/${config.events} delivered  ${perSecond.toFixed(0).padStart(5)} deliveries/s  p50 ${percentile(latencies, 50).toFixed(0)} ms  p99 ${percentile(latencies, 99).toFixed(0)} ms`;
  } finally {
    for (const r of receivers) await r.close();
    await world.close();
  }
}

async function main(): Promise<void> {
  // The databases are cloned from the platform template the test runs use (built here when missing).
  process.env[PLATFORM_TEMPLATE_ENV] ??= await ensurePlatformTemplate(platformRegistry());
  console.log(`webhooks: ${config.events} events, WEBHOOK_CONCURRENCY=${config.concurrency}, one gateway in-process`);
  console.log(await scenario('healthy', false));
  console.log(await scenario('hanging', true));
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
