import { DownloadMethod, type DownloadRecording } from '@leap/contracts';
import type { ObjectStore, StoredObject } from '@leap/storage-client';
import { DownloadService } from './download.service';
import type { FetchedOriginal, OriginalFetcher } from './original-fetcher';

const cmd = (method: DownloadRecording['method']): DownloadRecording => ({ recordingId: 'rec-1', userId: 'user-1', url: 'https://media.example/a.mp4', method });

/** A fetcher that answers one original and notes whether it was discarded. */
function fetcher(original: Partial<FetchedOriginal> = {}) {
  const state = { discarded: 0, calls: 0 };
  const fake: OriginalFetcher = {
    async fetch() {
      state.calls += 1;
      return { path: '/tmp/x', sizeBytes: 10, extension: 'mp4', contentType: 'video/mp4', resumedFromBytes: 4, discard: async () => void (state.discarded += 1), ...original };
    },
  };
  return { fake, state };
}

/** A store that only takes `putFile` (any other call fails the test) and answers `stored`. */
function store(stored: Partial<StoredObject> = {}) {
  const puts: { key: string; path: string; contentType?: string }[] = [];
  const fake = new Proxy({} as ObjectStore, {
    get(_t, name) {
      if (name === 'putFile') {
        return async (key: string, path: string, options: { contentType?: string }) => {
          puts.push({ key, path, contentType: options.contentType });
          return { key, sizeBytes: 10, checksumSha256: 'ab'.repeat(32), ...stored };
        };
      }
      throw new Error(`unexpected call of store.${String(name)}`);
    },
  });
  return { fake, puts };
}

const progress = () => ({ signal: new AbortController().signal, onBytes: () => undefined });

describe('DownloadService', () => {
  it('stores the fetched original under the recording source key and answers its size and checksum', async () => {
    const http = fetcher();
    const ytdlp = fetcher();
    const objects = store();
    const service = new DownloadService(http.fake, ytdlp.fake, objects.fake, { maxBytes: 100 });
    const result = await service.download(cmd(DownloadMethod.HTTP), progress());
    expect(objects.puts).toEqual([{ key: 'users/user-1/recordings/rec-1/source.mp4', path: '/tmp/x', contentType: 'video/mp4' }]);
    expect(result).toEqual({
      source: { key: 'users/user-1/recordings/rec-1/source.mp4', sizeBytes: '10', kind: 'OBJECT_KIND_SOURCE', checksumSha256: 'ab'.repeat(32), contentType: 'video/mp4' },
      resumedFromBytes: 4,
    });
    expect(http.state).toEqual({ calls: 1, discarded: 1 });
    expect(ytdlp.state.calls).toBe(0);
  });

  it('hands yt-dlp sources to yt-dlp and keeps the title it found', async () => {
    const ytdlp = fetcher({ title: 'A talk', extension: 'webm', contentType: 'video/webm' });
    const objects = store();
    const service = new DownloadService(fetcher().fake, ytdlp.fake, objects.fake, { maxBytes: 100 });
    const result = await service.download(cmd(DownloadMethod.YT_DLP), progress());
    expect(result.title).toBe('A talk');
    expect(objects.puts[0]?.key).toBe('users/user-1/recordings/rec-1/source.webm');
  });

  it('keeps the local file and asks for another try when storage did not take every byte', async () => {
    const http = fetcher();
    const service = new DownloadService(http.fake, fetcher().fake, store({ sizeBytes: 9 }).fake, { maxBytes: 100 });
    await expect(service.download(cmd(DownloadMethod.HTTP), progress())).rejects.toMatchObject({ code: 'INGEST.DOWNLOAD_STORE_MISMATCH', retryable: true });
    expect(http.state.discarded).toBe(0);
  });

  it('refuses an unknown method', async () => {
    const service = new DownloadService(fetcher().fake, fetcher().fake, store().fake, { maxBytes: 100 });
    await expect(service.download(cmd(DownloadMethod.UNSPECIFIED), progress())).rejects.toMatchObject({ code: 'INGEST.DOWNLOAD_METHOD_UNKNOWN', retryable: false });
  });
});
