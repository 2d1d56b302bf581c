import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createPlatformDatabase,
  createTestVhost,
  eventually,
  freePort,
  generateLecture,
  startFakeAssemblyAi,
  startFakeZoom,
  startMailCatcher,
  type FakeAssemblyAi,
  type FakeRecogniser,
  type FakeZoom,
  type FakeZoomMeeting,
  type MailCatcher,
  type RunningProcess,
  type TestDatabase,
  type TestVhost,
} from '@leap/testing';
import { SERVICES, signUp, startServiceProcess, waitUntilReady, type ApiClient } from './support';

const MB = 1024 * 1024;
const DAY = 86_400_000;

/** An ISO BMFF `free` box of `size` bytes: players and ffprobe skip it (it takes a lecture past Zoom's blank rule). */
function freeBox(size: number): Buffer {
  const box = Buffer.alloc(size);
  box.writeUInt32BE(size, 0);
  box.write('free', 4, 'ascii');
  return box;
}

/** What the fake AssemblyAI hears: one word per chunk, no language of its own (it answers the one it was asked for). */
const recognise: FakeRecogniser = async (audio) => ({
  words: [{ text: `heard-${audio.bytes}-bytes`, start: 0.2, end: 0.9 }],
  durationSeconds: 3,
});

/**
 * The templates drive the pipeline, every service its own process: a sync of a Zoom source
 * brings two meetings whose topics match two templates; each recording is bound to its template
 * and runs with its settings: the one with trimming off skips TRIM (the original is transcribed),
 * and each template's language reaches the speech provider (the fake AssemblyAI).
 */
describe('templates drive the pipeline (sync, matching, settings per template, distributed)', () => {
  let db: TestDatabase;
  let vhost: TestVhost;
  let work: string;
  let mail: MailCatcher;
  let zoom: FakeZoom;
  let assembly: FakeAssemblyAi;
  let lecture: Buffer;
  const processes = new Map<string, RunningProcess>();
  let api = '';
  let ada: ApiClient;

  const meeting = (uuid: string, topic: string, daysAgo: number): FakeZoomMeeting => ({
    uuid,
    id: Math.floor(Math.random() * 1e9),
    topic,
    hostId: 'host-1',
    startTime: new Date(Date.now() - daysAgo * DAY).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    duration: 60,
    files: [{ id: `${uuid}-screen`, fileType: 'MP4', recordingType: 'shared_screen_with_speaker_view', bytes: lecture }],
  });

  beforeAll(async () => {
    db = await createPlatformDatabase('leap_test_template_pipeline');
    vhost = await createTestVhost('leap_test_template_pipeline');
    work = await mkdtemp(join(tmpdir(), 'leap-template-pipeline-'));
    mail = await startMailCatcher();
    zoom = await startFakeZoom();
    assembly = await startFakeAssemblyAi({ recognise });
    const generated = await generateLecture({ dir: work, durationSeconds: 30, leadingSilenceSeconds: 8, trailingSilenceSeconds: 8, middleSilenceSeconds: 2 });
    const bytes = await readFile(generated.path);
    lecture = Buffer.concat([bytes, freeBox(26 * MB - bytes.length)]);
    const common = {
      DATABASE_URL: db.url,
      RABBITMQ_URL: vhost.url,
      JWT_SECRET: 'template-pipeline-test-secret-that-is-long-enough',
      STORAGE_BACKEND: 'local',
      STORAGE_LOCAL_ROOT: join(work, 'storage'),
      EXPORT_ROOT: join(work, 'exports'),
      MESSAGING_RETRY_TIERS: '1s,2s',
      CREDENTIALS_TRANSIT_KEYRING: `t1:${'3'.repeat(64)}`,
    };
    await Promise.all(
      SERVICES.map(async (name) => {
        const port = await freePort();
        const env: Record<string, string> = { ...common, PORT: String(port) };
        if (name === 'gateway') {
          api = `http://127.0.0.1:${port}/api/v1`;
          Object.assign(env, { SMTP_URL: mail.url, PUBLIC_BASE_URL: `http://127.0.0.1:${port}` });
        }
        if (name === 'ingest') {
          Object.assign(env, {
            CREDENTIALS_KEYRING: `k1:${'4'.repeat(64)}`,
            ZOOM_API_BASE_URL: zoom.apiBaseUrl,
            ZOOM_OAUTH_BASE_URL: zoom.oauthBaseUrl,
            OUTBOUND_ALLOWED_HOSTS: '127.0.0.1',
            INGEST_DOWNLOAD_DIR: join(work, 'downloads'),
          });
        }
        if (name === 'transcription') {
          Object.assign(env, {
            TRANSCRIPTION_PROVIDERS: 'assemblyai',
            ASSEMBLYAI_BASE_URL: assembly.url,
            ASSEMBLYAI_API_KEY: assembly.apiKey,
            ASSEMBLYAI_POLL_INTERVAL: '20ms',
          });
        }
        processes.set(name, await startServiceProcess(name, env));
      }),
    );
    ada = await signUp(api, 'ada@example.org', mail);
  }, 240_000);

  afterAll(async () => {
    await Promise.all([...processes.values()].map((p) => p.stop('SIGTERM', 15_000).catch(() => undefined)));
    await vhost?.drop().catch(() => undefined);
    await db?.drop().catch(() => undefined);
    await mail?.close();
    await zoom?.close();
    await assembly?.close();
    if (work) await rm(work, { recursive: true, force: true });
  });

  const post = (path: string, body: unknown) => ada.json(path, { method: 'POST', body: JSON.stringify(body) });
  const recordingTitled = async (title: string): Promise<{ id: string; title: string }> =>
    eventually(async () => {
      const found = ((await ada.json('/recordings?pageSize=100')).body.items as { id: string; title: string }[]).filter((r) => r.title === title);
      expect(found).toHaveLength(1);
      return found[0];
    });

  it('binds each synced recording to its template and runs it with that template: trimming off skips TRIM, the language reaches the provider', async () => {
    const english = await post('/templates', {
      name: 'English seminars, untrimmed',
      matchingRules: { keywords: ['english seminar'] },
      processingConfig: { trimming: { enableTrimming: false }, transcription: { language: 'en' } },
    });
    expect(english.status).toBe(201);
    const german = await post('/templates', {
      name: 'German lectures',
      matchingRules: { keywords: ['vorlesung'] },
      processingConfig: { transcription: { language: 'de' } },
    });
    expect(german.status).toBe(201);

    const credential = await post('/credentials', {
      platform: 'zoom',
      accountName: 'school',
      credentials: { accountId: zoom.accountId, clientId: zoom.clientId, clientSecret: zoom.clientSecret },
    });
    expect(credential.status).toBe(201);
    const source = await post('/sources', { name: 'School Zoom', platform: 'ZOOM', credentialId: credential.body.id, config: { autoRun: true } });
    expect(source.status).toBe(201);
    zoom.addMeeting('me', meeting('english-uuid==', 'English seminar: streams', 2));
    zoom.addMeeting('me', meeting('german-uuid==', 'Vorlesung Analysis', 1));

    const started = await post(`/sources/${source.body.id}/sync`, { fromDate: new Date(Date.now() - 10 * DAY).toISOString().slice(0, 10) });
    expect(started.status).toBe(202);
    const synced = await eventually(
      async () => {
        const found = await ada.json(`/sources/syncs/${started.body.id}`);
        expect(['SUCCEEDED', 'FAILED']).toContain(found.body.status);
        return found.body;
      },
      { timeoutMs: 120_000 },
    );
    expect(synced).toMatchObject({ status: 'SUCCEEDED', found: 2, created: 2 });

    const untrimmed = await recordingTitled('English seminar: streams');
    const trimmed = await recordingTitled('Vorlesung Analysis');
    // Matching bound each recording to its template.
    for (const [recording, template] of [[untrimmed, english.body], [trimmed, german.body]] as const) {
      const config = await ada.json(`/recordings/${recording.id}/config`);
      expect(config.status).toBe(200);
      expect(config.body.layers).toEqual(expect.arrayContaining([expect.objectContaining({ name: 'bound_template', templateId: template.id })]));
    }

    const [english_, german_] = await Promise.all([waitUntilReady(ada, untrimmed.id, 360_000), waitUntilReady(ada, trimmed.id, 360_000)]);
    const stage = (recording: { stages: { stage: string; status: string }[] }, name: string) => recording.stages.find((s) => s.stage === name)?.status;
    expect(stage(english_, 'TRIM')).toBe('SKIPPED');
    expect(stage(english_, 'TRANSCRIBE')).toBe('COMPLETED');
    expect(stage(german_, 'TRIM')).toBe('COMPLETED');
    expect(stage(german_, 'TRANSCRIBE')).toBe('COMPLETED');

    // Each template's language went to the provider with its recording's audio, and came back in its transcript.
    expect(new Set(assembly.received.map((r) => r.params.language_code))).toEqual(new Set(['en', 'de']));
    for (const [recording, language] of [[untrimmed, 'en'], [trimmed, 'de']] as const) {
      const transcript = await ada.json(`/recordings/${recording.id}/transcript.json`);
      expect(transcript.status).toBe(200);
      expect(transcript.body.language).toBe(language);
    }
  }, 600_000);
});
