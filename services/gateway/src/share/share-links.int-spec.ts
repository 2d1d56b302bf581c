import type { DataSource } from 'typeorm';
import { newMessageId } from '@leap/messaging';
import { OBJECT_STORE } from '@leap/platform';
import { createServiceWorld, type ServiceWorld } from '@leap/service-testing';
import { storageKeys, type ObjectStore } from '@leap/storage-client';
import { freePort } from '@leap/testing';
import { expectProblem, gatewayTestEnv, httpClient, startGateway, verifiedUser, type Account } from '../testing';

const VIDEO = Buffer.from(Array.from({ length: 64 * 1024 }, (_v, i) => (i * 13) & 0xff));
const MASTER = { segments: [{ start: 0.5, end: 2, text: 'welcome to the lecture' }], words: [{ text: 'welcome', start: 0.5, end: 1 }] };
const TOPICS = {
  activeVersion: 1,
  versions: [
    {
      version: 1,
      createdAt: '2026-03-01T10:00:00.000Z',
      granularity: 'medium',
      language: 'en',
      summary: 'An introduction.',
      mainTopics: ['Introduction'],
      topics: [{ start: 0, end: 2, title: 'Welcome' }],
      questions: ['What is this lecture about?'],
    },
  ],
};

describe('share links', () => {
  let world: ServiceWorld;
  let db: DataSource;
  let base: string;
  let store: ObjectStore;
  const { call } = httpClient(() => base);
  let alice: Account;
  let bob: Account;
  let recordingId: string;

  /** A READY recording of `owner` with its media, transcript, subtitles and topics stored. */
  async function readyRecording(owner: Account): Promise<string> {
    const id = newMessageId();
    const put = async (key: string, body: Buffer | string, contentType: string) => {
      const o = await store.put(key, Buffer.isBuffer(body) ? body : Buffer.from(body), { contentType });
      return { key: o.key, sizeBytes: o.sizeBytes, contentType, checksumSha256: o.checksumSha256 };
    };
    const artifacts = {
      source: await put(storageKeys.source(owner.id, id, 'mp4'), VIDEO, 'video/mp4'),
      video: await put(storageKeys.video(owner.id, id, 'mp4'), VIDEO.subarray(0, 1000), 'video/mp4'),
      transcript: await put(storageKeys.masterTranscript(owner.id, id), JSON.stringify(MASTER), 'application/json'),
      topics: await put(storageKeys.topics(owner.id, id), JSON.stringify(TOPICS), 'application/json'),
      subtitlesSrt: await put(storageKeys.subtitles(owner.id, id, 'srt'), '1\n00:00:00,500 --> 00:00:02,000\nwelcome to the lecture\n', 'application/x-subrip'),
      subtitlesVtt: await put(storageKeys.subtitles(owner.id, id, 'vtt'), 'WEBVTT\n\n00:00.500 --> 00:02.000\nwelcome to the lecture\n', 'text/vtt'),
    };
    await db.query(`INSERT INTO recordings (id, user_id, title, status, artifacts) VALUES ($1, $2, 'Lecture 1', 'READY', $3::jsonb)`, [id, owner.id, JSON.stringify(artifacts)]);
    return id;
  }

  const share = async (body: unknown, id = recordingId, owner = alice) => {
    const reply = await call('POST', `/api/v1/recordings/${id}/share`, { token: owner.token, json: body });
    expect(reply.status).toBe(201);
    return reply.body as { id: string; token: string; url: string; state: string; include: string[]; expiresAt: string | null };
  };

  beforeAll(async () => {
    const port = await freePort();
    world = await createServiceWorld('gateway_share', gatewayTestEnv({ AUTH_REQUIRE_VERIFIED_EMAIL: 'false', PUBLIC_BASE_URL: `http://127.0.0.1:${port}` }));
    const gateway = await startGateway(world, { port });
    ({ db, base } = gateway);
    store = gateway.app.get(OBJECT_STORE);
    alice = await verifiedUser(gateway.client, db, 'alice@example.org');
    bob = await verifiedUser(gateway.client, db, 'bob@example.org');
    recordingId = await readyRecording(alice);
  }, 300_000);

  afterAll(() => world?.close());

  it('serves the public view, media and files without an account, and stops when revoked', async () => {
    const link = await share({});
    expect(link).toMatchObject({ state: 'ACTIVE', include: ['media', 'transcript', 'subtitles', 'topics'], expiresAt: null });
    expect(link.url).toBe(`${base}/api/v1/share/${link.token}`);

    const view = await call('GET', `/api/v1/share/${link.token}`);
    expect(view.status).toBe(200);
    expect(view.body).toMatchObject({
      title: 'Lecture 1',
      status: 'READY',
      summary: 'An introduction.',
      mainTopics: ['Introduction'],
      questions: ['What is this lecture about?'],
      topics: [{ start: 0, end: 2, title: 'Welcome' }],
    });
    expect(view.body.files.map((f: { type: string }) => f.type)).toEqual(['srt', 'vtt', 'transcript_json', 'transcript_txt', 'transcript_words']);
    expect(view.body.media.map((m: { type: string }) => m.type)).toEqual(['processed', 'original']);
    expect(JSON.stringify(view.body)).not.toContain(alice.id);

    // The media URL plays with Range, no credential needed.
    const media = await call('GET', `/api/v1/share/${link.token}/media?type=original`);
    expect(media.status).toBe(200);
    expect(media.body.expiresIn).toBeLessThanOrEqual(3600);
    const ranged = await fetch(media.body.url, { headers: { range: 'bytes=100-199' } });
    expect(ranged.status).toBe(206);
    expect(Buffer.from(await ranged.arrayBuffer())).toEqual(VIDEO.subarray(100, 200));

    const srt = await call('GET', `/api/v1/share/${link.token}/files/srt`);
    expect(srt.status).toBe(200);
    expect(srt.text).toContain('welcome to the lecture');
    expect(srt.headers.get('content-disposition')).toContain('attachment');
    const words = await call('GET', `/api/v1/share/${link.token}/files/transcript_words`);
    expect(words.text).toBe('[00:00:00.500 - 00:00:01.000] welcome\n');

    const listed = await call('GET', `/api/v1/recordings/${recordingId}/share`, { token: alice.token });
    expect(listed.body.items.map((l: { id: string }) => l.id)).toContain(link.id);

    const revoked = await call('DELETE', `/api/v1/recordings/${recordingId}/share/${link.id}`, { token: alice.token });
    expect(revoked.body).toMatchObject({ id: link.id, state: 'REVOKED', revokedAt: expect.any(String) });
    expectProblem(await call('GET', `/api/v1/share/${link.token}`), 410, 'SHARE.REVOKED');
    expectProblem(await call('GET', `/api/v1/share/${link.token}/media?type=original`), 410, 'SHARE.REVOKED');
    expectProblem(await call('GET', `/api/v1/share/${link.token}/files/srt`), 410, 'SHARE.REVOKED');
  });

  it('shares only what it includes, until it expires', async () => {
    const subtitlesOnly = await share({ include: ['subtitles'], expiresIn: 3600 });
    expect(new Date(subtitlesOnly.expiresAt!).getTime()).toBeGreaterThan(Date.now() + 3500_000);
    const view = (await call('GET', `/api/v1/share/${subtitlesOnly.token}`)).body;
    expect(view).toMatchObject({ include: ['subtitles'], summary: null, questions: null, media: [] });
    expect(view.files.map((f: { type: string }) => f.type)).toEqual(['srt', 'vtt']);
    expectProblem(await call('GET', `/api/v1/share/${subtitlesOnly.token}/files/transcript_json`), 404, 'SHARE.NOT_INCLUDED');
    expectProblem(await call('GET', `/api/v1/share/${subtitlesOnly.token}/media?type=processed`), 404, 'SHARE.NOT_INCLUDED');
    expect((await call('GET', `/api/v1/share/${subtitlesOnly.token}/files/vtt`)).text).toContain('WEBVTT');

    // An hour later (the link's clock moved back an hour and a second) it has expired.
    await db.query(`UPDATE share_links SET expires_at = now() - interval '1 second' WHERE id = $1`, [subtitlesOnly.id]);
    expectProblem(await call('GET', `/api/v1/share/${subtitlesOnly.token}`), 410, 'SHARE.EXPIRED');
    expectProblem(await call('GET', `/api/v1/share/${subtitlesOnly.token}/files/vtt`), 410, 'SHARE.EXPIRED');
    const listed = await call('GET', `/api/v1/recordings/${recordingId}/share`, { token: alice.token });
    expect(listed.body.items.find((l: { id: string }) => l.id === subtitlesOnly.id).state).toBe('EXPIRED');
  });

  it('revokes every link of a recording at once; unknown tokens, other tenants and bad input are refused', async () => {
    const other = await readyRecording(alice);
    const [one, two] = [await share({}, other), await share({ include: ['media'] }, other)];
    expect((await call('DELETE', `/api/v1/recordings/${other}/share`, { token: alice.token })).body).toEqual({ revoked: 2 });
    for (const link of [one, two]) expectProblem(await call('GET', `/api/v1/share/${link.token}`), 410, 'SHARE.REVOKED');

    expectProblem(await call('GET', `/api/v1/share/${'A'.repeat(43)}`), 404, 'SHARE.NOT_FOUND');
    expectProblem(await call('GET', '/api/v1/share/not-a-token'), 404, 'SHARE.NOT_FOUND');
    expectProblem(await call('POST', `/api/v1/recordings/${recordingId}/share`, { token: bob.token, json: {} }), 404, 'RECORDING.NOT_FOUND');
    expectProblem(await call('GET', `/api/v1/recordings/${recordingId}/share`, { token: bob.token }), 404, 'RECORDING.NOT_FOUND');
    expectProblem(await call('DELETE', `/api/v1/recordings/${recordingId}/share/${one.id}`, { token: alice.token }), 404, 'SHARE.NOT_FOUND');
    expectProblem(await call('POST', `/api/v1/recordings/${recordingId}/share`, { token: alice.token, json: { include: ['everything'] } }), 400, 'VALIDATION.FAILED');
    expectProblem(await call('POST', `/api/v1/recordings/${recordingId}/share`, { token: alice.token, json: { expiresIn: 5 } }), 400, 'VALIDATION.FAILED');
    const active = await share({});
    expectProblem(await call('GET', `/api/v1/share/${active.token}/files/pdf`), 400, 'VALIDATION.FAILED');

    // A deleted recording's links stop working.
    await db.query(`UPDATE recordings SET deletion_state = 'DELETED' WHERE id = $1`, [recordingId]);
    expectProblem(await call('GET', `/api/v1/share/${active.token}`), 404, 'SHARE.NOT_FOUND');
    await db.query(`UPDATE recordings SET deletion_state = NULL WHERE id = $1`, [recordingId]);
  });
});
