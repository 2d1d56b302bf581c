import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { MESSAGE_TYPES, ObjectKind } from '@leap/contracts';
import { MessageBus, newMessageId, type UntypedMessages } from '@leap/messaging';
import { OBJECT_STORE, type RunningService } from '@leap/platform';
import { storageKeys, type ObjectStore } from '@leap/storage-client';
import { createServiceWorld, type ServiceWorld } from '@leap/service-testing';
import { eventually, startFakeAssemblyAi, startFakeS3, type FakeAssemblyAi, type FakeRecogniser, type FakeS3 } from '@leap/testing';
import { transcriptionService } from '@leap/transcription-service';

const BUCKET = 'leap';
const USER = '0192f0c8-0000-7000-8000-0000000000a1';

const recognise: FakeRecogniser = async (audio) => ({
  words: [{ text: `heard-${audio.bytes}-bytes`, start: 0.2, end: 0.9 }],
  durationSeconds: 3,
  language: 'en',
});

/**
 * AssemblyAI by signed media URL: with the S3 backend and ASSEMBLYAI_MEDIA_URL, the transcription
 * service submits a presigned URL of the recording's media as `audio_url`, uploads nothing, and
 * the (fake) API fetches the media from the (fake) S3 itself, which checks the signature.
 */
describe('AssemblyAI fetching the media by a signed URL', () => {
  let world: ServiceWorld;
  let s3: FakeS3;
  let assembly: FakeAssemblyAi;
  let transcription: RunningService;
  let store: ObjectStore;
  let audioFile: string;

  beforeAll(async () => {
    s3 = await startFakeS3({ buckets: [BUCKET] });
    assembly = await startFakeAssemblyAi({ recognise });
    world = await createServiceWorld('assemblyai_media_url');
    audioFile = join(await world.tempDir('media-url'), 'lecture.mp3');
    execFileSync('ffmpeg', ['-v', 'error', '-y', '-f', 'lavfi', '-i', 'sine=frequency=440:duration=3', '-ac', '1', '-ar', '16000', audioFile]);
    transcription = await world.start(transcriptionService, {
      env: {
        // No quota service in this world: the monthly transcriptions gate has its own spec.
        TRANSCRIPTION_QUOTA_CHECK: 'false',
        STORAGE_BACKEND: 's3',
        S3_BUCKET: BUCKET,
        S3_REGION: s3.region,
        S3_ENDPOINT: s3.endpoint,
        S3_ACCESS_KEY_ID: s3.accessKeyId,
        S3_SECRET_ACCESS_KEY: s3.secretAccessKey,
        S3_FORCE_PATH_STYLE: 'true',
        TRANSCRIPTION_PROVIDERS: 'assemblyai',
        ASSEMBLYAI_BASE_URL: assembly.url,
        ASSEMBLYAI_API_KEY: assembly.apiKey,
        ASSEMBLYAI_POLL_INTERVAL: '20ms',
        ASSEMBLYAI_MEDIA_URL: 'true',
      },
    });
    store = transcription.app.get<ObjectStore>(OBJECT_STORE);
  }, 300_000);

  afterAll(async () => {
    await world?.close();
    await assembly?.close();
    await s3?.close();
  });

  it('submits the media’s presigned URL as audio_url, and the API reads the media from the store', async () => {
    const recordingId = newMessageId();
    const key = storageKeys.audio(USER, recordingId);
    const stored = await store.putFile(key, audioFile, { contentType: 'audio/mpeg' });
    const readsBefore = s3.operations.GetObject ?? 0;
    const bus = transcription.app.get(MessageBus) as MessageBus<UntypedMessages>;
    const db = transcription.app.get(DataSource);
    const media = { key, sizeBytes: String(stored.sizeBytes), checksumSha256: stored.checksumSha256, contentType: 'audio/mpeg', kind: ObjectKind.AUDIO };
    await db.transaction((m) => bus.send(m, MESSAGE_TYPES.transcription.TranscribeRecording, { recordingId, userId: USER, media, language: 'en' }, { subject: recordingId, tenant: USER }));
    await eventually(
      async () => expect(await db.query(`SELECT state FROM jobs WHERE subject = $1`, [recordingId])).toEqual([{ state: 'completed' }]),
      { timeoutMs: 60_000, intervalMs: 200 },
    );

    // One fetch by the API, of a signed URL of exactly that object; nothing uploaded to /v2/upload.
    expect(assembly.fetched).toHaveLength(1);
    const fetched = new URL(assembly.fetched[0]!);
    expect(fetched.origin).toBe(new URL(s3.endpoint).origin);
    expect(decodeURIComponent(fetched.pathname)).toContain(key);
    expect(fetched.searchParams.get('X-Amz-Signature')).toMatch(/^[0-9a-f]{64}$/);
    expect(assembly.received).toEqual([expect.objectContaining({ bytes: stored.sizeBytes, outcome: 'transcribed', params: expect.objectContaining({ audio_url: assembly.fetched[0] }) })]);
    expect((s3.operations.GetObject ?? 0) - readsBefore).toBeGreaterThanOrEqual(1);

    // The transcript is what the API heard in the stored media.
    const master = JSON.parse((await store.getBuffer(storageKeys.masterTranscript(USER, recordingId))).toString('utf8')) as { provider: string; words: Array<{ text: string }> };
    expect(master.provider).toBe('assemblyai');
    expect(master.words.map((w) => w.text)).toEqual([`heard-${stored.sizeBytes}-bytes`]);
  }, 300_000);
});
