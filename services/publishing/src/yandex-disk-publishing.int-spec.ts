import { createHash, randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { MESSAGE_TYPES, ObjectKind, Platform, type ObjectRef, type OutputTarget, type PublishRecording } from '@leap/contracts';
import { MessageBus } from '@leap/messaging';
import type { RunningService } from '@leap/platform';
import { generateKeyEntry, parseKeyring } from '@leap/secrets';
import { createServiceWorld, type ServiceWorld } from '@leap/service-testing';
import { LocalObjectStore, storageKeys } from '@leap/storage-client';
import { eventually, startFakeYandexDisk, type FakeYandexDisk } from '@leap/testing';
import { publishingService } from './service';
import { createPreset, observed, publishingPeer, sealedCredential } from './testing/publishing-peer';

const { retracted: retractions } = observed;

const TRANSIT = generateKeyEntry('t1');
const AT_REST = generateKeyEntry('k1');

/**
 * Yandex Disk targets as `POST /api/v1/recordings/{id}/upload/yandex_disk` starts them (the
 * gateway asks publishing's `StartUpload`), uploaded by the real client to the fake Yandex Disk.
 */
describe('publishing to Yandex Disk (fake Yandex Disk and OAuth on localhost)', () => {
  let world: ServiceWorld;
  let disk: FakeYandexDisk;
  let publishing: RunningService;
  let bus: MessageBus;
  let db: DataSource;
  let store: LocalObjectStore;
  const userId = randomUUID();

  beforeAll(async () => {
    disk = await startFakeYandexDisk();
    world = await createServiceWorld('publishing_yandex_disk');
    store = new LocalObjectStore(world.storageRoot);
    publishing = await world.start(publishingService, {
      env: {
        EXPORT_ROOT: await world.tempDir('exports'),
        CREDENTIALS_KEYRING: AT_REST,
        CREDENTIALS_TRANSIT_KEYRING: TRANSIT,
        YANDEX_DISK_API_BASE_URL: disk.apiBaseUrl,
        YANDEX_OAUTH_BASE_URL: disk.oauthBaseUrl,
        YANDEX_CLIENT_ID: disk.clientId,
        YANDEX_CLIENT_SECRET: disk.clientSecret,
        // The fake is on 127.0.0.1, which the address guard refuses unless named here.
        OUTBOUND_ALLOWED_HOSTS: '127.0.0.1',
      },
    });
    const peer = await world.start(publishingPeer);
    bus = peer.app.get(MessageBus);
    db = peer.app.get(DataSource);
  }, 300_000);

  afterAll(async () => {
    await world?.close();
    await disk?.close();
  });

  const credential = (tokens: { accessToken: string; refreshToken?: string }, accountName = `teacher-${randomUUID()}@yandex.ru`) =>
    sealedCredential(bus, { userId, platform: 'yandex_disk', tokens, accountName, transitKeyring: TRANSIT });
  const preset = (credentialId: string, metadata: Record<string, unknown>) => createPreset(bus, userId, 'yandex_disk', credentialId, metadata);

  async function video(recordingId: string, bytes: Buffer): Promise<ObjectRef[]> {
    const key = storageKeys.video(userId, recordingId, 'mp4');
    const stored = await store.put(key, bytes, { contentType: 'video/mp4' });
    return [{ key, sizeBytes: String(stored.sizeBytes), checksumSha256: stored.checksumSha256, contentType: 'video/mp4', kind: ObjectKind.VIDEO }];
  }

  async function upload(recordingId: string, presetId: string, objects: ObjectRef[], variables: Record<string, string>): Promise<string> {
    const reply = await bus.request(MESSAGE_TYPES.publishing.StartUpload, { userId, recordingId, platform: 'yandex_disk', presetId, objects, variables }, { tenant: userId });
    expect(reply.target).toMatchObject({ platform: 'yandex_disk', status: 'QUEUED', presetId });
    return reply.target.id;
  }

  async function settled(recordingId: string, targetId: string): Promise<OutputTarget> {
    return eventually(async () => {
      const page = await bus.request(MESSAGE_TYPES.publishing.ListOutputTargets, { userId, recordingId }, { tenant: userId });
      const target = (page.targets ?? []).find((t) => t.id === targetId);
      expect(['PUBLISHED', 'FAILED']).toContain(target?.status);
      return target!;
    }, { timeoutMs: 60_000 });
  }

  const bytes = (size: number, seed: number) => Buffer.from(Array.from({ length: size }, (_, i) => (i * seed) % 256));
  const md5 = (b: Buffer) => createHash('md5').update(b).digest('hex');

  it('uploads into the templated folder (made as needed) under the templated name, and publishes a public link as the result URL', async () => {
    const granted = disk.grant();
    const presetId = await preset(await credential(granted), {
      folderPathTemplate: '/Lectures/{{ record_date }}/{{ display_name }}',
      filenameTemplate: '{{ display_name }} — {{ record_date }}',
      publish: true,
    });
    const recordingId = randomUUID();
    const content = bytes(3 * 1024 * 1024 + 17, 7);
    const targetId = await upload(recordingId, presetId, await video(recordingId, content), { title: 'Алгебра: лекция 3', recorded_at: '2026-03-01T23:30:00Z', time_zone: 'Europe/Moscow' });

    const target = await settled(recordingId, targetId);
    // The name loses the characters a disk refuses (":"); dates are in the owner's time zone.
    const path = '/Lectures/02.03.2026/Алгебра_ лекция 3/Алгебра_ лекция 3 — 02.03.2026.mp4';
    const file = disk.file(granted.account, path);
    expect(file).toBeDefined();
    expect([file!.bytes.length, file!.md5]).toEqual([content.length, md5(content)]);
    expect(target).toMatchObject({ status: 'PUBLISHED', attempts: 1, resultUrl: file!.publicUrl, externalId: `disk:${path}` });
    expect(target.resultUrl).toMatch(/^https:\/\/disk\.yandex\.ru\/i\//);
  });

  it('keeps an existing file unless the preset overwrites: a different file fails the target, the same bytes (an earlier attempt) pass', async () => {
    const granted = disk.grant();
    const cred = await credential(granted);
    const keep = await preset(cred, { folderPathTemplate: '/Video/Uploads', filenameTemplate: '{{ display_name }}' });
    const replace = await preset(cred, { folderPathTemplate: '/Video/Uploads', filenameTemplate: '{{ display_name }}', overwrite: true });
    const someone = bytes(1000, 3);
    disk.putFile(granted.account, '/Video/Uploads/Seminar.mp4', someone);

    const recordingId = randomUUID();
    const ours = bytes(2000, 5);
    const objects = await video(recordingId, ours);
    const refused = await settled(recordingId, await upload(recordingId, keep, objects, { title: 'Seminar' }));
    expect(refused).toMatchObject({ status: 'FAILED', attempts: 1, errorCode: 'PUBLISHING.TARGET_EXISTS', errorMessage: expect.stringContaining('disk:/Video/Uploads/Seminar.mp4') });
    expect(disk.file(granted.account, '/Video/Uploads/Seminar.mp4')!.md5).toBe(md5(someone));

    const replaced = await settled(recordingId, await upload(recordingId, replace, objects, { title: 'Seminar' }));
    // Not published: the target's location is the file's path on the disk.
    expect(replaced).toMatchObject({ status: 'PUBLISHED', location: 'disk:/Video/Uploads/Seminar.mp4', externalId: 'disk:/Video/Uploads/Seminar.mp4' });
    expect(replaced.resultUrl).toBeUndefined();
    expect(disk.file(granted.account, '/Video/Uploads/Seminar.mp4')!.md5).toBe(md5(ours));

    // The same bytes already there (as after an attempt that uploaded but did not get to record it): nothing is sent again.
    const uploads = disk.stats.uploads;
    const again = await settled(recordingId, await upload(recordingId, keep, objects, { title: 'Seminar' }));
    expect(again).toMatchObject({ status: 'PUBLISHED', location: 'disk:/Video/Uploads/Seminar.mp4' });
    expect(disk.stats.uploads).toBe(uploads);
  });

  it('refreshes an expired token once and keeps the new one; a revoked account fails only its own target and is marked needs_reauth', async () => {
    const expired = disk.grant();
    disk.expire(expired.accessToken);
    const goodCredential = await credential(expired);
    const revoked = disk.grant();
    disk.revoke(revoked.refreshToken);
    const badCredential = await credential(revoked);
    const good = await preset(goodCredential, { folderPathTemplate: '/Out' });
    const bad = await preset(badCredential, { folderPathTemplate: '/Out' });

    const recordingId = randomUUID();
    const objects = await video(recordingId, bytes(5000, 11));
    const refreshes = disk.stats.refreshes;
    const badTarget = await upload(recordingId, bad, objects, { title: 'Graphs' });
    const goodTarget = await upload(recordingId, good, objects, { title: 'Graphs' });

    expect(await settled(recordingId, goodTarget)).toMatchObject({ status: 'PUBLISHED', location: 'disk:/Out/Graphs.mp4' });
    expect(disk.file(expired.account, '/Out/Graphs.mp4')!.bytes.length).toBe(5000);
    const failure = await settled(recordingId, badTarget);
    expect(failure).toMatchObject({ status: 'FAILED', errorCode: 'PUBLISHING.CREDENTIAL_REVOKED', errorMessage: expect.stringContaining('connect it again') });
    expect(JSON.stringify(failure)).not.toContain(revoked.refreshToken);
    expect(disk.stats.refreshes - refreshes).toBe(1);
    expect(disk.file(revoked.account, '/Out/Graphs.mp4')).toBeUndefined();

    const db = publishing.app.get(DataSource);
    const rows = await db.query(`SELECT id, needs_reauth, sealed_tokens FROM platform_credentials WHERE id = ANY($1::uuid[])`, [[goodCredential, badCredential]]);
    const byId = Object.fromEntries(rows.map((r: { id: string }) => [r.id, r]));
    expect(byId[badCredential].needs_reauth).toBe(true);
    expect(byId[goodCredential].needs_reauth).toBe(false);
    const stored = parseKeyring(AT_REST).decryptJson<{ accessToken: string; refreshToken: string }>(byId[goodCredential].sealed_tokens, `credential:${goodCredential}`);
    expect(stored.accessToken).not.toBe(expired.accessToken);
    expect(stored.refreshToken).toBe(expired.refreshToken);

    // While it waits to be connected again, its uploads fail at once with CREDENTIAL.NEEDS_REAUTH.
    const waiting = await settled(recordingId, await upload(recordingId, bad, objects, { title: 'Graphs' }));
    expect(waiting).toMatchObject({ status: 'FAILED', errorCode: 'CREDENTIAL.NEEDS_REAUTH' });
  });

  it('puts the sidecars the preset enables next to the video or where their own templates say, and skips what the recording lacks', async () => {
    const granted = disk.grant();
    const presetId = await preset(await credential(granted), {
      folderPathTemplate: '/Courses/{{ display_name }}',
      descriptionTemplate: '{{ summary }}',
      sidecars: {
        subtitlesSrt: {},
        subtitlesVtt: {},
        transcription: { folderPathTemplate: '/Transcripts', filenameTemplate: '{{ display_name }} — text' },
        descriptionTxt: {},
      },
    });
    const recordingId = randomUUID();
    const put = async (key: string, content: string, kind: ObjectKind, contentType: string): Promise<ObjectRef> => {
      const stored = await store.put(key, content, { contentType });
      return { key, sizeBytes: String(stored.sizeBytes), checksumSha256: stored.checksumSha256, contentType, kind };
    };
    const srt = '1\n00:00:00,000 --> 00:00:01,500\nЗдравствуйте\n';
    const master = { version: 1, language: 'ru', segments: [{ start: 0.2, end: 1.5, text: 'Здравствуйте.' }, { start: 65, end: 70, text: ' Матрицы. ' }] };
    const topics = { activeVersion: 1, versions: [{ version: 1, language: 'ru', summary: 'Матрицы и определители.', mainTopics: ['Матрицы'], topics: [], questions: [] }] };
    const objects = [
      ...(await video(recordingId, bytes(4000, 13))),
      await put(storageKeys.subtitles(userId, recordingId, 'srt'), srt, ObjectKind.SUBTITLES_SRT, 'application/x-subrip'),
      await put(storageKeys.masterTranscript(userId, recordingId), JSON.stringify(master), ObjectKind.TRANSCRIPT, 'application/json'),
      await put(storageKeys.topics(userId, recordingId), JSON.stringify(topics), ObjectKind.TOPICS, 'application/json'),
    ];
    const target = await settled(recordingId, await upload(recordingId, presetId, objects, { title: 'Algebra' }));
    expect(target).toMatchObject({ status: 'PUBLISHED', location: 'disk:/Courses/Algebra/Algebra.mp4' });
    const text = (path: string) => disk.file(granted.account, path)?.bytes.toString('utf8');
    expect(text('/Courses/Algebra/Algebra.srt')).toBe(srt);
    expect(text('/Transcripts/Algebra — text.txt')).toBe('[0:00] Здравствуйте.\n[1:05] Матрицы.\n');
    expect(text('/Courses/Algebra/Algebra.description.txt')).toBe('Algebra\n\nМатрицы и определители.\n');
    // No VTT subtitles yet: that sidecar is skipped, not an error.
    expect(text('/Courses/Algebra/Algebra.vtt')).toBeUndefined();
  });

  it("names the files with the recording's template metadata and puts each translated subtitle file beside the video", async () => {
    const granted = disk.grant();
    const presetId = await preset(await credential(granted), {
      folderPathTemplate: '/Preset folder',
      descriptionTemplate: 'Preset description',
      sidecars: { subtitlesSrt: {}, subtitlesVtt: {}, descriptionTxt: {} },
    });
    const recordingId = randomUUID();
    const put = async (key: string, content: string, kind: ObjectKind, contentType: string): Promise<ObjectRef> => {
      const stored = await store.put(key, content, { contentType });
      return { key, sizeBytes: String(stored.sizeBytes), checksumSha256: stored.checksumSha256, contentType, kind };
    };
    const prefix = `${storageKeys.recordingPrefix(userId, recordingId)}transcription/`;
    const cue = (text: string) => `1\n00:00:00,000 --> 00:00:01,500\n${text}\n`;
    const webvtt = (text: string) => `WEBVTT\n\n00:00.000 --> 00:01.500\n${text}\n`;
    const command: PublishRecording = {
      recordingId,
      userId,
      targetId: randomUUID(),
      platform: Platform.YANDEX_DISK,
      presetId,
      objects: [
        ...(await video(recordingId, bytes(3000, 11))),
        await put(storageKeys.subtitles(userId, recordingId, 'srt'), cue('Здравствуйте'), ObjectKind.SUBTITLES_SRT, 'application/x-subrip'),
      ],
      translations: [
        {
          language: 'de',
          srt: await put(`${prefix}subtitles.de.srt`, cue('Guten Tag'), ObjectKind.SUBTITLES_SRT, 'application/x-subrip'),
          vtt: await put(`${prefix}subtitles.de.vtt`, webvtt('Guten Tag'), ObjectKind.SUBTITLES_VTT, 'text/vtt'),
        },
        { language: 'fr', srt: await put(`${prefix}subtitles.fr.srt`, cue('Bonjour'), ObjectKind.SUBTITLES_SRT, 'application/x-subrip') },
      ],
      variables: { title: 'Algebra' },
      templateMetadata: {
        titleTemplate: 'Course: {{ display_name }}',
        common: { descriptionTemplate: 'Template description' },
        yandexDisk: { folderPathTemplate: '/Courses/{{ display_name }}', filenameTemplate: 'Lecture {{ display_name }}' },
        youtube: { descriptionTemplate: 'Not for the disk' },
      },
    };
    await db.transaction((m) => bus.send(m, MESSAGE_TYPES.publishing.PublishRecording, command, { subject: recordingId, tenant: userId }));

    const text = (path: string) => disk.file(granted.account, path)?.bytes.toString('utf8');
    await eventually(() => {
      expect(disk.file(granted.account, '/Courses/Algebra/Lecture Algebra.mp4')?.bytes.length).toBe(3000);
      expect(text('/Courses/Algebra/Lecture Algebra.description.txt')).toBe('Course: Algebra\n\nTemplate description\n');
      expect(text('/Courses/Algebra/Lecture Algebra.srt')).toBe(cue('Здравствуйте'));
      expect(text('/Courses/Algebra/Lecture Algebra.de.srt')).toBe(cue('Guten Tag'));
      expect(text('/Courses/Algebra/Lecture Algebra.de.vtt')).toBe(webvtt('Guten Tag'));
      expect(text('/Courses/Algebra/Lecture Algebra.fr.srt')).toBe(cue('Bonjour'));
    }, { timeoutMs: 60_000 });
    // No VTT of the original nor of the French: nothing is made up for them.
    expect(text('/Courses/Algebra/Lecture Algebra.vtt')).toBeUndefined();
    expect(text('/Courses/Algebra/Lecture Algebra.fr.vtt')).toBeUndefined();
    expect(text('/Preset folder/Algebra.mp4')).toBeUndefined();
  });

  it('stops an upload when its recording is paused: the transfer ends mid-file and nothing is stored or recorded as published', async () => {
    const granted = disk.grant();
    const presetId = await preset(await credential(granted), { folderPathTemplate: '/Paused' });
    const recordingId = randomUUID();
    const size = 8 * 1024 * 1024;
    disk.slowUploads(200);
    try {
      const before = disk.stats.bytesUploaded;
      const targetId = await upload(recordingId, presetId, await video(recordingId, bytes(size, 17)), { title: 'Paused' });
      await eventually(() => expect(disk.stats.bytesUploaded).toBeGreaterThan(before), { timeoutMs: 30_000 });
      const db = publishing.app.get(DataSource);
      await db.transaction((m) =>
        bus.publish(m, MESSAGE_TYPES.ingest.RecordingPaused, { recordingId, userId, pausedAt: new Date().toISOString(), stages: ['UPLOAD'] }, { subject: recordingId, tenant: userId }),
      );
      await eventually(async () => {
        const [job] = await db.query(`SELECT state FROM jobs WHERE subject = $1`, [recordingId]);
        expect(job.state).toBe('cancelled');
      }, { timeoutMs: 30_000 });
      expect(disk.stats.bytesUploaded - before).toBeLessThan(size);
      expect(disk.file(granted.account, '/Paused/Paused.mp4')).toBeUndefined();
      const target = await settled(recordingId, targetId);
      expect(target).toMatchObject({ status: 'FAILED', errorCode: 'PUBLISHING.CANCELLED', errorMessage: expect.stringContaining('paused') });
    } finally {
      disk.slowUploads(0);
    }
  });

  it('connects an output account from an OAuth code (ConnectAccount): exchanged with the verifier, named by its login; again clears needs_reauth; a refused code is OAUTH.EXCHANGE_FAILED', async () => {
    const { account } = disk.grant(`archive-${randomUUID().slice(0, 8)}`);
    const verifier = randomUUID() + randomUUID();
    const code = async () => {
      disk.signInAs(account);
      const challenge = createHash('sha256').update(verifier).digest('base64url');
      const consent = await fetch(
        `${disk.oauthBaseUrl}/authorize?${new URLSearchParams({ response_type: 'code', client_id: disk.clientId, redirect_uri: 'https://leap.example.org/cb', force_confirm: 'yes', code_challenge: challenge, code_challenge_method: 'S256' })}`,
        { redirect: 'manual' },
      );
      return new URL(consent.headers.get('location')!).searchParams.get('code')!;
    };
    const connect = async (grant: { code: string; codeVerifier?: string }) =>
      bus.request(
        MESSAGE_TYPES.publishing.ConnectAccount,
        { userId, platform: 'yandex_disk', sealedGrant: parseKeyring(TRANSIT).encryptJson(grant, `credential-transit:${userId}`), redirectUri: 'https://leap.example.org/cb' },
        { tenant: userId },
      );
    const first = await connect({ code: await code(), codeVerifier: verifier });
    expect(first).toMatchObject({ created: true, credential: { platform: 'yandex_disk', accountName: account.login, needsReauth: false } });
    const id = first.credential.id;
    await publishing.app.get(DataSource).query(`UPDATE platform_credentials SET needs_reauth = true WHERE id = $1`, [id]);
    const again = await connect({ code: await code(), codeVerifier: verifier });
    expect(again).toMatchObject({ created: false, credential: { id, needsReauth: false } });
    // A code Yandex does not take (here: the wrong PKCE verifier).
    await expect(connect({ code: await code(), codeVerifier: 'not-the-verifier' })).rejects.toMatchObject({ code: 'OAUTH.EXCHANGE_FAILED', status: 422 });
  });

  async function retract(recordingId: string, targetId: string): Promise<OutputTarget> {
    const reply = await bus.request(MESSAGE_TYPES.publishing.RetractTarget, { userId, recordingId, targetId }, { tenant: userId });
    expect(reply.target).toMatchObject({ id: targetId, status: 'RETRACTING' });
    return eventually(async () => {
      const page = await bus.request(MESSAGE_TYPES.publishing.ListOutputTargets, { userId, recordingId }, { tenant: userId });
      const target = (page.targets ?? []).find((t) => t.id === targetId);
      expect(['RETRACTED', 'PUBLISHED']).toContain(target?.status);
      return target!;
    }, { timeoutMs: 60_000 });
  }

  it('retracts an upload: the public link is removed, the video and its sidecars leave the disk, and the target is RETRACTED with an event', async () => {
    const granted = disk.grant();
    const presetId = await preset(await credential(granted), {
      folderPathTemplate: '/Retract/{{ display_name }}',
      publish: true,
      sidecars: { subtitlesSrt: {}, descriptionTxt: {}, transcription: { folderPathTemplate: '/Retract/Texts' } },
    });
    const recordingId = randomUUID();
    const srtKey = storageKeys.subtitles(userId, recordingId, 'srt');
    const srt = await store.put(srtKey, '1\n00:00:00,000 --> 00:00:01,000\nHi\n', { contentType: 'application/x-subrip' });
    const objects = [
      ...(await video(recordingId, bytes(3000, 19))),
      { key: srtKey, sizeBytes: String(srt.sizeBytes), checksumSha256: srt.checksumSha256, contentType: 'application/x-subrip', kind: ObjectKind.SUBTITLES_SRT },
    ];
    const targetId = await upload(recordingId, presetId, objects, { title: 'Optics' });
    const published = await settled(recordingId, targetId);
    expect(published).toMatchObject({ status: 'PUBLISHED', externalId: 'disk:/Retract/Optics/Optics.mp4' });
    const paths = ['/Retract/Optics/Optics.mp4', '/Retract/Optics/Optics.srt', '/Retract/Optics/Optics.description.txt'];
    for (const path of paths) expect(disk.file(granted.account, path)).toBeDefined();
    const publicUrl = disk.file(granted.account, paths[0]!)!.publicUrl;
    expect(published.resultUrl).toBe(publicUrl);
    // The recording has no transcript: that sidecar was skipped, and the retract does not look for it.
    expect(disk.file(granted.account, '/Retract/Texts/Optics.transcript.txt')).toBeUndefined();

    // Someone else's file in the same folder stays.
    disk.putFile(granted.account, '/Retract/Optics/notes.txt', Buffer.from('mine'));
    const retracted = await retract(recordingId, targetId);
    expect(retracted).toMatchObject({ status: 'RETRACTED', retractedAt: expect.any(String) });
    expect(retracted.errorCode).toBeUndefined();
    for (const path of paths) expect(disk.file(granted.account, path)).toBeUndefined();
    expect(disk.file(granted.account, '/Retract/Optics/notes.txt')).toBeDefined();
    await eventually(() =>
      expect(retractions.filter((e) => e.targetId === targetId)).toEqual([
        expect.objectContaining({ recordingId, userId, platform: Platform.YANDEX_DISK, externalId: 'disk:/Retract/Optics/Optics.mp4', retractedAt: retracted.retractedAt }),
      ]),
    );

    // Retracted once: a second retract is refused.
    await expect(bus.request(MESSAGE_TYPES.publishing.RetractTarget, { userId, recordingId, targetId }, { tenant: userId })).rejects.toMatchObject({ code: 'TARGET.NOT_RETRACTABLE' });
  });

  it('a retract whose files are already gone still ends RETRACTED; a revoked account leaves the target PUBLISHED with the error', async () => {
    const granted = disk.grant();
    const presetId = await preset(await credential(granted), { folderPathTemplate: '/Gone', sidecars: { descriptionTxt: {} } });
    const recordingId = randomUUID();
    const targetId = await upload(recordingId, presetId, await video(recordingId, bytes(500, 23)), { title: 'Waves' });
    expect(await settled(recordingId, targetId)).toMatchObject({ status: 'PUBLISHED', location: 'disk:/Gone/Waves.mp4' });
    expect(disk.file(granted.account, '/Gone/Waves.description.txt')).toBeDefined();
    disk.move(granted.account, '/Gone/Waves.mp4', '/Elsewhere.mp4');
    expect(await retract(recordingId, targetId)).toMatchObject({ status: 'RETRACTED' });
    expect(disk.file(granted.account, '/Gone/Waves.description.txt')).toBeUndefined();
    expect(disk.file(granted.account, '/Elsewhere.mp4')).toBeDefined();

    const revoked = disk.grant();
    const revokedPreset = await preset(await credential(revoked), { folderPathTemplate: '/Kept' });
    const other = randomUUID();
    const keptTarget = await upload(other, revokedPreset, await video(other, bytes(400, 29)), { title: 'Kept' });
    expect(await settled(other, keptTarget)).toMatchObject({ status: 'PUBLISHED' });
    disk.expire(revoked.accessToken);
    disk.revoke(revoked.refreshToken);
    const refused = await retract(other, keptTarget);
    expect(refused).toMatchObject({ status: 'PUBLISHED', errorCode: 'PUBLISHING.CREDENTIAL_REVOKED' });
    expect(refused.retractedAt).toBeUndefined();
    expect(disk.file(revoked.account, '/Kept/Kept.mp4')).toBeDefined();
  });

  it('waits out a 429 by its Retry-After and then uploads', async () => {
    const granted = disk.grant();
    const presetId = await preset(await credential(granted), { folderPathTemplate: '/Busy' });
    const recordingId = randomUUID();
    disk.failNext(2, 429, 'TooManyRequestsError', 1);
    const target = await settled(recordingId, await upload(recordingId, presetId, await video(recordingId, bytes(100, 1)), { title: 'Busy day' }));
    expect(target).toMatchObject({ status: 'PUBLISHED', attempts: 1, location: 'disk:/Busy/Busy day.mp4' });
  });
});
