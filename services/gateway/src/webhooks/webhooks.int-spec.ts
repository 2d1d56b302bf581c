import { Global, Module } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import type { LookupAddress } from 'node:dns';
import { Webhook } from 'standardwebhooks';
import { MESSAGE_TYPES, type QuotaWarningRaised, type RecordingRegistered } from '@leap/contracts';
import { AmqpTransport, MessageBus, newMessageId, PostgresTransport } from '@leap/messaging';
import { createServiceWorld, type ServiceWorld } from '@leap/service-testing';
import { eventually, startMailCatcher, type MailCatcher } from '@leap/testing';
import { gatewayService } from '../service';
import { expectProblem, gatewayTestEnv, httpClient, startGateway, verifiedUser, type Account } from '../testing';
import { startWebhookReceiver, type WebhookReceiver } from './webhook-receiver.fixture';
import { OUTBOUND_RESOLVER } from './webhook-sender';

/** What `rebind.test` resolves to; the spec changes it to play a DNS answer that changes after creation. */
let rebindAddress = '93.184.215.14';
const resolver = async (host: string): Promise<LookupAddress[]> => {
  if (host === 'rebind.test') return [{ address: rebindAddress, family: 4 }];
  if (host === 'localhost') return [{ address: '127.0.0.1', family: 4 }];
  throw Object.assign(new Error(`${host} not found`), { code: 'ENOTFOUND' });
};

@Global()
@Module({ providers: [{ provide: OUTBOUND_RESOLVER, useValue: resolver }], exports: [OUTBOUND_RESOLVER] })
class TestResolverModule {}

describe.each(['amqp', 'postgres'] as const)('webhooks over the %s transport', (transport) => {
  let world: ServiceWorld;
  let base: string;
  let bus: MessageBus;
  let mail: MailCatcher;
  let db: DataSource;
  const { call } = httpClient(() => base);
  let alice: Account;
  let bob: Account;
  const receivers: WebhookReceiver[] = [];
  const receiver = async (respond?: WebhookReceiver['respond']) => {
    const r = await startWebhookReceiver(respond);
    receivers.push(r);
    return r;
  };

  beforeAll(async () => {
    mail = await startMailCatcher();
    world = await createServiceWorld(
      `gateway_webhooks_${transport}`,
      gatewayTestEnv({
        MESSAGING_TRANSPORT: transport,
        AUTH_REQUIRE_VERIFIED_EMAIL: 'false',
        SMTP_URL: mail.url,
        OUTBOUND_ALLOWED_HOSTS: '127.0.0.1',
        // The schedule of the test: four retries, a tenth of a second apart (a day in production).
        WEBHOOK_RETRY_SCHEDULE: '100ms,100ms,100ms,100ms',
        WEBHOOK_TIMEOUT: '30s',
        WEBHOOK_DISABLE_AFTER: '1',
        WEBHOOK_CONCURRENCY: '4',
        WEBHOOK_CONCURRENCY_PER_SUBSCRIPTION: '1',
      }),
    );
    const service = { ...gatewayService, imports: [...(gatewayService.imports ?? []), TestResolverModule] };
    const gateway = await startGateway(world, { service });
    base = gateway.base;
    db = gateway.db;
    bus = gateway.app.get(MessageBus);
    // The events reach the webhooks consumer over the transport under test (embedded mode: PostgreSQL).
    expect(bus.transport).toBeInstanceOf(transport === 'postgres' ? PostgresTransport : AmqpTransport);
    alice = await verifiedUser(gateway.client, gateway.db, 'alice@example.org');
    bob = await verifiedUser(gateway.client, gateway.db, 'bob@example.org');
  }, 300_000);

  afterAll(async () => {
    for (const r of receivers) await r.close();
    await world?.close();
    await mail?.close();
  });

  const subscribe = async (account: Account, url: string, eventTypes = ['recording.*']) => {
    const reply = await call('POST', '/api/v1/webhooks', { token: account.token, json: { url, eventTypes, description: 'test' } });
    expect(reply.status).toBe(201);
    return reply.body as { id: string; secret: string };
  };

  /** A recording of `account` is registered: the public event `recording.registered`. */
  const registered = async (account: Account) => {
    const recordingId = newMessageId();
    const data: RecordingRegistered = {
      recordingId,
      userId: account.id,
      sourceType: 'SOURCE_TYPE_UPLOAD',
      title: 'Lecture',
      status: 'RECORDING_STATUS_DOWNLOADED',
      registeredAt: new Date().toISOString(),
    } as RecordingRegistered;
    await bus.publishNow(MESSAGE_TYPES.ingest.RecordingRegistered, data, { subject: recordingId, tenant: account.id });
    return recordingId;
  };

  const log = async (account: Account, id: string) => (await call('GET', `/api/v1/webhooks/${id}/deliveries`, { token: account.token })).body.items;

  it('lists the public event types, each with its name, version, schema and an example', async () => {
    const reply = await call('GET', '/api/v1/webhooks/event-types', { token: alice.token });
    expect(reply.status).toBe(200);
    expect(reply.body.items.map((t: { name: string }) => t.name)).toEqual([
      'recording.registered',
      'recording.status_changed',
      'recording.stage_changed',
      'recording.paused',
      'recording.deleted',
      'quota.warning',
    ]);
    expect(reply.body.items[0]).toMatchObject({ version: 'v1', schema: 'leap.ingest.v1.RecordingRegistered', example: expect.objectContaining({ recordingId: expect.any(String) }) });
    expect(reply.body.items.at(-1)).toMatchObject({ version: 'v1', schema: 'leap.quota.v1.QuotaWarningRaised', example: expect.objectContaining({ thresholdPercent: 80 }) });
  });

  it('shows the secret once, and delivers signed events that the standardwebhooks library verifies, after three failures exactly once', async () => {
    const hooks = await receiver((n) => (n <= 3 ? { status: 503 } : { status: 204 }));
    const sub = await subscribe(alice, hooks.url);
    expect(sub.secret).toMatch(/^whsec_[A-Za-z0-9+/]+=*$/);
    const shown = await call('GET', `/api/v1/webhooks/${sub.id}`, { token: alice.token });
    expect(shown.body).not.toHaveProperty('secret');
    expect(JSON.stringify((await call('GET', '/api/v1/webhooks', { token: alice.token })).body)).not.toContain(sub.secret);

    const recordingId = await registered(alice);
    const [delivery] = await eventually(
      async () => {
        const items = await log(alice, sub.id);
        expect(items[0]?.state).toBe('delivered');
        return items;
      },
      { timeoutMs: 20_000, intervalMs: 100 },
    );
    expect(delivery.attempts.map((a: { status: number }) => a.status)).toEqual([503, 503, 503, 204]);
    expect(delivery.attempts[0]).toMatchObject({ errorCode: 'WEBHOOK.HTTP_STATUS', responseExcerpt: 'receiver says no', latencyMs: expect.any(Number) });
    expect(hooks.received).toHaveLength(4);
    expect(new Set(hooks.received.map((r) => r.headers['webhook-id']))).toEqual(new Set([delivery.id]));

    const wh = new Webhook(sub.secret);
    for (const request of hooks.received) {
      const payload = wh.verify(request.body, request.headers as Record<string, string>) as { type: string; data: { recordingId: string } };
      expect(payload).toMatchObject({ type: 'recording.registered', version: 'v1', data: { recordingId, userId: alice.id } });
    }

    // A forged signature, and a timestamp outside the tolerance, are refused by the same library.
    const last = hooks.received[3]!;
    const headers = last.headers as Record<string, string>;
    expect(() => wh.verify(last.body.replace('Lecture', 'Lectures'), headers)).toThrow();
    expect(() => wh.verify(last.body, { ...headers, 'webhook-signature': 'v1,' + Buffer.alloc(32).toString('base64') })).toThrow();
    expect(() => new Webhook('whsec_' + Buffer.alloc(32, 1).toString('base64')).verify(last.body, headers)).toThrow();
    const old = String(Number(headers['webhook-timestamp']) - 3600);
    const signedOld = wh.sign(headers['webhook-id']!, new Date(Number(old) * 1000), last.body);
    expect(() => wh.verify(last.body, { ...headers, 'webhook-timestamp': old, 'webhook-signature': signedOld })).toThrow(/timestamp/i);
  }, 300_000);

  it('sends only what the filters ask for, and only to the owner of the event', async () => {
    const alices = await receiver();
    const bobs = await receiver();
    const onlyDeleted = await subscribe(alice, alices.url, ['recording.deleted']);
    const bobsSub = await subscribe(bob, bobs.url);
    await registered(alice);
    const ping = await call('POST', `/api/v1/webhooks/${onlyDeleted.id}/test`, { token: alice.token });
    expect(ping.status).toBe(202);
    await eventually(() => expect(alices.received).toHaveLength(1), { timeoutMs: 10_000 });
    expect(JSON.parse(alices.received[0]!.body)).toMatchObject({ type: 'webhook.ping', data: { subscriptionId: onlyDeleted.id } });
    expect(bobs.received).toHaveLength(0);
    expect(await log(bob, bobsSub.id)).toEqual([]);
    expectProblem(await call('GET', `/api/v1/webhooks/${onlyDeleted.id}`, { token: bob.token }), 404, 'WEBHOOK.NOT_FOUND');
  }, 30_000);

  it('does not let a receiver that hangs delay deliveries to a healthy one', async () => {
    const stuck = await receiver(() => 'hang');
    const healthy = await receiver();
    const stuckSub = await subscribe(bob, stuck.url);
    const healthySub = await subscribe(bob, healthy.url);
    for (let i = 0; i < 3; i++) await registered(bob);
    await eventually(() => expect(healthy.received).toHaveLength(3), { timeoutMs: 15_000 });
    // The stuck receiver holds one delivery (WEBHOOK_CONCURRENCY_PER_SUBSCRIPTION) while the healthy one has all of its own;
    // the stuck subscription's other deliveries wait for their turn instead of taking the free slots.
    const stuckJobs = () =>
      db.query(`SELECT state, count(*)::int AS n FROM jobs WHERE kind = 'gateway.webhook-delivery' AND tenant = $1 GROUP BY state ORDER BY state`, [stuckSub.id]);
    await eventually(async () => {
      expect(await stuckJobs()).toEqual([
        { state: 'queued', n: 2 },
        { state: 'running', n: 1 },
      ]);
      expect(stuck.hanging).toBe(1);
    });
    await eventually(async () => expect((await log(bob, healthySub.id)).map((d: { state: string }) => d.state)).toEqual(['delivered', 'delivered', 'delivered']));
    stuck.release();
  }, 30_000);

  it('refuses a private address at creation, and again at delivery when the name resolves somewhere private later', async () => {
    for (const url of ['http://10.0.0.8/hooks', 'http://169.254.169.254/latest', 'http://[::1]:8080/x', 'http://192.168.1.10/x']) {
      const reply = await call('POST', '/api/v1/webhooks', { token: alice.token, json: { url, eventTypes: ['*'] } });
      expectProblem(reply, 422, 'WEBHOOK.URL_NOT_ALLOWED');
    }
    expectProblem(await call('POST', '/api/v1/webhooks', { token: alice.token, json: { url: 'ftp://example.org/x', eventTypes: ['*'] } }), 400, 'VALIDATION.FAILED');
    // Not a URL at all: a validation problem, not a fault of ours.
    expectProblem(await call('POST', '/api/v1/webhooks', { token: alice.token, json: { url: 'Qa#J-G"rtx', eventTypes: ['*'] } }), 400, 'VALIDATION.FAILED');
    expectProblem(await call('POST', '/api/v1/webhooks', { token: alice.token, json: { url: 'https://example.org/x', eventTypes: ['media.*'] } }), 422, 'WEBHOOK.UNKNOWN_EVENT_TYPE');

    rebindAddress = '93.184.215.14';
    const sub = await subscribe(alice, 'http://rebind.test/hooks', ['recording.registered']);
    rebindAddress = '10.1.2.3';
    await registered(alice);
    const [delivery] = await eventually(
      async () => {
        const items = await log(alice, sub.id);
        expect(items[0]?.state).toBe('failed');
        return items;
      },
      { timeoutMs: 20_000, intervalMs: 100 },
    );
    expect(delivery.attempts).toHaveLength(5);
    expect(new Set(delivery.attempts.map((a: { errorCode: string }) => a.errorCode))).toEqual(new Set(['OUTBOUND.ADDRESS_NOT_ALLOWED']));

    // Its schedule used up, the delivery gave up: with WEBHOOK_DISABLE_AFTER=1 the subscription is disabled and its owner told.
    const after = await call('GET', `/api/v1/webhooks/${sub.id}`, { token: alice.token });
    expect(after.body).toMatchObject({ enabled: false, disabledReason: '1 deliveries in a row failed' });
    const sent = await mail.waitFor({ to: 'alice@example.org', subject: 'Your LEAP webhook was disabled' });
    expect(sent.text).toContain('http://rebind.test/hooks');
    const events = await db.query(`SELECT message FROM outbox WHERE routing_key = 'gateway.webhook.disabled.v1'`);
    expect(events).toHaveLength(1);
    expect(JSON.stringify(events[0].message)).toContain(sub.id);
  }, 300_000);

  it('rotates the secret with an overlap in which both sign, and redelivers on request with the same webhook-id', async () => {
    const hooks = await receiver();
    const sub = await subscribe(bob, hooks.url, ['recording.registered']);
    const rotated = await call('POST', `/api/v1/webhooks/${sub.id}/rotate-secret`, { token: bob.token });
    expect(rotated.status).toBe(200);
    expect(rotated.body.secret).not.toBe(sub.secret);
    expect(rotated.body.previousSecretUntil).toEqual(expect.any(String));
    // A ping retried with the same Idempotency-Key answers the first ping's delivery and sends nothing more.
    const ping = await call('POST', `/api/v1/webhooks/${sub.id}/test`, { token: bob.token, headers: { 'idempotency-key': 'ping-1' } });
    const retried = await call('POST', `/api/v1/webhooks/${sub.id}/test`, { token: bob.token, headers: { 'idempotency-key': 'ping-1' } });
    expect(retried.body).toEqual(ping.body);
    await eventually(() => expect(hooks.received).toHaveLength(1), { timeoutMs: 10_000 });
    const first = hooks.received[0]!;
    expect(String(first.headers['webhook-signature']).split(' ')).toHaveLength(2);
    for (const secret of [sub.secret, rotated.body.secret]) new Webhook(secret).verify(first.body, first.headers as Record<string, string>);

    const [delivery] = await log(bob, sub.id);
    const again = await call('POST', `/api/v1/webhooks/${sub.id}/deliveries/${delivery.id}/redeliver`, { token: bob.token });
    expect(again.status).toBe(202);
    await eventually(() => expect(hooks.received).toHaveLength(2), { timeoutMs: 10_000 });
    expect(hooks.received[1]!.headers['webhook-id']).toBe(delivery.id);
    const range = await call('POST', `/api/v1/webhooks/${sub.id}/redeliver`, {
      token: bob.token,
      json: { from: new Date(Date.now() - 60_000).toISOString(), to: new Date(Date.now() + 1000).toISOString() },
    });
    expect(range.body.deliveryIds).toEqual([delivery.id]);
    await eventually(() => expect(hooks.received).toHaveLength(3), { timeoutMs: 10_000 });
    expectProblem(await call('POST', `/api/v1/webhooks/${sub.id}/deliveries/${newMessageId()}/redeliver`, { token: bob.token }), 404, 'WEBHOOK.DELIVERY_NOT_FOUND');
  }, 300_000);

  it('delivers quota warnings, signed, to the subscriptions of their user that ask for them', async () => {
    const warnings = await receiver();
    const recordingsOnly = await receiver();
    const sub = await subscribe(alice, warnings.url, ['quota.warning']);
    const other = await subscribe(alice, recordingsOnly.url, ['recording.*']);
    const warning: QuotaWarningRaised = {
      userId: alice.id,
      metric: 'QUOTA_METRIC_STORAGE_BYTES',
      used: '900',
      limit: '1000',
      thresholdPercent: 80,
      usedPercent: 90,
      period: '2026-03',
    };
    await bus.publishNow(MESSAGE_TYPES.quota.QuotaWarningRaised, warning, { subject: alice.id, tenant: alice.id });
    const [delivery] = await eventually(
      async () => {
        const items = await log(alice, sub.id);
        expect(items[0]?.state).toBe('delivered');
        return items;
      },
      { timeoutMs: 20_000, intervalMs: 100 },
    );
    expect(warnings.received).toHaveLength(1);
    const request = warnings.received[0]!;
    expect(request.headers['webhook-id']).toBe(delivery.id);
    const payload = new Webhook(sub.secret).verify(request.body, request.headers as Record<string, string>);
    expect(payload).toEqual({ type: 'quota.warning', version: 'v1', id: expect.any(String), timestamp: expect.any(String), data: warning });

    // A recording event after it reaches the other subscription; the warning never did.
    await registered(alice);
    await eventually(() => expect(recordingsOnly.received).toHaveLength(1), { timeoutMs: 20_000 });
    expect(JSON.parse(recordingsOnly.received[0]!.body)).toMatchObject({ type: 'recording.registered' });
    expect((await log(alice, other.id)).map((d: { eventType: string }) => d.eventType)).toEqual(['recording.registered']);
  }, 300_000);
});
