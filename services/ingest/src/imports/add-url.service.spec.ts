import { DownloadMethod, type AddRecordingFromUrl } from '@leap/contracts';
import { OutboundPolicy } from '@leap/outbound';
import type { RecordingSourceRepository } from '../download/recording-source.repository';
import type { PipelineService, PipelineTx } from '../pipeline/pipeline.service';
import type { RecordingRepository } from '../recordings/recording.repository';
import type { TemplatesService } from '../templates/templates.service';
import type { YtDlp, YtDlpInfo } from '../ytdlp/ytdlp.client';
import { AddUrlService } from './add-url.service';

/** An object whose listed methods answer as given; any other call fails the test. */
function strict<T extends object>(name: string, methods: Record<string, (...args: any[]) => unknown>): T {
  return new Proxy({} as T, {
    get(_t, key) {
      if (typeof key === 'string' && key in methods) return methods[key];
      if (key === 'then') return undefined;
      throw new Error(`unexpected call of ${name}.${String(key)}`);
    },
  });
}

const tx = {} as PipelineTx;
const query = (url: string, extra: Partial<AddRecordingFromUrl> = {}): AddRecordingFromUrl => ({
  recordingId: 'rec-1',
  userId: 'user-1',
  url,
  autoRun: true,
  method: DownloadMethod.YT_DLP,
  ...extra,
});

describe('AddUrlService', () => {
  const registered: unknown[] = [];
  const bound: unknown[] = [];
  const recording = { id: 'rec-1', userId: 'user-1', status: 'DOWNLOADING', title: 'A talk' };
  const info: YtDlpInfo = { id: 'abc', extractor_key: 'Youtube', title: 'A talk' };
  const policy = new OutboundPolicy({ resolver: async (host) => (host === 'media.example' ? [{ address: '93.184.216.34', family: 4 }] : [{ address: '10.0.0.1', family: 4 }]) });

  function service(existing: { recordingId: string } | null = null) {
    registered.length = 0;
    bound.length = 0;
    return new AddUrlService(
      strict<PipelineService>('pipeline', { registerImported: async (_tx: unknown, input: unknown) => (registered.push(input), true) }),
      strict<RecordingRepository>('recordings', { find: async () => recording }),
      policy,
      strict<YtDlp>('ytdlp', { probe: async () => info }),
      strict<RecordingSourceRepository>('sources', { findByKey: async () => existing }),
      strict<TemplatesService>('templates', { bindOnCreate: async (_tx: unknown, created: unknown) => (bound.push(created), null) }),
    );
  }

  it('describes the source first, keys it platform:video_id and names it after its title', async () => {
    const answer = await service().add(tx, query('https://media.example/watch?v=abc', { quality: '720p', reservationId: 'res-1' }));
    expect(answer).toEqual({ recordingId: 'rec-1', status: 'DOWNLOADING', title: 'A talk', created: true });
    expect(registered).toEqual([
      expect.objectContaining({
        recordingId: 'rec-1',
        title: 'A talk',
        autoRun: true,
        reservationId: 'res-1',
        source: expect.objectContaining({ method: 'YT_DLP', sourceKey: 'youtube:abc', platform: 'youtube', quality: '720p', formatPreference: 'mp4' }),
      }),
    ]);
    // The new recording is matched against the user's templates as it is created.
    expect(bound).toEqual([{ recordingId: 'rec-1', userId: 'user-1' }]);
  });

  it('answers the recording the user has for the same source, creating nothing', async () => {
    const answer = await service({ recordingId: 'rec-1' }).add(tx, query('https://media.example/watch?v=abc'));
    expect(answer.created).toBe(false);
    expect(registered).toEqual([]);
    expect(bound).toEqual([]);
  });

  it('refuses what is not a usable URL or option with 400, and an internal host with 422', async () => {
    const s = service();
    await expect(s.add(tx, query('not a url'))).rejects.toMatchObject({ code: 'INGEST.INVALID_URL', status: 400 });
    await expect(s.add(tx, query('ftp://media.example/a'))).rejects.toMatchObject({ code: 'INGEST.INVALID_URL', status: 400 });
    await expect(s.add(tx, query('https://user:secret@media.example/a'))).rejects.toMatchObject({ code: 'INGEST.INVALID_URL', status: 400 });
    await expect(s.add(tx, query('https://media.example/a', { quality: '4k' }))).rejects.toMatchObject({ code: 'INGEST.INVALID_OPTION', status: 400 });
    await expect(s.add(tx, query('https://intranet.example/a'))).rejects.toMatchObject({ code: 'INGEST.URL_NOT_ALLOWED', status: 422 });
    expect(registered).toEqual([]);
  });
});
