import { ObjectKind, Platform, type PublishRecording } from '@leap/contracts';
import { jobFailureReport } from '@leap/jobs';
import { LeapError } from '@leap/errors';
import type { LocalExportService } from '../local-export/local-export.service';
import { exportFileName } from '../local-export/local-export.service';
import type { PublicationOutcome, PublicationsRepository, Transaction } from './publications.repository';
import { PublishService } from './publish.service';
import { MetadataTemplates } from '../templating/template-engine';

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
  const repository = { record: async (_tx: Transaction, o: PublicationOutcome) => void recorded.push(o), markUploading: async () => undefined } as unknown as PublicationsRepository;
  const strict = new Proxy(exporter, {
    get(target, name) {
      if (name in target) return target[name as keyof typeof target];
      throw new Error(`unexpected exporter call ${String(name)}`);
    },
  }) as LocalExportService;
  const unexpected = (name: string) =>
    new Proxy({}, {
      get(_target, member) {
        throw new Error(`unexpected ${name} call ${String(member)}`);
      },
    }) as never;
  const service = new PublishService(strict, repository, unexpected('presets'), unexpected('credentials'), unexpected('vault'), new MetadataTemplates(), unexpected('youtube'), unexpected('store'), unexpected('yandexDisk'), unexpected('vk'), unexpected('gates'));
  return { service, recorded };
}

describe('PublishService', () => {
  it('exports to the local target and reports the location', async () => {
    const exportedAt = '2026-01-01T10:00:00.000Z';
    const { service, recorded } = setup({
      export: async (request) => {
        // The default local templates render the title from the recording's name; no description template falls back to the date.
        expect(request).toEqual({
          userId: 'u1',
          recordingId: 'r1',
          targetId: 't1',
          objects: command.objects,
          translations: [],
          variables: { title: 'Lecture' },
          rendered: { title: 'Lecture', description: expect.stringMatching(/^Uploaded on \d\d\.\d\d\.\d{4}$/) },
        });
        expect(recorded).toEqual([]); // nothing is recorded while the export runs
        return { location: '/exports/u1/r1', metadata: { recordingId: 'r1', userId: 'u1', targetId: 't1', variables: {}, files: [], exportedAt } };
      },
    });
    expect(await (await service.publish(command))(tx)).toEqual({
      recordingId: 'r1',
      userId: 'u1',
      targetId: 't1',
      platform: Platform.LOCAL,
      location: '/exports/u1/r1',
      externalId: 'u1/r1',
      publishedAt: exportedAt,
    });
    expect(recorded).toEqual([expect.objectContaining({ status: 'PUBLISHED', platform: 'LOCAL', location: '/exports/u1/r1' })]);
  });

  describe("with the recording's template metadata", () => {
    const exported = { location: '/exports/u1/r1', metadata: { recordingId: 'r1', userId: 'u1', targetId: 't1', variables: {}, files: [], exportedAt: '2026-01-01T10:00:00.000Z' } };
    const srt = { key: 'users/u1/recordings/r1/transcription/subtitles.srt', sizeBytes: '5', kind: ObjectKind.SUBTITLES_SRT };
    const de = {
      language: 'de',
      srt: { key: 'users/u1/recordings/r1/transcription/subtitles.de.srt', sizeBytes: '5', kind: ObjectKind.SUBTITLES_SRT },
      vtt: { key: 'users/u1/recordings/r1/transcription/subtitles.de.vtt', sizeBytes: '5', kind: ObjectKind.SUBTITLES_VTT },
    };

    it("renders the template's fields, its common block over them, and leaves other platforms' blocks out", async () => {
      let request: Parameters<LocalExportService['export']>[0] | undefined;
      const { service } = setup({ export: async (r) => ((request = r), exported) });
      await (await service.publish({
        ...command,
        objects: [...command.objects, srt],
        translations: [de],
        templateMetadata: {
          titleTemplate: 'Course: {{ display_name }}',
          descriptionTemplate: 'About {{ display_name }}',
          common: { descriptionTemplate: 'Common: {{ title }}', titleTemplate: null },
          youtube: { titleTemplate: 'YouTube only {{ display_name }}' },
        },
      }))(tx);
      expect(request?.rendered).toEqual({ title: 'Course: Lecture', description: 'Common: Course: Lecture' });
      expect(request?.objects).toEqual([...command.objects, srt]);
      expect(request?.translations).toEqual([de]);
    });

    it('sends no subtitles at all when the config turns caption uploads off', async () => {
      let request: Parameters<LocalExportService['export']>[0] | undefined;
      const { service } = setup({ export: async (r) => ((request = r), exported) });
      await (await service.publish({ ...command, objects: [...command.objects, srt], translations: [de], uploadCaptions: false }))(tx);
      expect(request?.objects).toEqual(command.objects);
      expect(request?.translations).toEqual([]);
    });

    it('fails the target, not retryable, naming the template field that does not render or does not fit', async () => {
      const { service, recorded } = setup({});
      const broken = service.publish({ ...command, templateMetadata: { common: { descriptionTemplate: 'About {{ display_name ' } } });
      await expect(broken).rejects.toMatchObject({ code: 'PUBLISHING.TEMPLATE_SYNTAX', retryable: false, message: expect.stringMatching(/^metadataConfig\.common\.descriptionTemplate: .*template/) });
      const unfit = service.publish({ ...command, templateMetadata: { topicsDisplay: { format: 'sideways' } } });
      await expect(unfit).rejects.toMatchObject({ code: 'PUBLISHING.TEMPLATE_METADATA_INVALID', retryable: false, message: expect.stringContaining('metadataConfig.topicsDisplay.format') });
      expect(recorded).toEqual([]);
    });
  });

  it('fails other platforms with PUBLISHING.PLATFORM_UNAVAILABLE, not retryable, without touching the exporter', async () => {
    const { service, recorded } = setup({});
    await expect(service.publish({ ...command, platform: Platform.UNSPECIFIED })).rejects.toMatchObject({ code: 'PUBLISHING.PLATFORM_UNAVAILABLE', retryable: false });
    expect(recorded).toEqual([]);
  });

  it('records a failure the stage reports at once, with its code', async () => {
    const { service, recorded } = setup({});
    const error = { code: 'PUBLISHING.PLATFORM_UNAVAILABLE', message: 'Publishing to PLATFORM_VK is not available yet', retryable: false as const };
    expect(await service.failed(tx, { ...command, platform: Platform.VK }, error)).toEqual({
      recordingId: 'r1',
      userId: 'u1',
      targetId: 't1',
      platform: Platform.VK,
      error: { code: 'PUBLISHING.PLATFORM_UNAVAILABLE', message: expect.any(String), retryable: false },
    });
    expect(recorded).toEqual([expect.objectContaining({ status: 'FAILED', platform: 'VK', errorCode: 'PUBLISHING.PLATFORM_UNAVAILABLE' })]);
  });

  it('throws export errors as they are, recording nothing', async () => {
    const permanent = setup({ export: async () => Promise.reject(new LeapError('PUBLISHING.OBJECT_NOT_FOUND', 'gone')) });
    await expect(permanent.service.publish(command)).rejects.toMatchObject({ code: 'PUBLISHING.OBJECT_NOT_FOUND' });
    expect(permanent.recorded).toEqual([]);

    const transient = setup({ export: async () => Promise.reject(Object.assign(new Error('no space left'), { code: 'ENOSPC' })) });
    await expect(transient.service.publish(command)).rejects.toThrow('no space left');
    expect(transient.recorded).toEqual([]);
  });

  it('records a job that ran out of attempts as failed with PUBLISHING.RETRIES_EXHAUSTED', async () => {
    const { service, recorded } = setup({});
    const failure = { error: new Error('no space left'), code: 'Error', message: 'no space left', retriesExhausted: true, retryCount: 2, attempts: 3, workerLost: false };
    expect(await service.failed(tx, command, jobFailureReport('PUBLISHING', failure))).toEqual({
      recordingId: 'r1',
      userId: 'u1',
      targetId: 't1',
      platform: Platform.LOCAL,
      error: { code: 'PUBLISHING.RETRIES_EXHAUSTED', message: 'Gave up after 3 attempts; last error Error: no space left', retryable: false },
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
