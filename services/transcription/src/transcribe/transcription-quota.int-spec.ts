import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { Injectable, Module } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { z } from 'zod';
import { baseConfigSchema } from '@leap/config';
import {
  MESSAGE_TYPES,
  ObjectKind,
  PipelineStage,
  QuotaMetric,
  type CheckUsage,
  type ObjectRef,
  type UsageChecked,
} from '@leap/contracts';
import { MessageBus, MessageHandler, newMessageId, type MessageContext } from '@leap/messaging';
import { OBJECT_STORE, type ServiceDefinition } from '@leap/platform';
import { storageKeys, type ObjectStore } from '@leap/storage-client';
import { createServiceWorld, type ServiceWorld } from '@leap/service-testing';
import { eventually, startFakeOpenAiTranscription, type FakeOpenAiTranscription } from '@leap/testing';
import { transcriptionService } from '../service';
import { observed, resultsPeer } from '../testing/results-peer';

const T = MESSAGE_TYPES.transcription;
const { transcribed, failed } = observed;
const checks: CheckUsage[] = [];

/** How the quota stand-in answers a user: granted, refused at the limit, or not at all (quota down). */
const answers = new Map<string, 'granted' | 'exceeded' | 'silent'>();
const period = new Date().toISOString().slice(0, 7);

/** Stands in for quota's `CheckUsage`: the plan allows 10 transcriptions a month. */
@Injectable()
class FakeQuota {
  @MessageHandler(MESSAGE_TYPES.quota.CheckUsage, { queue: 'quota.admission' })
  async check(ctx: MessageContext<CheckUsage>): Promise<UsageChecked> {
    checks.push(ctx.data);
    const answer = answers.get(ctx.data.userId) ?? 'granted';
    if (answer === 'silent') {
      // Quota is slow to answer, once: past the asker's 500 ms (the next question, queued behind this one, is answered in time).
      answers.set(ctx.data.userId, 'granted');
      await new Promise((resolve) => setTimeout(resolve, 800));
    }
    if (answer === 'exceeded') {
      return { granted: false, metric: ctx.data.metric, limit: '10', used: '10', period, retryAfterSeconds: 3600, reason: 'Monthly transcriptions limit reached: 10 of 10' };
    }
    return { granted: true, metric: ctx.data.metric, limit: '10', used: '3', period };
  }
}

@Module({ providers: [FakeQuota] })
class FakeQuotaModule {}

const standInConfig = baseConfigSchema.extend({ PORT: z.coerce.number().default(0) });
const quotaStandIn: ServiceDefinition = { name: 'quota', configSchema: standInConfig, consumers: [{ queue: 'quota.admission', types: [MESSAGE_TYPES.quota.CheckUsage] }], imports: [FakeQuotaModule] };

/**
 * The task gate on the plan's monthly transcriptions: every TRANSCRIBE command asks quota first,
 * and a user over the limit gets a failed stage before any provider hears of the recording.
 */
describe('the transcription quota gate', () => {
  let world: ServiceWorld;
  let provider: FakeOpenAiTranscription;
  let store: ObjectStore;
  let bus: MessageBus;
  let sender: DataSource;
  let transcriptionDb: DataSource;
  let audioFile: string;

  beforeAll(async () => {
    provider = await startFakeOpenAiTranscription({ recognise: async () => ({ words: [{ text: 'Hello.', start: 0.2, end: 0.6 }], durationSeconds: 3, language: 'en' }) });
    world = await createServiceWorld('transcription_quota_gate');
    audioFile = join(await world.tempDir('quota-gate'), 'tone.mp3');
    execFileSync('ffmpeg', ['-v', 'error', '-y', '-f', 'lavfi', '-i', 'sine=frequency=440:duration=3', '-ac', '1', '-ar', '16000', audioFile]);
    await world.start(quotaStandIn);
    const transcription = await world.start(transcriptionService, {
      env: {
        TRANSCRIPTION_PROVIDERS: 'openai',
        OPENAI_TRANSCRIPTION_BASE_URL: provider.url,
        OPENAI_TRANSCRIPTION_API_KEY: provider.apiKey,
        QUOTA_REQUEST_TIMEOUT: '500ms',
      },
    });
    store = transcription.app.get<ObjectStore>(OBJECT_STORE);
    transcriptionDb = transcription.app.get(DataSource);
    const ingest = await world.start(resultsPeer);
    bus = ingest.app.get(MessageBus);
    sender = ingest.app.get(DataSource);
  }, 300_000);

  afterAll(async () => {
    await world?.close();
    await provider?.close();
  });

  async function transcribe(userId: string): Promise<string> {
    const recordingId = newMessageId();
    const key = storageKeys.audio(userId, recordingId);
    const stored = await store.putFile(key, audioFile, { contentType: 'audio/mpeg' });
    const media: ObjectRef = { key, sizeBytes: String(stored.sizeBytes), checksumSha256: stored.checksumSha256, contentType: 'audio/mpeg', kind: ObjectKind.AUDIO };
    await sender.transaction((m) => bus.send(m, T.TranscribeRecording, { recordingId, userId, media, language: 'en' }, { subject: recordingId, tenant: userId }));
    return recordingId;
  }

  it('fails the stage of a user over the limit with QUOTA.EXCEEDED, not retried, and the provider gets no request', async () => {
    const userId = newMessageId();
    answers.set(userId, 'exceeded');
    const requestsBefore = provider.requests;
    const recordingId = await transcribe(userId);

    const failure = await eventually(() => {
      const found = failed.find((f) => f.recordingId === recordingId);
      expect(found).toBeDefined();
      return found!;
    }, { timeoutMs: 60_000, intervalMs: 100 });
    expect(failure).toEqual({
      recordingId,
      userId,
      stage: PipelineStage.TRANSCRIBE,
      error: { code: 'QUOTA.EXCEEDED', message: 'Monthly transcriptions limit reached: 10 of 10', retryable: false },
    });
    expect(checks.filter((c) => c.userId === userId)).toEqual([{ userId, metric: QuotaMetric.TRANSCRIPTIONS, units: 1 }]);
    expect(provider.requests).toBe(requestsBefore);
    expect(transcribed.filter((t) => t.recordingId === recordingId)).toEqual([]);
    expect(await transcriptionDb.query(`SELECT state, attempts FROM transcription.jobs WHERE subject = $1`, [recordingId])).toEqual([{ state: 'completed', attempts: 1 }]);
  });

  it('transcribes for a user within the limit, and tries again later, without passing unchecked, while quota does not answer', async () => {
    const within = newMessageId();
    const recordingId = await transcribe(within);
    await eventually(() => expect(transcribed.filter((t) => t.recordingId === recordingId)).toHaveLength(1), { timeoutMs: 60_000, intervalMs: 100 });

    const waiting = newMessageId();
    answers.set(waiting, 'silent');
    const requestsBefore = provider.requests;
    const delayed = await transcribe(waiting);
    // The first attempt finds quota silent: the job waits for another attempt and no provider is called.
    await eventually(
      async () =>
        expect(await transcriptionDb.query(`SELECT state, attempts, error_code FROM transcription.jobs WHERE subject = $1`, [delayed])).toEqual([
          { state: 'queued', attempts: 1, error_code: 'QUOTA.UNAVAILABLE' },
        ]),
      { timeoutMs: 30_000, intervalMs: 100 },
    );
    expect(provider.requests).toBe(requestsBefore);
    // Quota answers the next attempt: the transcription goes through.
    await eventually(() => expect(transcribed.filter((t) => t.recordingId === delayed)).toHaveLength(1), { timeoutMs: 60_000, intervalMs: 200 });
    expect(checks.filter((c) => c.userId === waiting)).toHaveLength(2);
    expect(failed.filter((f) => f.recordingId === delayed)).toEqual([]);
    expect(provider.requests).toBeGreaterThan(requestsBefore);
  }, 120_000);
});
