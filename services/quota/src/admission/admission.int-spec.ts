import { Injectable, Module } from '@nestjs/common';
import { z } from 'zod';
import { DataSource } from 'typeorm';
import { baseConfigSchema } from '@leap/config';
import {
  MESSAGE_TYPES,
  ObjectKind,
  QuotaMetric,
  type PipelineStarted,
  type QuotaExceeded,
  type RecordingRegistered,
  type RecordingTranscribed,
  type UsageRecorded,
} from '@leap/contracts';
import { MessageBus, MessageHandler, newMessageId, type MessageContext } from '@leap/messaging';
import type { ServiceDefinition } from '@leap/platform';
import { createServiceWorld, type ServiceWorld } from '@leap/service-testing';
import { eventually } from '@leap/testing';
import { quotaService } from '../service';

const exceeded: QuotaExceeded[] = [];
const recorded: UsageRecorded[] = [];

/** Listens to what quota publishes, as the gateway and webhooks would. */
@Injectable()
class QuotaObserver {
  @MessageHandler(MESSAGE_TYPES.quota.QuotaExceeded, { queue: 'observer.quota' })
  async exceeded(ctx: MessageContext<QuotaExceeded>): Promise<void> {
    exceeded.push(ctx.data);
  }

  @MessageHandler(MESSAGE_TYPES.quota.UsageRecorded, { queue: 'observer.quota' })
  async recorded(ctx: MessageContext<UsageRecorded>): Promise<void> {
    recorded.push(ctx.data);
  }
}

@Module({ providers: [QuotaObserver] })
class ObserverModule {}

/** Plays the gateway (asks for reservations, releases them) and ingest (registers recordings). */
const client: ServiceDefinition = {
  name: 'gateway',
  configSchema: baseConfigSchema.extend({ PORT: z.coerce.number().default(0) }),
  consumers: [{ queue: 'observer.quota', types: [MESSAGE_TYPES.quota.QuotaExceeded, MESSAGE_TYPES.quota.UsageRecorded] }],
  imports: [ObserverModule],
};

function currentPeriod(): string {
  const now = new Date();
  return `${now.getUTCFullYear()}-${String(now.getUTCMonth() + 1).padStart(2, '0')}`;
}

describe('quota admission by reservation', () => {
  let world: ServiceWorld;
  let bus: MessageBus;
  let dataSource: DataSource;
  let quotaDb: DataSource;

  beforeAll(async () => {
    world = await createServiceWorld('quota_admission', { QUOTA_DEFAULT_RECORDINGS_PER_MONTH: '2' });
    quotaDb = (await world.start(quotaService)).app.get(DataSource);
    const gateway = await world.start(client);
    bus = gateway.app.get(MessageBus);
    dataSource = gateway.app.get(DataSource);
  }, 300_000);

  afterAll(() => world?.close());

  const reserve = (userId: string, idempotencyKey: string) =>
    bus.request(MESSAGE_TYPES.quota.ReserveRecording, { userId, idempotencyKey }, { subject: userId, tenant: userId, timeoutMs: 30_000 });

  async function register(userId: string, reservationId: string): Promise<string> {
    const recordingId = newMessageId();
    const event: RecordingRegistered = {
      recordingId,
      userId,
      sourceType: 'SOURCE_TYPE_UPLOAD',
      title: 'Lecture',
      status: 'RECORDING_STATUS_DOWNLOADED',
      reservationId,
      registeredAt: new Date().toISOString(),
    };
    await dataSource.transaction((m) => bus.publish(m, MESSAGE_TYPES.ingest.RecordingRegistered, event, { subject: recordingId, tenant: userId }));
    return recordingId;
  }

  it('grants up to the monthly limit and refuses the next with the numbers', async () => {
    const first = await reserve('user-a', 'upload-1');
    const second = await reserve('user-a', 'upload-2');
    const third = await reserve('user-a', 'upload-3');

    expect(first).toMatchObject({ granted: true, limit: '2', used: '0', period: currentPeriod() });
    expect(first.reservationId).toMatch(/^[0-9a-f-]{36}$/);
    expect(Date.parse(first.expiresAt!)).toBeGreaterThan(Date.now());
    expect(second).toMatchObject({ granted: true, limit: '2', used: '1' });
    expect(second.reservationId).not.toBe(first.reservationId);

    expect(third).toMatchObject({ granted: false, limit: '2', used: '2', period: currentPeriod(), metric: 'QUOTA_METRIC_RECORDINGS' });
    expect(third.reservationId).toBeUndefined();
    expect(third.reason).toMatch(/limit/i);
    const now = new Date();
    const toNextMonth = (Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1) - now.getTime()) / 1000;
    expect(third.retryAfterSeconds).toBeGreaterThan(0);
    expect(third.retryAfterSeconds).toBeLessThanOrEqual(Math.ceil(toNextMonth) + 1);

    await eventually(() => expect(exceeded.filter((e) => e.userId === 'user-a')).toEqual([
      { userId: 'user-a', metric: 'QUOTA_METRIC_RECORDINGS', limit: '2', used: '2', period: currentPeriod() },
    ]), { timeoutMs: 20_000 });
  });

  it('answers the same idempotency key with the same decision', async () => {
    const granted = await reserve('user-b', 'upload-1');
    const again = await reserve('user-b', 'upload-1');
    expect(again).toEqual(granted);

    await reserve('user-b', 'upload-2');
    const refused = await reserve('user-b', 'upload-3');
    const refusedAgain = await reserve('user-b', 'upload-3');
    expect(refused.granted).toBe(false);
    expect({ ...refusedAgain, retryAfterSeconds: 0 }).toEqual({ ...refused, retryAfterSeconds: 0 });
    // A repeat of a granted key still gets its reservation even though the user is now at the limit.
    expect(await reserve('user-b', 'upload-1')).toEqual(granted);
  });

  it('never lets concurrent requests take more than the limit', async () => {
    const decisions = await Promise.all([1, 2, 3, 4, 5].map((n) => reserve('user-c', `parallel-${n}`)));
    const granted = decisions.filter((d) => d.granted);
    expect(granted).toHaveLength(2);
    expect(granted.map((d) => d.used).sort()).toEqual(['0', '1']);
    expect(decisions.filter((d) => !d.granted).every((d) => d.used === '2' && d.limit === '2')).toBe(true);
  });

  it('commits a reservation when the recording is registered, and a release frees a unit', async () => {
    const kept = await reserve('user-d', 'upload-1');
    const abandoned = await reserve('user-d', 'upload-2');
    expect([kept.granted, abandoned.granted]).toEqual([true, true]);

    const recordingId = await register('user-d', kept.reservationId!);
    await eventually(
      () => expect(recorded.filter((r) => r.userId === 'user-d')).toEqual([
        { userId: 'user-d', metric: 'QUOTA_METRIC_RECORDINGS', period: currentPeriod(), delta: '1', total: '1', recordingId },
      ]),
      { timeoutMs: 20_000 },
    );
    // The same registration again (a redelivery after a retry) is not counted twice.
    await register('user-d', kept.reservationId!);

    await dataSource.transaction((m) =>
      bus.send(m, MESSAGE_TYPES.quota.ReleaseReservation, { reservationId: abandoned.reservationId!, userId: 'user-d', reason: 'upload abandoned' }, { subject: 'user-d' }),
    );
    let attempt = 0;
    const freed = await eventually(
      async () => {
        const decision = await reserve('user-d', `after-release-${++attempt}`);
        expect(decision).toMatchObject({ granted: true, limit: '2', used: '1' });
        return decision;
      },
      { timeoutMs: 20_000, intervalMs: 200 },
    );
    expect(freed.reservationId).toBeDefined();
    expect(await reserve('user-d', 'one-too-many')).toMatchObject({ granted: false, used: '2', limit: '2' });
    expect(recorded.filter((r) => r.userId === 'user-d')).toHaveLength(1);
  });

  describe('transcriptions, counted when they finish', () => {
    const check = (userId: string, units?: number) =>
      bus.request(MESSAGE_TYPES.quota.CheckUsage, { userId, metric: QuotaMetric.TRANSCRIPTIONS, ...(units ? { units } : {}) }, { subject: userId, tenant: userId, timeoutMs: 30_000 });

    async function transcribed(userId: string): Promise<void> {
      const recordingId = newMessageId();
      const event: RecordingTranscribed = {
        recordingId,
        userId,
        master: { key: `users/${userId}/recordings/${recordingId}/transcription/master.json`, sizeBytes: '10', kind: ObjectKind.TRANSCRIPT },
        language: 'en',
      };
      await dataSource.transaction((m) => bus.publish(m, MESSAGE_TYPES.transcription.RecordingTranscribed, event, { subject: recordingId, tenant: userId }));
    }

    it('admits transcriptions up to the plan\'s monthly limit and refuses the next with the numbers', async () => {
      // The free plan allows 10 a month.
      await quotaDb.query(`INSERT INTO subscriptions (user_id, plan_name) VALUES ('user-t', 'free')`);
      expect(await check('user-t')).toEqual({ granted: true, metric: QuotaMetric.TRANSCRIPTIONS, limit: '10', used: '0', period: currentPeriod() });
      for (let i = 0; i < 9; i++) await transcribed('user-t');
      await eventually(() => expect(recorded.filter((r) => r.userId === 'user-t' && r.metric === QuotaMetric.TRANSCRIPTIONS).map((r) => r.total).sort((a, b) => Number(a) - Number(b)).at(-1)).toBe('9'), {
        timeoutMs: 30_000,
      });
      expect(await check('user-t')).toMatchObject({ granted: true, used: '9' });
      // Two more would pass the limit: a bulk request for two is refused whole.
      expect(await check('user-t', 2)).toMatchObject({ granted: false, limit: '10', used: '9', reason: expect.stringMatching(/2 more/) });

      await transcribed('user-t');
      await eventually(async () => expect(await check('user-t')).toMatchObject({ granted: false, used: '10' }), { timeoutMs: 30_000 });
      const refused = await check('user-t');
      expect(refused).toMatchObject({ granted: false, metric: QuotaMetric.TRANSCRIPTIONS, limit: '10', used: '10', period: currentPeriod(), reason: 'Monthly transcriptions limit reached: 10 of 10' });
      expect(refused.retryAfterSeconds).toBeGreaterThan(0);
      await eventually(() => expect(exceeded).toContainEqual({ userId: 'user-t', metric: QuotaMetric.TRANSCRIPTIONS, limit: '10', used: '10', period: currentPeriod() }), { timeoutMs: 30_000 });
      expect(await quotaDb.query(`SELECT transcriptions_count FROM usage WHERE user_id = 'user-t'`)).toEqual([{ transcriptions_count: 10 }]);
    });

    it('leaves a user without a plan, or on an unlimited one, unlimited', async () => {
      await transcribed('user-u');
      await eventually(async () => expect(await check('user-u')).toMatchObject({ used: '1' }), { timeoutMs: 30_000 });
      expect(await check('user-u', 500)).toEqual({ granted: true, metric: QuotaMetric.TRANSCRIPTIONS, used: '1', period: currentPeriod() });
      await quotaDb.query(`INSERT INTO subscriptions (user_id, plan_name) VALUES ('user-e', 'enterprise')`);
      expect(await check('user-e', 500)).toMatchObject({ granted: true });
    });
  });

  describe('processing, counted when a pipeline starts', () => {
    const check = (userId: string, units?: number) =>
      bus.request(MESSAGE_TYPES.quota.CheckUsage, { userId, metric: QuotaMetric.PROCESSING, ...(units ? { units } : {}) }, { subject: userId, tenant: userId, timeoutMs: 30_000 });

    /** Ingest's event of one run; `runId` given again is the same start published twice. */
    async function started(userId: string, runId = newMessageId()): Promise<string> {
      const recordingId = newMessageId();
      const event: PipelineStarted = { recordingId, userId, runId, startedAt: new Date().toISOString(), stages: ['TRIM'] };
      await dataSource.transaction((m) => bus.publish(m, MESSAGE_TYPES.ingest.PipelineStarted, event, { subject: recordingId, tenant: userId }));
      return runId;
    }
    const processingTotals = (userId: string) =>
      recorded
        .filter((r) => r.userId === userId && r.metric === QuotaMetric.PROCESSING)
        .map((r) => Number(r.total))
        .sort((a, b) => a - b);

    it("counts each start once, copies of its event included, and refuses runs past the plan's monthly processing", async () => {
      // The free plan allows 10 pipeline runs a month.
      await quotaDb.query(`INSERT INTO subscriptions (user_id, plan_name) VALUES ('user-p', 'free')`);
      expect(await check('user-p')).toEqual({ granted: true, metric: QuotaMetric.PROCESSING, limit: '10', used: '0', period: currentPeriod() });
      const runs: string[] = [];
      for (let i = 0; i < 9; i++) runs.push(await started('user-p'));
      // The same starts published again: nothing more is counted.
      for (const runId of runs.slice(0, 3)) await started('user-p', runId);
      // All twelve handled (each is in quota's inbox once its handler committed), nine counted.
      await eventually(
        async () => expect(await quotaDb.query(`SELECT count(*)::int AS n FROM quota.inbox WHERE message_type = $1`, [MESSAGE_TYPES.ingest.PipelineStarted])).toEqual([{ n: 12 }]),
        { timeoutMs: 30_000 },
      );
      await eventually(() => expect(processingTotals('user-p')).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]), { timeoutMs: 30_000 });
      expect(await check('user-p')).toMatchObject({ granted: true, used: '9' });
      // A bulk run of two would pass the limit: refused whole.
      expect(await check('user-p', 2)).toMatchObject({ granted: false, limit: '10', used: '9', reason: 'Monthly processing limit: 9 of 10 used, 2 more asked' });

      await started('user-p');
      await eventually(async () => expect(await check('user-p')).toMatchObject({ granted: false, used: '10' }), { timeoutMs: 30_000 });
      const refused = await check('user-p');
      expect(refused).toMatchObject({ granted: false, metric: QuotaMetric.PROCESSING, limit: '10', used: '10', period: currentPeriod(), reason: 'Monthly processing limit reached: 10 of 10' });
      expect(refused.retryAfterSeconds).toBeGreaterThan(0);
      await eventually(() => expect(exceeded).toContainEqual({ userId: 'user-p', metric: QuotaMetric.PROCESSING, limit: '10', used: '10', period: currentPeriod() }), { timeoutMs: 30_000 });
      expect(await quotaDb.query(`SELECT processing_count, transcriptions_count FROM usage WHERE user_id = 'user-p'`)).toEqual([{ processing_count: 10, transcriptions_count: 0 }]);
      expect(await quotaDb.query(`SELECT count(*)::int AS n FROM pipeline_runs WHERE user_id = 'user-p'`)).toEqual([{ n: 10 }]);
      // The user was warned at 80 % and at 100 % of the limit, once each (ingest holds the auto-runs at 100 %).
      expect(
        await quotaDb.query(`SELECT threshold_percent AS threshold, used_value::int AS used, published FROM warnings WHERE user_id = 'user-p' AND metric LIKE '%PROCESSING' ORDER BY threshold_percent`),
      ).toEqual([
        { threshold: 80, used: 8, published: true },
        { threshold: 100, used: 10, published: true },
      ]);
    });

    it('leaves a user without a plan, or on an unlimited one, unlimited', async () => {
      await started('user-pu');
      await eventually(async () => expect(await check('user-pu')).toMatchObject({ used: '1' }), { timeoutMs: 30_000 });
      expect(await check('user-pu', 500)).toEqual({ granted: true, metric: QuotaMetric.PROCESSING, used: '1', period: currentPeriod() });
      await quotaDb.query(`INSERT INTO subscriptions (user_id, plan_name) VALUES ('user-pe', 'enterprise')`);
      expect(await check('user-pe', 500)).toMatchObject({ granted: true });
    });
  });
});
