import { randomBytes } from 'node:crypto';
import { startFakeYoutube, type FakeYoutube } from '@leap/testing';
import { YoutubeClient, type GoogleTokens, type YoutubeAccount, type YoutubeVideoResource } from './youtube.client';

const QUANTUM = 256 * 1024;
const resource: YoutubeVideoResource = {
  snippet: { title: 'Linear algebra 3', description: 'Matrices', tags: ['math'], categoryId: '27', defaultLanguage: 'ru' },
  status: { privacyStatus: 'unlisted', selfDeclaredMadeForKids: false, embeddable: true, license: 'youtube' },
};

describe('YoutubeClient against the fake Google and YouTube servers', () => {
  let fake: FakeYoutube;
  let client: YoutubeClient;

  beforeAll(async () => {
    fake = await startFakeYoutube();
    client = new YoutubeClient({ apiBaseUrl: fake.apiBaseUrl, uploadBaseUrl: fake.uploadBaseUrl, oauthBaseUrl: fake.oauthBaseUrl, clientId: fake.clientId, clientSecret: fake.clientSecret });
  });
  afterAll(() => fake?.close());

  function account(tokens: GoogleTokens = fake.grant()): YoutubeAccount & { refreshed: GoogleTokens[] } {
    const refreshed: GoogleTokens[] = [];
    return { tokens, refreshed, onRefreshed: async (t) => void refreshed.push({ ...t }) };
  }

  const file = (size: number) => randomBytes(size);
  const upload = (acc: YoutubeAccount, bytes: Buffer, progress: number[] = []) =>
    client.upload({
      account: acc,
      resource,
      notifySubscribers: false,
      size: bytes.length,
      contentType: 'video/mp4',
      readChunk: async (start, end) => bytes.subarray(start, end + 1),
      chunkSize: QUANTUM,
      onProgress: (b) => progress.push(b),
    });

  it('uploads in chunks through a resumable session, with the snippet and status as given', async () => {
    const bytes = file(QUANTUM * 3 + 1000);
    const progress: number[] = [];
    const { videoId } = await upload(account(), bytes, progress);
    const video = fake.videos.get(videoId)!;
    expect(video.bytes.equals(bytes)).toBe(true);
    expect(video.snippet).toEqual(resource.snippet);
    expect(video.status).toMatchObject(resource.status);
    expect(video.notifySubscribers).toBe(false);
    expect(progress).toEqual([QUANTUM, 2 * QUANTUM, 3 * QUANTUM, bytes.length]);
  });

  it('resumes a transfer cut at 40 % from what the session holds, sending none of it again', async () => {
    const bytes = file(QUANTUM * 10 + 12_345);
    const before = { ...fake.stats };
    fake.cutNextUploadAt(0.4);
    const { videoId } = await upload(account(), bytes);
    expect(fake.videos.get(videoId)!.bytes.equals(bytes)).toBe(true);
    // Every byte crossed the wire exactly once: the first 40 % was not sent again.
    expect(fake.sessionBytes.at(-1)).toBe(bytes.length);
    expect(fake.stats.sessionQueries - before.sessionQueries).toBe(1);
  });

  it('refreshes an expired access token once, hands the new one back, and goes on', async () => {
    const tokens = fake.grant();
    fake.expire(tokens.accessToken);
    const acc = account(tokens);
    const before = fake.stats.refreshes;
    const { videoId } = await upload(acc, file(1000));
    expect(fake.videos.has(videoId)).toBe(true);
    expect(fake.stats.refreshes - before).toBe(1);
    expect(acc.refreshed).toEqual([{ accessToken: expect.stringMatching(/^ya29\./), refreshToken: tokens.refreshToken }]);
    expect(acc.refreshed[0]!.accessToken).not.toBe(tokens.accessToken);
  });

  it('says a revoked account needs to be connected again', async () => {
    const tokens = fake.grant();
    fake.revoke(tokens.refreshToken);
    await expect(upload(account(tokens), file(1000))).rejects.toMatchObject({ code: 'PUBLISHING.CREDENTIAL_REVOKED', retryable: false, details: { needsReauth: true } });
  });

  it("maps YouTube's quota and rate errors to retryable codes, with Retry-After", async () => {
    fake.failNext(1, 403, 'quotaExceeded');
    await expect(upload(account(), file(10))).rejects.toMatchObject({ code: 'PUBLISHING.QUOTA_EXCEEDED', retryable: true });
    fake.failNext(1, 429, 'rateLimitExceeded', 7);
    await expect(upload(account(), file(10))).rejects.toMatchObject({ code: 'PUBLISHING.RATE_LIMITED', retryable: true, details: { retryAfterSeconds: 7 } });
  });

  it('adds to a playlist, sets the thumbnail, uploads captions, and deletes the video', async () => {
    const acc = account();
    const { videoId } = await upload(acc, file(500));
    await client.addToPlaylist(acc, 'PL123', videoId);
    await client.setThumbnail(acc, videoId, Buffer.from('jpeg bytes'), 'image/jpeg');
    await client.uploadCaption(acc, videoId, { language: 'ru', name: 'Русские субтитры', body: Buffer.from('WEBVTT\n\n00:00.000 --> 00:01.000\nПривет\n'), contentType: 'text/vtt' });
    const video = fake.videos.get(videoId)!;
    expect(video.playlistIds).toEqual(['PL123']);
    expect(video.thumbnail).toEqual({ contentType: 'image/jpeg', bytes: Buffer.from('jpeg bytes') });
    expect(video.captions).toEqual([{ language: 'ru', name: 'Русские субтитры', body: 'WEBVTT\n\n00:00.000 --> 00:01.000\nПривет\n' }]);
    await client.deleteVideo(acc, videoId);
    expect(video.deleted).toBe(true);
  });
});
