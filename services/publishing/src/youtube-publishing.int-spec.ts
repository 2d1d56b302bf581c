import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { MESSAGE_TYPES, ObjectKind, Platform, type ObjectRef, type PublishRecording } from '@leap/contracts';
import { MessageBus } from '@leap/messaging';
import type { RunningService } from '@leap/platform';
import { generateKeyEntry, parseKeyring } from '@leap/secrets';
import { createServiceWorld, type ServiceWorld } from '@leap/service-testing';
import { LocalObjectStore, storageKeys } from '@leap/storage-client';
import { eventually, startFakeYoutube, type FakeYoutube } from '@leap/testing';
import { publishingService } from './service';
import { createPreset, observed, publishingPeer, sealedCredential, storedObject } from './testing/publishing-peer';

const { published, failed } = observed;

const TRANSIT = generateKeyEntry('t1');
const AT_REST = generateKeyEntry('k1');

describe('publishing to YouTube (fake Google OAuth and YouTube on localhost)', () => {
  let world: ServiceWorld;
  let youtube: FakeYoutube;
  let publishing: RunningService;
  let bus: MessageBus;
  let db: DataSource;
  let store: LocalObjectStore;
  const userId = randomUUID();

  beforeAll(async () => {
    youtube = await startFakeYoutube();
    world = await createServiceWorld('publishing_youtube');
    store = new LocalObjectStore(world.storageRoot);
    publishing = await world.start(publishingService, {
      env: {
        EXPORT_ROOT: await world.tempDir('exports'),
        CREDENTIALS_KEYRING: AT_REST,
        CREDENTIALS_TRANSIT_KEYRING: TRANSIT,
        GOOGLE_OAUTH_BASE_URL: youtube.oauthBaseUrl,
        YOUTUBE_API_BASE_URL: youtube.apiBaseUrl,
        YOUTUBE_UPLOAD_BASE_URL: youtube.uploadBaseUrl,
        GOOGLE_CLIENT_ID: youtube.clientId,
        GOOGLE_CLIENT_SECRET: youtube.clientSecret,
        YOUTUBE_CHUNK_SIZE: '256KiB',
      },
    });
    const peer = await world.start(publishingPeer);
    bus = peer.app.get(MessageBus);
    db = peer.app.get(DataSource);
  }, 300_000);

  afterAll(async () => {
    await world?.close();
    await youtube?.close();
  });

  /** A credential made as the gateway makes it: the tokens sealed for transit. */
  const credential = (tokens: { accessToken: string; refreshToken?: string }, accountName = `teacher-${randomUUID()}@example.org`) =>
    sealedCredential(bus, { userId, platform: 'youtube', tokens, accountName, transitKeyring: TRANSIT });
  const preset = (credentialId: string, metadata: Record<string, unknown>) => createPreset(bus, userId, 'youtube', credentialId, metadata);

  async function objects(recordingId: string, videoBytes: number): Promise<ObjectRef[]> {
    const write = (key: string, content: string | Buffer, kind: ObjectKind, contentType: string) => storedObject(store, key, content, kind, contentType);
    const topics = { activeVersion: 1, versions: [{ version: 1, language: 'ru', summary: 'Матрицы и определители.', mainTopics: ['Матрицы'], topics: [{ start: 65, end: 900, title: 'Матрицы' }], questions: ['Что такое ранг?'] }] };
    return [
      await write(storageKeys.video(userId, recordingId, 'mp4'), Buffer.alloc(videoBytes, 5), ObjectKind.VIDEO, 'video/mp4'),
      await write(storageKeys.topics(userId, recordingId), JSON.stringify(topics), ObjectKind.TOPICS, 'application/json'),
      await write(storageKeys.subtitles(userId, recordingId, 'vtt'), 'WEBVTT\n\n00:00.000 --> 00:01.500\nЗдравствуйте\n', ObjectKind.SUBTITLES_VTT, 'text/vtt'),
    ];
  }

  function send(command: PublishRecording): Promise<void> {
    return db.transaction((m) => bus.send(m, MESSAGE_TYPES.publishing.PublishRecording, command, { subject: command.recordingId, tenant: userId }));
  }

  it('uploads with the rendered metadata and the preset settings, adds it to the playlist and uploads the captions', async () => {
    const tokens = youtube.grant();
    const presetId = await preset(await credential(tokens), {
      titleTemplate: '{{ display_name }} — {{ record_date }}',
      descriptionTemplate: '{{ summary }}\n\n{{ topics }}',
      topicsDisplay: { showTimestamps: true },
      privacy: 'public',
      publishAt: '2030-01-01T09:00:00Z',
      playlistId: 'PLlectures',
      tags: ['math'],
      defaultLanguage: 'ru',
    });
    const recordingId = randomUUID();
    const targetId = randomUUID();
    await send({
      recordingId,
      userId,
      targetId,
      platform: Platform.YOUTUBE,
      presetId,
      objects: await objects(recordingId, 700_000),
      variables: { title: 'Линейная алгебра '.repeat(10), recorded_at: '2026-03-01T23:30:00Z', time_zone: 'Europe/Moscow' },
    });
    const event = await eventually(() => {
      const found = published.find((p) => p.recordingId === recordingId);
      expect(found).toBeDefined();
      return found!;
    }, { timeoutMs: 30_000 });
    const video = youtube.videos.get(event.externalId!)!;
    expect(event).toMatchObject({ targetId, platform: Platform.YOUTUBE, url: `https://www.youtube.com/watch?v=${video.id}` });
    expect(video.bytes.length).toBe(700_000);
    expect(String(video.snippet.title)).toHaveLength(100);
    expect(String(video.snippet.title).endsWith('...')).toBe(true);
    expect(video.snippet).toMatchObject({ description: 'Матрицы и определители.\n\nТемы:\n1. 1:05 Матрицы', categoryId: '27', tags: ['math'], defaultLanguage: 'ru' });
    // A scheduled publish is uploaded private whatever the preset's privacy says.
    expect(video.status).toMatchObject({ privacyStatus: 'private', publishAt: '2030-01-01T09:00:00.000Z', selfDeclaredMadeForKids: false, embeddable: true, license: 'youtube' });
    expect(video.playlistIds).toEqual(['PLlectures']);
    expect(video.captions).toEqual([{ language: 'ru', name: 'ru', body: 'WEBVTT\n\n00:00.000 --> 00:01.500\nЗдравствуйте\n' }]);
  });

  it("renders the recording's template metadata over the preset's and uploads a caption track per language; captions off sends none", async () => {
    const presetId = await preset(await credential(youtube.grant()), {
      titleTemplate: 'Preset {{ display_name }}',
      descriptionTemplate: 'Preset description',
      privacy: 'unlisted',
      tags: ['preset'],
    });
    const templateMetadata = {
      titleTemplate: 'Course: {{ display_name }}',
      descriptionTemplate: 'Template description',
      common: { tags: ['course', 'math'] },
      youtube: { descriptionTemplate: '{{ summary }} ({{ record_date }})', privacy: 'public' },
      vk: { titleTemplate: 'Not for YouTube' },
    };
    const translated = async (recordingId: string, language: string, text: string) => {
      const key = `${storageKeys.recordingPrefix(userId, recordingId)}transcription/subtitles.${language}`;
      const vtt = await store.put(`${key}.vtt`, `WEBVTT\n\n00:00.000 --> 00:01.500\n${text}\n`, { contentType: 'text/vtt' });
      const srt = await store.put(`${key}.srt`, `1\n00:00:00,000 --> 00:00:01,500\n${text}\n`, { contentType: 'application/x-subrip' });
      return {
        language,
        vtt: { key: `${key}.vtt`, sizeBytes: String(vtt.sizeBytes), checksumSha256: vtt.checksumSha256, contentType: 'text/vtt', kind: ObjectKind.SUBTITLES_VTT },
        srt: { key: `${key}.srt`, sizeBytes: String(srt.sizeBytes), checksumSha256: srt.checksumSha256, contentType: 'application/x-subrip', kind: ObjectKind.SUBTITLES_SRT },
      };
    };
    const publishOne = async (extra: Partial<PublishRecording>) => {
      const recordingId = randomUUID();
      await send({
        recordingId,
        userId,
        targetId: randomUUID(),
        platform: Platform.YOUTUBE,
        presetId,
        objects: await objects(recordingId, 300_000),
        translations: [await translated(recordingId, 'de', 'Guten Tag'), await translated(recordingId, 'fr', 'Bonjour')],
        variables: { title: 'Линейная алгебра', recorded_at: '2026-03-02T07:30:00Z', language: 'ru' },
        templateMetadata,
        ...extra,
      });
      const event = await eventually(() => {
        const found = published.find((p) => p.recordingId === recordingId);
        expect(found).toBeDefined();
        return found!;
      }, { timeoutMs: 30_000 });
      return youtube.videos.get(event.externalId!)!;
    };

    const video = await publishOne({});
    expect(video.snippet).toMatchObject({ title: 'Course: Линейная алгебра', description: 'Матрицы и определители. (02.03.2026)', tags: ['course', 'math'] });
    expect(video.status).toMatchObject({ privacyStatus: 'public' });
    expect([...video.captions].sort((a, b) => a.language.localeCompare(b.language))).toEqual([
      { language: 'de', name: 'de', body: 'WEBVTT\n\n00:00.000 --> 00:01.500\nGuten Tag\n' },
      { language: 'fr', name: 'fr', body: 'WEBVTT\n\n00:00.000 --> 00:01.500\nBonjour\n' },
      { language: 'ru', name: 'ru', body: 'WEBVTT\n\n00:00.000 --> 00:01.500\nЗдравствуйте\n' },
    ]);

    // The template's outputConfig.uploadCaptions false: no track at all, though the preset uploads captions.
    const silent = await publishOne({ uploadCaptions: false });
    expect(silent.snippet).toMatchObject({ title: 'Course: Линейная алгебра' });
    expect(silent.captions).toEqual([]);
  });

  it('fails the target, not retried, when the template metadata does not render, naming its field', async () => {
    const presetId = await preset(await credential(youtube.grant()), {});
    const recordingId = randomUUID();
    const targetId = randomUUID();
    const uploads = youtube.videos.size;
    await send({
      recordingId,
      userId,
      targetId,
      platform: Platform.YOUTUBE,
      presetId,
      objects: await objects(recordingId, 1000),
      variables: { title: 'Algebra' },
      templateMetadata: { youtube: { titleTemplate: '{{ display_name ' } },
    });
    const failure = await eventually(() => {
      const found = failed.find((f) => f.targetId === targetId);
      expect(found).toBeDefined();
      return found!;
    }, { timeoutMs: 30_000 });
    expect(failure.error).toMatchObject({ code: 'PUBLISHING.TEMPLATE_SYNTAX', retryable: false, message: expect.stringMatching(/^metadataConfig\.youtube\.titleTemplate: /) });
    expect(youtube.videos.size).toBe(uploads);
  });

  it('refreshes an expired token once and stores the new one; a revoked one fails only its own target and marks the credential', async () => {
    const expired = youtube.grant();
    youtube.expire(expired.accessToken);
    const goodCredential = await credential(expired);
    const revoked = youtube.grant();
    youtube.revoke(revoked.refreshToken);
    const badCredential = await credential(revoked);
    const good = await preset(goodCredential, {});
    const bad = await preset(badCredential, {});

    const recordingId = randomUUID();
    const objs = await objects(recordingId, 300_000);
    const [goodTarget, badTarget] = [randomUUID(), randomUUID()];
    const refreshes = youtube.stats.refreshes;
    await send({ recordingId, userId, targetId: badTarget, platform: Platform.YOUTUBE, presetId: bad, objects: objs, variables: { title: 'Algebra' } });
    await send({ recordingId, userId, targetId: goodTarget, platform: Platform.YOUTUBE, presetId: good, objects: objs, variables: { title: 'Algebra' } });

    await eventually(() => expect(published.find((p) => p.targetId === goodTarget)).toBeDefined(), { timeoutMs: 30_000 });
    const failure = await eventually(() => {
      const found = failed.find((f) => f.targetId === badTarget);
      expect(found).toBeDefined();
      return found!;
    }, { timeoutMs: 30_000 });
    expect(failure).toMatchObject({ needsReauth: true, error: { code: 'PUBLISHING.CREDENTIAL_REVOKED', retryable: false } });
    expect(JSON.stringify(failure)).not.toContain(revoked.refreshToken);
    expect(youtube.stats.refreshes - refreshes).toBe(1);

    const rows = await publishing.app.get(DataSource).query(`SELECT id, needs_reauth, sealed_tokens FROM platform_credentials WHERE id = ANY($1::uuid[])`, [[goodCredential, badCredential]]);
    const byId = Object.fromEntries(rows.map((r: { id: string }) => [r.id, r]));
    expect(byId[badCredential].needs_reauth).toBe(true);
    expect(byId[goodCredential].needs_reauth).toBe(false);
    // Tokens are sealed at rest; the refreshed one replaced the expired one.
    expect(byId[goodCredential].sealed_tokens).toMatch(/^v1\.k1\./);
    expect(byId[goodCredential].sealed_tokens).not.toContain(expired.accessToken);
    const stored = parseKeyring(AT_REST).decryptJson<{ accessToken: string }>(byId[goodCredential].sealed_tokens, `credential:${goodCredential}`);
    expect(stored.accessToken).not.toBe(expired.accessToken);

    // Connecting the account again clears needs_reauth.
    const again = youtube.grant();
    const reconnected = parseKeyring(TRANSIT).encryptJson(again, `credential-transit:${userId}`);
    const [{ account_name: accountName }] = await publishing.app.get(DataSource).query(`SELECT account_name FROM platform_credentials WHERE id = $1`, [badCredential]);
    const reply = await bus.request(MESSAGE_TYPES.publishing.CreateCredential, { userId, platform: 'youtube', accountName, sealedTokens: reconnected }, { tenant: userId });
    expect(reply).toMatchObject({ created: false, credential: { id: badCredential, needsReauth: false } });
  });

  it('resumes an upload cut at 40 % without sending the first 40 % again', async () => {
    const presetId = await preset(await credential(youtube.grant()), {});
    const recordingId = randomUUID();
    const size = 10 * 256 * 1024 + 4321;
    youtube.cutNextUploadAt(0.4);
    await send({ recordingId, userId, targetId: randomUUID(), platform: Platform.YOUTUBE, presetId, objects: await objects(recordingId, size), variables: { title: 'Cut' } });
    const event = await eventually(() => {
      const found = published.find((p) => p.recordingId === recordingId);
      expect(found).toBeDefined();
      return found!;
    }, { timeoutMs: 30_000 });
    expect(youtube.videos.get(event.externalId!)!.bytes.length).toBe(size);
    expect(youtube.sessionBytes.at(-1)).toBe(size);
  });

  it('publishes one recording to several targets asked for by hand, two on YouTube, and one failing target leaves the others going', async () => {
    const first = await preset(await credential(youtube.grant()), { titleTemplate: 'First: {{ display_name }}' });
    const second = await preset(await credential(youtube.grant()), { titleTemplate: 'Second: {{ display_name }}', privacy: 'private' });
    const revoked = youtube.grant();
    youtube.revoke(revoked.refreshToken);
    const broken = await preset(await credential(revoked), {});
    const recordingId = randomUUID();
    const objs = await objects(recordingId, 100_000);
    const start = (platform: string, presetId?: string) =>
      bus.request(MESSAGE_TYPES.publishing.StartUpload, { userId, recordingId, platform, ...(presetId ? { presetId } : {}), objects: objs, variables: { title: 'Graphs' } }, { tenant: userId });

    const asked = [await start('youtube', first), await start('youtube', second), await start('youtube', broken), await start('local')];
    expect(asked.map((a) => a.target.status)).toEqual(['QUEUED', 'QUEUED', 'QUEUED', 'QUEUED']);
    expect(new Set(asked.map((a) => a.target.id)).size).toBe(4);

    const targets = await eventually(async () => {
      const page = await bus.request(MESSAGE_TYPES.publishing.ListOutputTargets, { userId, recordingId }, { tenant: userId });
      expect((page.targets ?? []).map((t) => t.status)).toEqual(['PUBLISHED', 'PUBLISHED', 'FAILED', 'PUBLISHED']);
      return page.targets!;
    }, { timeoutMs: 30_000 });
    expect(targets.map((t) => [t.platform, t.presetId ?? null, t.attempts])).toEqual([
      ['youtube', first, 1],
      ['youtube', second, 1],
      ['youtube', broken, 1],
      ['local', null, 1],
    ]);
    const titles = targets.slice(0, 2).map((t) => youtube.videos.get(t.externalId!)!.snippet.title);
    expect(titles).toEqual(['First: Graphs', 'Second: Graphs']);
    expect(targets[0]!.resultUrl).toBe(`https://www.youtube.com/watch?v=${targets[0]!.externalId}`);
    expect(targets[2]).toMatchObject({ errorCode: 'PUBLISHING.CREDENTIAL_REVOKED', errorMessage: expect.stringContaining('connect it again') });
    expect(targets[3]!.location).toContain(recordingId);

    // Another user's recording has no targets for them, and a preset of another platform is refused.
    const other = await bus.request(MESSAGE_TYPES.publishing.ListOutputTargets, { userId: randomUUID(), recordingId }, { tenant: userId });
    expect(other.targets ?? []).toEqual([]);
    await expect(start('vk_video', first)).rejects.toMatchObject({ code: 'PRESET.INVALID', status: 422 });
    await expect(start('youtube')).rejects.toMatchObject({ code: 'PRESET.REQUIRED' });
  });

  it('stops an upload when its recording is paused: the transfer ends mid-file and nothing is recorded', async () => {
    const presetId = await preset(await credential(youtube.grant()), {});
    const recordingId = randomUUID();
    const size = 12 * 256 * 1024;
    youtube.slowUploads(300);
    try {
      const sessions = youtube.stats.sessions;
      const started = await bus.request(
        MESSAGE_TYPES.publishing.StartUpload,
        { userId, recordingId, platform: 'youtube', presetId, objects: await objects(recordingId, size), variables: { title: 'Paused' } },
        { tenant: userId },
      );
      // The transfer is under way.
      await eventually(() => {
        expect(youtube.stats.sessions).toBe(sessions + 1);
        expect(youtube.sessionBytes.at(-1)).toBeGreaterThan(0);
      }, { timeoutMs: 30_000 });
      await db.transaction((m) => bus.publish(m, MESSAGE_TYPES.ingest.RecordingPaused, { recordingId, userId, pausedAt: new Date().toISOString(), stages: ['UPLOAD'] }, { subject: recordingId, tenant: userId }));
      const jobs = publishing.app.get(DataSource);
      await eventually(async () => {
        const [job] = await jobs.query(`SELECT state FROM jobs WHERE subject = $1`, [recordingId]);
        expect(job.state).toBe('cancelled');
      }, { timeoutMs: 30_000 });
      // Cancelled mid-file: the session holds part of it and no video was made of it.
      expect(youtube.sessionBytes.at(-1)).toBeLessThan(size);
      expect([...youtube.videos.values()].some((v) => v.snippet.title === 'Paused')).toBe(false);
      expect(published.find((p) => p.recordingId === recordingId)).toBeUndefined();
      expect(failed.find((f) => f.recordingId === recordingId)).toBeUndefined();
      // The target says it was stopped.
      const page = await bus.request(MESSAGE_TYPES.publishing.ListOutputTargets, { userId, recordingId }, { tenant: userId });
      expect(page.targets).toEqual([expect.objectContaining({ id: started.target.id, status: 'FAILED', errorCode: 'PUBLISHING.CANCELLED', errorMessage: expect.stringContaining('paused') })]);
    } finally {
      youtube.slowUploads(0);
    }
  });
});
