import { ObjectKind, Platform, type PublishRecording } from '@leap/contracts';
import { LeapError } from '@leap/messaging';
import type { LocalExportService } from '../local-export/local-export.service';
import { exportFileName } from '../local-export/local-export.service';
import type { PublicationOutcome, PublicationsRepository, Transaction } from './publications.repository';
import { PublishService } from './publish.service';

const tx = {} as Transaction;
const command: PublishRecording = {
  recordingId: 'r1',
  userId: 'u1',
  targetId: 't1',
  platform: Platform.LOCAL,
  objects: [{ key: 'users/u1/recordings/r1/video.mp4', sizeBytes: '10', kind: ObjectKind.VIDEO }],
  variables: { title: 'Lecture' },
};

function setup(exporter: Partial<LocalExportService>) {
  const recorded: PublicationOutcome[] = [];
  const repository = { record: async (_tx: Transaction, o: PublicationOutcome) => void recorded.push(o) } as unknown as PublicationsRepository;
  const strict = new Proxy(exporter, {
    get(target, name) {
      if (name in target) return target[name as keyof typeof target];
      throw new Error(`unexpected exporter call ${String(name)}`);
    },
  }) as LocalExportService;
  return { service: new PublishService(strict, repository), recorded };
}

describe('PublishService', () => {
  it('exports to the local target and reports the location', async () => {
    const exportedAt = '2026-01-01T10:00:00.000Z';
    const { service, recorded } = setup({
      export: async (request) => {
        expect(request).toEqual({ userId: 'u1', recordingId: 'r1', targetId: 't1', objects: command.objects, variables: { title: 'Lecture' } });
        return { location: '/exports/u1/r1', metadata: { recordingId: 'r1', userId: 'u1', targetId: 't1', variables: {}, files: [], exportedAt } };
      },
    });
    expect(await service.publish(tx, command)).toEqual({
      published: { recordingId: 'r1', userId: 'u1', targetId: 't1', platform: Platform.LOCAL, location: '/exports/u1/r1', externalId: 'u1/r1', publishedAt: exportedAt },
    });
    expect(recorded).toEqual([expect.objectContaining({ status: 'PUBLISHED', platform: 'LOCAL', location: '/exports/u1/r1' })]);
  });

  it('fails other platforms with PUBLISHING.PLATFORM_UNAVAILABLE, without touching the exporter', async () => {
    const { service, recorded } = setup({});
    const outcome = await service.publish(tx, { ...command, platform: Platform.VK });
    expect(outcome.failed).toEqual({
      recordingId: 'r1',
      userId: 'u1',
      targetId: 't1',
      platform: Platform.VK,
      error: { code: 'PUBLISHING.PLATFORM_UNAVAILABLE', message: expect.any(String), retryable: false },
    });
    expect(recorded).toEqual([expect.objectContaining({ status: 'FAILED', platform: 'VK', errorCode: 'PUBLISHING.PLATFORM_UNAVAILABLE' })]);
  });

  it('turns a permanent export error into a failure and lets a transient one be retried', async () => {
    const permanent = setup({ export: async () => Promise.reject(new LeapError('PUBLISHING.OBJECT_NOT_FOUND', 'gone')) });
    expect((await permanent.service.publish(tx, command)).failed?.error.code).toBe('PUBLISHING.OBJECT_NOT_FOUND');

    const transient = setup({ export: async () => Promise.reject(Object.assign(new Error('no space left'), { code: 'ENOSPC' })) });
    await expect(transient.service.publish(tx, command)).rejects.toThrow('no space left');
    expect(transient.recorded).toEqual([]);
  });

  it('records a command parked after its retries as failed with PUBLISHING.RETRIES_EXHAUSTED', async () => {
    const { service, recorded } = setup({});
    const failure = { error: new Error('no space left'), code: 'Error', message: 'no space left', retriesExhausted: true, retryCount: 3 };
    expect(await service.parked(tx, command, failure)).toEqual({
      recordingId: 'r1',
      userId: 'u1',
      targetId: 't1',
      platform: Platform.LOCAL,
      error: { code: 'PUBLISHING.RETRIES_EXHAUSTED', message: 'Gave up after 3 retry tiers; last error Error: no space left', retryable: false },
    });
    expect(recorded).toEqual([expect.objectContaining({ status: 'FAILED', errorCode: 'PUBLISHING.RETRIES_EXHAUSTED' })]);
  });
});

describe('exportFileName', () => {
  it('names files by their kind', () => {
    const name = (key: string, kind: ObjectKind) => exportFileName({ key: `users/u/recordings/r/${key}`, sizeBytes: '1', kind });
    expect(name('video.webm', ObjectKind.VIDEO)).toBe('video.webm');
    expect(name('source.MOV', ObjectKind.SOURCE)).toBe('source.mov');
    expect(name('audio.mp3', ObjectKind.AUDIO)).toBe('audio.mp3');
    expect(name('transcription/master.json', ObjectKind.TRANSCRIPT)).toBe('transcript.json');
    expect(name('transcription/topics.json', ObjectKind.TOPICS)).toBe('topics.json');
    expect(name('transcription/subtitles.srt', ObjectKind.SUBTITLES_SRT)).toBe('subtitles.srt');
    expect(name('transcription/subtitles.vtt', ObjectKind.SUBTITLES_VTT)).toBe('subtitles.vtt');
    expect(() => name('x.bin', ObjectKind.UNSPECIFIED)).toThrow(expect.objectContaining({ code: 'PUBLISHING.INVALID_REQUEST' }));
  });
});
