import { readFile } from 'node:fs/promises';
import { ingestService } from '@leap/ingest-service';
import { mediaProcessingService } from '@leap/media-processing-service';
import { publishingService } from '@leap/publishing-service';
import { quotaService } from '@leap/quota-service';
import { createServiceWorld, type ServiceWorld } from '@leap/service-testing';
import { storageService } from '@leap/storage-service';
import { eventually, generateLecture, startFakeYandexDisk, startFakeYoutube, type FakeYandexDisk, type FakeYoutube } from '@leap/testing';
import { transcriptionService } from '@leap/transcription-service';
import { expectProblem, gatewayTestEnv, httpClient, startGateway, verifiedUser, type Account } from '../services/gateway/src/testing';

/** A display name longer than YouTube's 100-character title limit. */
const LONG_TITLE = `Linear algebra, lecture 7: ${'eigenvalues and eigenvectors of symmetric matrices, '.repeat(3)}`.trim();

/**
 * A recording published to the targets its presets name, through the whole pipeline: every
 * service in this process on the real broker and database, the fake YouTube and Yandex Disk on
 * localhost. Two YouTube targets and a Yandex Disk target publish; a revoked account fails only its
 * own target; retract removes each published item from its platform.
 */
describe('publishing a recording to the targets of its presets', () => {
  let world: ServiceWorld;
  let youtube: FakeYoutube;
  let disk: FakeYandexDisk;
  let base = '';
  const client = httpClient(() => base);
  const { call } = client;
  let alice: Account;
  let lecture: Buffer;

  beforeAll(async () => {
    youtube = await startFakeYoutube();
    disk = await startFakeYandexDisk();
    world = await createServiceWorld('preset_targets', gatewayTestEnv({ AUTH_REQUIRE_VERIFIED_EMAIL: 'false' }));
    const keyrings = { CREDENTIALS_KEYRING: `k1:${'5'.repeat(64)}`, CREDENTIALS_TRANSIT_KEYRING: world.env.CREDENTIALS_TRANSIT_KEYRING! };
    await world.start(quotaService);
    await world.start(storageService);
    await world.start(mediaProcessingService);
    await world.start(transcriptionService);
    await world.start(publishingService, {
      env: {
        ...keyrings,
        EXPORT_ROOT: await world.tempDir('exports'),
        GOOGLE_OAUTH_BASE_URL: youtube.oauthBaseUrl,
        YOUTUBE_API_BASE_URL: youtube.apiBaseUrl,
        YOUTUBE_UPLOAD_BASE_URL: youtube.uploadBaseUrl,
        GOOGLE_CLIENT_ID: youtube.clientId,
        GOOGLE_CLIENT_SECRET: youtube.clientSecret,
        YANDEX_DISK_API_BASE_URL: disk.apiBaseUrl,
        YANDEX_OAUTH_BASE_URL: disk.oauthBaseUrl,
        YANDEX_CLIENT_ID: disk.clientId,
        YANDEX_CLIENT_SECRET: disk.clientSecret,
        OUTBOUND_ALLOWED_HOSTS: '127.0.0.1',
      },
    });
    await world.start(ingestService, { env: keyrings });
    const gateway = await startGateway(world);
    base = gateway.base;
    alice = await verifiedUser(client, gateway.db, 'alice@example.org');
    const generated = await generateLecture({ dir: await world.tempDir('lecture'), durationSeconds: 14, leadingSilenceSeconds: 2, trailingSilenceSeconds: 2 });
    lecture = await readFile(generated.path);
  }, 300_000);

  afterAll(async () => {
    await world?.close();
    await youtube?.close();
    await disk?.close();
  });

  async function credential(platform: 'youtube' | 'yandex_disk', tokens: { accessToken: string; refreshToken: string }): Promise<string> {
    const reply = await call('POST', '/api/v1/credentials', { token: alice.token, json: { platform, accountName: `${platform}-${Math.random()}`, credentials: { accessToken: tokens.accessToken, refreshToken: tokens.refreshToken } } });
    expect({ status: reply.status, detail: reply.body.detail }).toEqual({ status: 201, detail: undefined });
    return reply.body.id;
  }

  async function preset(name: string, platform: 'youtube' | 'yandex_disk', credentialId: string, metadata: Record<string, unknown>): Promise<string> {
    const reply = await call('POST', '/api/v1/presets', { token: alice.token, json: { name, platform, credentialId, metadata } });
    expect({ status: reply.status, detail: reply.body.detail }).toEqual({ status: 201, detail: undefined });
    return reply.body.id;
  }

  async function upload(title: string, presetIds: string[]) {
    const form = new FormData();
    form.append('title', title);
    form.append('presetIds', presetIds.join(','));
    form.append('file', new Blob([lecture]), 'lecture.mp4');
    return call('POST', '/api/v1/recordings', { token: alice.token, form });
  }

  async function settled(id: string, status: string) {
    return eventually(
      async () => {
        const reply = await call('GET', `/api/v1/recordings/${id}`, { token: alice.token });
        expect(reply.body?.status).toBe(status);
        expect(reply.body.stages.every((s: { status: string }) => s.status !== 'IN_PROGRESS' && s.status !== 'PENDING')).toBe(true);
        return reply.body;
      },
      { timeoutMs: 300_000, intervalMs: 500 },
    );
  }

  async function targets(id: string) {
    const reply = await call('GET', `/api/v1/recordings/${id}/targets`, { token: alice.token });
    expect(reply.status).toBe(200);
    return reply.body.items as Array<{ id: string; platform: string; presetId: string | null; status: string; resultUrl: string | null; error: { code: string } | null }>;
  }

  it('publishes to two YouTube channels and Yandex Disk; a revoked account fails only its own target; retract removes every item', async () => {
    const channelA = youtube.grant();
    const channelB = youtube.grant();
    const revoked = youtube.grant();
    const diskAccount = disk.grant();
    const metadata = { titleTemplate: '{{ display_name }}', descriptionTemplate: '{{ display_name }}{% for i in (1..200) %} Eigenvalues of matrices.{% endfor %}', privacy: 'unlisted' };
    const ytA = await preset('Channel A', 'youtube', await credential('youtube', channelA), metadata);
    const ytB = await preset('Channel B', 'youtube', await credential('youtube', channelB), metadata);
    const ytRevoked = await preset('Channel C', 'youtube', await credential('youtube', revoked), metadata);
    const yd = await preset('Archive', 'yandex_disk', await credential('yandex_disk', diskAccount), {
      folderPathTemplate: '/Lectures/{{ recording_id }}',
      filenameTemplate: 'lecture',
      publish: true,
      sidecars: { subtitlesSrt: {}, descriptionTxt: {} },
    });

    // Presets that are not the caller's are refused before anything is created.
    const refused = await upload('Refused', [ytA, '01900000-0000-7000-8000-000000000000']);
    expectProblem(refused, 422, 'RECORDING.PRESET_INVALID');
    expect(refused.body.errors).toEqual([{ field: 'presetIds[1]', message: expect.stringContaining('no preset') }]);
    expect((await call('GET', '/api/v1/recordings', { token: alice.token })).body.items).toEqual([]);

    youtube.revoke(revoked.refreshToken);
    youtube.expire(revoked.accessToken);
    const [all, partly] = await Promise.all([upload(LONG_TITLE, [ytA, ytB, yd]), upload('Second lecture', [ytA, ytRevoked, yd])]);
    expect([all.status, partly.status]).toEqual([202, 202]);

    // Every target of the first recording published: READY.
    const ready = await settled(all.body.id, 'READY');
    expect(ready.failed).toBe(false);
    const published = await targets(all.body.id);
    expect(published.map((t) => [t.platform, t.presetId, t.status]).sort()).toEqual(
      [
        ['local', null, 'PUBLISHED'],
        ['youtube', ytA, 'PUBLISHED'],
        ['youtube', ytB, 'PUBLISHED'],
        ['yandex_disk', yd, 'PUBLISHED'],
      ].sort(),
    );
    const uploads = ready.stages.filter((s: { stage: string }) => s.stage === 'UPLOAD');
    expect(uploads.map((s: { target: string }) => s.target).sort()).toEqual(published.map((t) => t.id).sort());

    // YouTube: a video per channel, the title and description cut to the platform's limits, the captions.
    const videoIds = published.filter((t) => t.platform === 'youtube').map((t) => new URL(t.resultUrl!).searchParams.get('v')!);
    expect(new Set(videoIds).size).toBe(2);
    for (const videoId of videoIds) {
      const video = youtube.videos.get(videoId)!;
      expect(video.bytes.length).toBeGreaterThan(0);
      const title = video.snippet.title as string;
      expect(title).toHaveLength(100);
      expect(title.endsWith('...')).toBe(true);
      expect(LONG_TITLE.startsWith(title.slice(0, 97))).toBe(true);
      expect((video.snippet.description as string).length).toBe(5000);
      expect(video.captions.length).toBe(1);
      expect(video.captions[0]!.body.length).toBeGreaterThan(0);
    }

    // Yandex Disk: the video with its public link, and the sidecars beside it.
    const folder = `/Lectures/${all.body.id}`;
    const diskTarget = published.find((t) => t.platform === 'yandex_disk')!;
    expect(diskTarget.resultUrl).toBe(disk.file(diskAccount.account, `${folder}/lecture.mp4`)!.publicUrl);
    expect(disk.file(diskAccount.account, `${folder}/lecture.srt`)!.bytes.toString('utf8')).toMatch(/-->/);
    expect(disk.file(diskAccount.account, `${folder}/lecture.description.txt`)!.bytes.toString('utf8').startsWith(`${LONG_TITLE.slice(0, 50)}`)).toBe(true);

    // The second recording: the revoked channel's target failed with its code, the others published.
    const flagged = await settled(partly.body.id, 'UPLOADED');
    const second = await targets(partly.body.id);
    const failing = second.find((t) => t.presetId === ytRevoked)!;
    expect(failing).toMatchObject({ status: 'FAILED', error: { code: 'PUBLISHING.CREDENTIAL_REVOKED' } });
    expect(second.filter((t) => t.id !== failing.id).map((t) => t.status)).toEqual(['PUBLISHED', 'PUBLISHED', 'PUBLISHED']);
    expect(flagged).toMatchObject({ failed: true, failedStage: 'UPLOAD', failedTarget: failing.id });
    expect(flagged.stages.find((s: { target?: string }) => s.target === failing.id)).toMatchObject({ status: 'FAILED', error: { code: 'PUBLISHING.CREDENTIAL_REVOKED' } });
    const credentials = (await call('GET', '/api/v1/credentials', { token: alice.token })).body.items as Array<{ id: string; needsReauth: boolean }>;
    expect(credentials.filter((c) => c.needsReauth)).toHaveLength(1);

    // Retract each published item of the first recording: gone from its platform.
    for (const target of published.filter((t) => t.platform !== 'local')) {
      const retracting = await call('DELETE', `/api/v1/recordings/${all.body.id}/targets/${target.id}`, { token: alice.token });
      expect(retracting.status).toBe(202);
    }
    await eventually(
      async () => {
        const after = await targets(all.body.id);
        expect(after.filter((t) => t.platform !== 'local').map((t) => t.status)).toEqual(['RETRACTED', 'RETRACTED', 'RETRACTED']);
      },
      { timeoutMs: 60_000, intervalMs: 300 },
    );
    for (const videoId of videoIds) expect(youtube.videos.get(videoId)?.deleted ?? true).toBe(true);
    for (const name of ['lecture.mp4', 'lecture.srt', 'lecture.description.txt']) expect(disk.file(diskAccount.account, `${folder}/${name}`)).toBeUndefined();
  }, 600_000);
});
