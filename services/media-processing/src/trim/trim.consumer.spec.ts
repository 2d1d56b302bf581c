import { MESSAGE_TYPES, ObjectKind, PipelineStage, type RecordingTrimmed, type TrimRecording } from '@leap/contracts';
import { LeapError } from '@leap/errors';
import { type MessageBus, type MessageContext } from '@leap/messaging';
import { JobContext, type JobRecord, type JobsRuntime } from '@leap/jobs';
import type { Logger } from 'winston';
import type { MediaProcessingConfig } from '../config/config.schema';
import type { MediaToolkit } from './media-toolkit';
import type { RecordingMediaRepository } from './recording-media.repository';
import { TrimConsumer } from './trim.consumer';
import { TrimService, type TrimOptions } from './trim.service';

const command: TrimRecording = {
  recordingId: 'rec-1',
  userId: 'user-1',
  source: { key: 'users/user-1/recordings/rec-1/source.mp4', sizeBytes: '5000', kind: ObjectKind.SOURCE },
};

function unexpected<T extends object>(name: string): T {
  return new Proxy({} as T, {
    get: (_t, prop) => {
      if (prop === 'then') return undefined;
      return () => {
        throw new Error(`unexpected call ${name}.${String(prop)}`);
      };
    },
  });
}

const logger = { info: () => undefined, warn: () => undefined, debug: () => undefined } as unknown as Logger;

function harness(trim: (c: TrimRecording, options: TrimOptions) => Promise<RecordingTrimmed>) {
  const published: Array<{ type: string; data: unknown; options: unknown }> = [];
  const ticks: unknown[] = [];
  const ctx = {
    data: command,
    publish: async (type: string, data: unknown, options: unknown) => {
      published.push({ type, data, options });
    },
  } as unknown as MessageContext<TrimRecording>;
  const bus = { publishNow: async (_type: string, data: unknown) => void ticks.push(data) } as unknown as MessageBus;
  const service = { trim } as unknown as TrimService;
  const consumer = new TrimConsumer(service, unexpected<JobsRuntime>('jobs'), bus, logger);
  const controller = new AbortController();
  const job = new JobContext<TrimRecording>(
    { id: 'job-1', attempts: 1, envelope: { id: 'msg-1', type: MESSAGE_TYPES.media.TrimRecording, data: command } } as unknown as JobRecord,
    controller.signal,
    (p) => void consumer.progress(job, p),
  );
  /** Runs the job and commits what it returns into `published`. */
  const run = async () => {
    const commit = await consumer.trim(job);
    if (commit) await commit(ctx);
  };
  return { consumer, ctx, job, run, controller, published, ticks };
}

describe('TrimConsumer', () => {
  it('commits the trimmed event and publishes progress ticks with their step', async () => {
    const result = { recordingId: 'rec-1', userId: 'user-1' } as RecordingTrimmed;
    const { run, published, ticks } = harness(async (_c, options) => {
      options.onProgress?.(30.7, 'detecting silence');
      return result;
    });
    await run();
    expect(published).toEqual([{ type: MESSAGE_TYPES.media.RecordingTrimmed, data: result, options: { subject: 'rec-1', tenant: 'user-1' } }]);
    expect(ticks).toEqual([{ recordingId: 'rec-1', userId: 'user-1', stage: PipelineStage.TRIM, percent: 30, step: 'detecting silence' }]);
  });

  it('turns a non-retryable error into media.processing.failed.v1, committed with the job', async () => {
    const { run, published } = harness(async () => {
      throw new LeapError('MEDIA.INVALID_SOURCE', 'The source is not usable media: the source is empty', { retryable: false });
    });
    await run();
    expect(published).toEqual([
      {
        type: MESSAGE_TYPES.media.MediaProcessingFailed,
        data: {
          recordingId: 'rec-1',
          userId: 'user-1',
          stage: PipelineStage.TRIM,
          error: { code: 'MEDIA.INVALID_SOURCE', message: 'The source is not usable media: the source is empty', retryable: false },
        },
        options: { subject: 'rec-1', tenant: 'user-1' },
      },
    ]);
  });

  it('throws retryable errors for the job runner to retry, and commits nothing', async () => {
    const error = new LeapError('MEDIA.STORAGE_UNAVAILABLE', 'The object store failed', { retryable: true });
    const { run, published } = harness(async () => {
      throw error;
    });
    await expect(run()).rejects.toBe(error);
    expect(published).toEqual([]);
  });

  it('rethrows whatever a cancelled trim throws, so nothing is reported for it', async () => {
    const { run, controller, published } = harness(async () => {
      controller.abort();
      throw new LeapError('MEDIA.PROCESSING_FAILED', 'ffmpeg was cancelled', { retryable: false });
    });
    await expect(run()).rejects.toMatchObject({ code: 'MEDIA.PROCESSING_FAILED' });
    expect(published).toEqual([]);
  });

  it('publishes media.processing.failed.v1 with MEDIA.RETRIES_EXHAUSTED once the job gives up', async () => {
    const { consumer, ctx, published } = harness(async () => {
      throw new Error('unexpected call');
    });
    const error = new LeapError('MEDIA.STORAGE_UNAVAILABLE', 'The object store failed', { retryable: true });
    await consumer.failed(ctx, { error, code: error.code, message: error.message, retriesExhausted: true, retryCount: 4, attempts: 5, workerLost: false });
    expect(published).toEqual([
      {
        type: MESSAGE_TYPES.media.MediaProcessingFailed,
        data: {
          recordingId: 'rec-1',
          userId: 'user-1',
          stage: PipelineStage.TRIM,
          error: {
            code: 'MEDIA.RETRIES_EXHAUSTED',
            message: 'Gave up after 5 attempts; last error MEDIA.STORAGE_UNAVAILABLE: The object store failed',
            retryable: false,
          },
        },
        options: { subject: 'rec-1', tenant: 'user-1' },
      },
    ]);
  });
});

describe('TrimService.settingsFor', () => {
  const config = { TRIM_SILENCE_THRESHOLD_DB: -40, TRIM_MIN_SILENCE_SECONDS: 2, TRIM_PADDING_SECONDS: 5 } as MediaProcessingConfig;
  const service = new TrimService(unexpected<RecordingMediaRepository>('objects'), unexpected<MediaToolkit>('tools'), config);

  it('takes the configured defaults when the command leaves them out', () => {
    expect(service.settingsFor(command)).toEqual({ thresholdDb: -40, minSilenceSeconds: 2, paddingSeconds: 5 });
  });

  it('takes the command’s values when given', () => {
    expect(service.settingsFor({ ...command, thresholdDb: -30, minSilenceSeconds: 1.5, paddingSeconds: 2 })).toEqual({
      thresholdDb: -30,
      minSilenceSeconds: 1.5,
      paddingSeconds: 2,
    });
  });

  it('takes a padding at each end when the command sets them apart, 0 included', () => {
    expect(service.settingsFor({ ...command, paddingSeconds: 3, paddingBeforeSeconds: 0, paddingAfterSeconds: 1.5 })).toEqual({
      thresholdDb: -40,
      minSilenceSeconds: 2,
      paddingSeconds: 3,
      paddingBeforeSeconds: 0,
      paddingAfterSeconds: 1.5,
    });
    expect(() => service.settingsFor({ ...command, paddingAfterSeconds: -1 })).toThrow(/paddingAfterSeconds must be between/);
  });

  it('refuses values out of range with MEDIA.INVALID_COMMAND', () => {
    expect(() => service.settingsFor({ ...command, thresholdDb: 10 })).toThrow(expect.objectContaining({ code: 'MEDIA.INVALID_COMMAND' }));
    expect(() => service.settingsFor({ ...command, minSilenceSeconds: 0.01 })).toThrow(/minSilenceSeconds must be between/);
  });
});
