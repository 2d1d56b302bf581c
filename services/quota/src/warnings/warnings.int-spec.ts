import { Injectable, Module } from '@nestjs/common';
import { z } from 'zod';
import { DataSource } from 'typeorm';
import { baseConfigSchema } from '@leap/config';
import { MESSAGE_TYPES, type QuotaWarningRaised, type StorageUsageChanged } from '@leap/contracts';
import { MessageBus, MessageHandler, type MessageContext } from '@leap/messaging';
import type { ServiceDefinition } from '@leap/platform';
import { createServiceWorld, type ServiceWorld } from '@leap/service-testing';
import { eventually } from '@leap/testing';
import { quotaService } from '../service';

const warnings: QuotaWarningRaised[] = [];

/** Listens to the warnings quota publishes, as the gateway's notifications and webhooks do. */
@Injectable()
class WarningObserver {
  @MessageHandler(MESSAGE_TYPES.quota.QuotaWarningRaised, { queue: 'observer.quota-warnings' })
  async warned(ctx: MessageContext<QuotaWarningRaised>): Promise<void> {
    warnings.push(ctx.data);
  }
}

@Module({ providers: [WarningObserver] })
class ObserverModule {}

/** Plays the gateway (asks for reservations, releases them) and storage (reports usage). */
const client: ServiceDefinition = {
  name: 'gateway',
  configSchema: baseConfigSchema.extend({ PORT: z.coerce.number().default(0) }),
  consumers: [{ queue: 'observer.quota-warnings', types: [MESSAGE_TYPES.quota.QuotaWarningRaised] }],
  imports: [ObserverModule],
};

function currentPeriod(): string {
  const now = new Date();
  return `${now.getUTCFullYear()}-${String(now.getUTCMonth() + 1).padStart(2, '0')}`;
}

const WAIT = { timeoutMs: 20_000 };

describe('quota warnings at 80 % and 100 %, with two quota replicas', () => {
  let world: ServiceWorld;
  let bus: MessageBus;
  let quotaDb: DataSource;
  let clientDb: DataSource;

  beforeAll(async () => {
    world = await createServiceWorld('quota_warnings', { QUOTA_DEFAULT_RECORDINGS_PER_MONTH: '5' });
    const first = await world.start(quotaService);
    await world.start(quotaService);
    const gateway = await world.start(client);
    bus = gateway.app.get(MessageBus);
    quotaDb = first.app.get(DataSource);
    clientDb = gateway.app.get(DataSource);
  }, 300_000);

  afterAll(() => world?.close());

  const reserve = (userId: string, idempotencyKey: string) =>
    bus.request(MESSAGE_TYPES.quota.ReserveRecording, { userId, idempotencyKey }, { subject: userId, tenant: userId, timeoutMs: 30_000 });

  const release = (userId: string, reservationId: string) =>
    clientDb.transaction((m) => bus.send(m, MESSAGE_TYPES.quota.ReleaseReservation, { reservationId, userId, reason: 'upload abandoned' }, { subject: userId }));

  const storageChanged = (userId: string, totalBytes: number) =>
    bus.publishNow(MESSAGE_TYPES.storage.StorageUsageChanged, { userId, totalBytes: String(totalBytes), deltaBytes: '1' } as StorageUsageChanged, {
      subject: userId,
      tenant: userId,
    });

  const of = (userId: string) => warnings.filter((w) => w.userId === userId);

  it('warns once at 80 % and once at 100 % of the monthly recordings, and not again after dropping below', async () => {
    const decisions = [];
    for (let n = 1; n <= 3; n++) decisions.push(await reserve('user-a', `upload-${n}`));
    const fourth = await reserve('user-a', 'upload-4');
    expect(fourth).toMatchObject({ granted: true, used: '3', limit: '5' });
    await eventually(
      () => expect(of('user-a')).toEqual([
        { userId: 'user-a', metric: 'QUOTA_METRIC_RECORDINGS', used: '4', limit: '5', thresholdPercent: 80, usedPercent: 80, period: currentPeriod() },
      ]),
      WAIT,
    );

    const fifth = await reserve('user-a', 'upload-5');
    expect(fifth.granted).toBe(true);
    await eventually(() => expect(of('user-a').map((w) => [w.thresholdPercent, w.used])).toEqual([[80, '4'], [100, '5']]), WAIT);

    // The same request again, a refusal, and a release followed by a new reservation that reaches 100 % again.
    expect(await reserve('user-a', 'upload-5')).toEqual(fifth);
    expect((await reserve('user-a', 'upload-6')).granted).toBe(false);
    await release('user-a', fifth.reservationId!);
    await eventually(async () => expect(await reserve('user-a', `again-${Date.now()}`)).toMatchObject({ granted: true, used: '4' }), {
      timeoutMs: 20_000,
      intervalMs: 200,
    });

    // A warning of the same user published after all that arrives alone: nothing was repeated before it.
    await quotaDb.query(`INSERT INTO subscriptions (user_id, plan_name, custom_recordings_per_month, custom_storage_bytes) VALUES ('user-a', 'free', 5, 1000)`);
    await storageChanged('user-a', 1000);
    await eventually(() => expect(of('user-a').at(-1)).toMatchObject({ metric: 'QUOTA_METRIC_STORAGE_BYTES', thresholdPercent: 100 }), WAIT);
    expect(of('user-a').map((w) => `${w.metric}:${w.thresholdPercent}`)).toEqual([
      'QUOTA_METRIC_RECORDINGS:80',
      'QUOTA_METRIC_RECORDINGS:100',
      'QUOTA_METRIC_STORAGE_BYTES:100',
    ]);
  }, 300_000);

  it('sends each warning once when concurrent requests are spread over both replicas', async () => {
    const decisions = await Promise.all([1, 2, 3, 4, 5, 6, 7].map((n) => reserve('user-b', `parallel-${n}`)));
    expect(decisions.filter((d) => d.granted)).toHaveLength(5);
    await eventually(() => expect(of('user-b').map((w) => w.thresholdPercent).sort()).toEqual([100, 80]), WAIT);

    await storageChanged('user-b', 1); // no subscription: no storage limit, nothing to warn about
    await quotaDb.query(`INSERT INTO subscriptions (user_id, plan_name, custom_storage_bytes) VALUES ('user-b', 'free', 1000)`);
    await storageChanged('user-b', 1000);
    await eventually(() => expect(of('user-b')).toHaveLength(3), WAIT);
    expect(of('user-b').map((w) => `${w.metric}:${w.thresholdPercent}`).sort()).toEqual([
      'QUOTA_METRIC_RECORDINGS:100',
      'QUOTA_METRIC_RECORDINGS:80',
      'QUOTA_METRIC_STORAGE_BYTES:100',
    ]);
  }, 300_000);

  it('warns about storage once per threshold, however often the same usage is reported (duplicates, redeliveries)', async () => {
    await quotaDb.query(`INSERT INTO subscriptions (user_id, plan_name, custom_storage_bytes) VALUES ('user-c', 'free', 1000)`);
    await storageChanged('user-c', 500);
    // The same report several times over (a redelivered or duplicated event), handled by either replica.
    await Promise.all([1, 2, 3, 4].map(() => storageChanged('user-c', 850)));
    await eventually(() => expect(of('user-c')).toHaveLength(1), WAIT);
    expect(of('user-c')[0]).toEqual({
      userId: 'user-c',
      metric: 'QUOTA_METRIC_STORAGE_BYTES',
      used: '850',
      limit: '1000',
      thresholdPercent: 80,
      usedPercent: 85,
      period: currentPeriod(),
    });

    // Down below 80 % and up again: no repeat; then over the limit: the 100 % warning, and it alone.
    await storageChanged('user-c', 100);
    await storageChanged('user-c', 900);
    await storageChanged('user-c', 1200);
    await eventually(() => expect(of('user-c').at(-1)).toMatchObject({ thresholdPercent: 100, used: '1200', usedPercent: 120 }), WAIT);
    expect(of('user-c').map((w) => w.thresholdPercent)).toEqual([80, 100]);
  }, 300_000);

  it('sends only the highest threshold when one change passes several', async () => {
    await quotaDb.query(`INSERT INTO subscriptions (user_id, plan_name, custom_storage_bytes) VALUES ('user-d', 'free', 1000)`);
    await storageChanged('user-d', 2000);
    await eventually(() => expect(of('user-d')).toHaveLength(1), WAIT);
    expect(of('user-d')[0]).toMatchObject({ thresholdPercent: 100, usedPercent: 200 });
    // 80 % was passed on the way: recorded with the 100 % warning, in its transaction, so it cannot come later in the period.
    expect(await quotaDb.query(`SELECT threshold_percent, published FROM warnings WHERE user_id = 'user-d' ORDER BY threshold_percent`)).toEqual([
      { threshold_percent: 80, published: false },
      { threshold_percent: 100, published: true },
    ]);
  }, 300_000);
});
