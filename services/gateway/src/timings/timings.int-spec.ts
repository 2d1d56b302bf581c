import type { DataSource } from 'typeorm';
import { MESSAGE_TYPES } from '@leap/contracts';
import { MessageBus, newMessageId } from '@leap/messaging';
import { createServiceWorld, type ServiceWorld } from '@leap/service-testing';
import { eventually } from '@leap/testing';
import { expectProblem, gatewayTestEnv, httpClient, startGateway, verifiedUser, type Account } from '../testing';

const WAIT = { timeoutMs: 30_000 };

describe('stage timing analytics', () => {
  let world: ServiceWorld;
  let base: string;
  let db: DataSource;
  let bus: MessageBus;
  const { call } = httpClient(() => base);
  let alice: Account;
  let bob: Account;

  beforeAll(async () => {
    world = await createServiceWorld('gateway_timings', gatewayTestEnv({ AUTH_REQUIRE_VERIFIED_EMAIL: 'false' }));
    const gateway = await startGateway(world);
    ({ base, db } = gateway);
    bus = gateway.app.get(MessageBus);
    alice = await verifiedUser(gateway.client, db, 'alice@example.org');
    bob = await verifiedUser(gateway.client, db, 'bob@example.org');
  }, 300_000);

  afterAll(() => world?.close());

  const publish = (type: string, recordingId: string, data: Record<string, unknown>) =>
    bus.publishNow(type as never, { recordingId, userId: alice.id, ...data } as never, { subject: recordingId, tenant: alice.id });
  const stageOf = async (recordingId: string, stage: string) =>
    ((await call('GET', `/api/v1/recordings/${recordingId}`, { token: alice.token })).body.stages ?? []).find((s: { stage: string }) => s.stage === stage);

  /** One attempt of `stage`: started, each sub-step reported in turn, then ended with `end`; answers its start and end. */
  async function attempt(recordingId: string, stage: 'DOWNLOAD' | 'TRIM', n: number, steps: string[], end: 'COMPLETED' | 'FAILED') {
    const startedAt = new Date().toISOString();
    await publish(MESSAGE_TYPES.ingest.StageStatusChanged, recordingId, { stage: `PIPELINE_STAGE_${stage}`, status: 'STAGE_STATUS_IN_PROGRESS', attempt: n, startedAt });
    await eventually(async () => expect(await stageOf(recordingId, stage)).toMatchObject({ status: 'IN_PROGRESS', attempt: n }), WAIT);
    for (const [i, step] of steps.entries()) {
      const percent = 10 + i * 30;
      if (stage === 'DOWNLOAD') await publish(MESSAGE_TYPES.ingest.IngestProgress, recordingId, { stage: 'PIPELINE_STAGE_DOWNLOAD', percent, step, bytesDone: '100', bytesTotal: '1000' });
      else await publish(MESSAGE_TYPES.media.MediaProgress, recordingId, { stage: 'PIPELINE_STAGE_TRIM', percent, step });
      await eventually(async () => expect((await stageOf(recordingId, stage)).step).toContain(step), WAIT);
    }
    const finishedAt = new Date(Date.now() + 5).toISOString();
    await publish(MESSAGE_TYPES.ingest.StageStatusChanged, recordingId, {
      stage: `PIPELINE_STAGE_${stage}`,
      status: `STAGE_STATUS_${end}`,
      attempt: n,
      startedAt,
      finishedAt,
      ...(end === 'FAILED' ? { error: { code: 'MEDIA.CORRUPT_INPUT', message: 'ffmpeg said no at /tmp/x', retryable: false } } : {}),
    });
    await eventually(async () => expect(await stageOf(recordingId, stage)).toMatchObject({ status: end, attempt: n }), WAIT);
    return { startedAt, finishedAt };
  }

  it("times every attempt and sub-step of a recording's stages, and sums them per stage for the tenant", async () => {
    const recordingId = newMessageId();
    await publish(MESSAGE_TYPES.ingest.RecordingRegistered, recordingId, { sourceType: 'SOURCE_TYPE_URL', title: 'Lecture', status: 'RECORDING_STATUS_INITIALIZED', registeredAt: new Date().toISOString() });
    const download = await attempt(recordingId, 'DOWNLOAD', 1, ['downloading'], 'COMPLETED');
    const failed = await attempt(recordingId, 'TRIM', 1, ['downloading the source', 'detecting silence'], 'FAILED');
    const trimmed = await attempt(recordingId, 'TRIM', 2, ['downloading the source', 'detecting silence', 'cutting the video'], 'COMPLETED');
    const ms = (t: { startedAt: string; finishedAt: string }) => Date.parse(t.finishedAt) - Date.parse(t.startedAt);

    const reply = await call('GET', `/api/v1/recordings/${recordingId}/timings`, { token: alice.token });
    expect(reply.status).toBe(200);
    expect(reply.body.totalDurationMs).toBe(ms(download) + ms(failed) + ms(trimmed));
    expect(reply.body.stages.map((s: { stage: string }) => s.stage)).toEqual(['DOWNLOAD', 'TRIM']);
    const [dl, trim] = reply.body.stages;
    expect(dl.attempts).toEqual([
      {
        attempt: 1,
        status: 'COMPLETED',
        startedAt: download.startedAt,
        finishedAt: download.finishedAt,
        durationMs: ms(download),
        errorCode: null,
        substeps: [expect.objectContaining({ name: 'downloading', status: 'COMPLETED' })],
      },
    ]);
    expect(trim.attempts.map((a: { attempt: number; status: string; errorCode: string | null; durationMs: number }) => [a.attempt, a.status, a.errorCode, a.durationMs])).toEqual([
      [1, 'FAILED', 'MEDIA.CORRUPT_INPUT', ms(failed)],
      [2, 'COMPLETED', null, ms(trimmed)],
    ]);
    expect(trim.attempts[0].substeps.map((s: { name: string; status: string }) => `${s.name}: ${s.status}`)).toEqual(['downloading the source: COMPLETED', 'detecting silence: FAILED']);
    const steps = trim.attempts[1].substeps;
    expect(steps.map((s: { name: string }) => s.name)).toEqual(['downloading the source', 'detecting silence', 'cutting the video']);
    for (const [i, s] of steps.entries()) {
      expect(s.durationMs).toBeGreaterThanOrEqual(0);
      if (i > 0) expect(Date.parse(s.startedAt)).toBe(Date.parse(steps[i - 1].finishedAt));
    }

    const analytics = await call('GET', '/api/v1/analytics/stage-timings', { token: alice.token });
    expect(analytics.status).toBe(200);
    const byStage = Object.fromEntries(analytics.body.stages.map((s: { stage: string }) => [s.stage, s]));
    expect(Object.keys(byStage)).toEqual(['DOWNLOAD', 'TRIM']);
    expect(byStage.TRIM).toMatchObject({ attempts: 2, recordings: 1, completed: 1, failed: 1, maxMs: Math.max(ms(failed), ms(trimmed)), totalMs: ms(failed) + ms(trimmed) });
    expect(byStage.TRIM.substeps.map((s: { name: string; attempts: number }) => [s.name, s.attempts])).toEqual([
      ['cutting the video', 1],
      ['detecting silence', 2],
      ['downloading the source', 2],
    ]);
    expect(byStage.DOWNLOAD).toMatchObject({ attempts: 1, completed: 1, avgMs: ms(download), p50Ms: ms(download) });

    // Another tenant sees none of it.
    expect((await call('GET', '/api/v1/analytics/stage-timings', { token: bob.token })).body.stages).toEqual([]);
    expectProblem(await call('GET', `/api/v1/recordings/${recordingId}/timings`, { token: bob.token }), 404, 'RECORDING.NOT_FOUND');
    // A window that ended before the attempts started has none of them.
    const before = await call('GET', `/api/v1/analytics/stage-timings?to=${encodeURIComponent(download.startedAt)}`, { token: alice.token });
    expect(before.body.stages).toEqual([]);
  }, 300_000);

  it('refuses a window that is reversed, too long or not a time', async () => {
    for (const query of ['from=2026-03-02T00:00:00Z&to=2026-03-01T00:00:00Z', 'from=2024-01-01T00:00:00Z&to=2026-01-01T00:00:00Z', 'from=yesterday', 'bucket=day']) {
      expectProblem(await call('GET', `/api/v1/analytics/stage-timings?${query}`, { token: alice.token }), 400, 'VALIDATION.FAILED');
    }
  });
});
