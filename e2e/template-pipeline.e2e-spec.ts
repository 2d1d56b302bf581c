import { readFile } from 'node:fs/promises';
import { eventually, generateLecture, startFakeAssemblyAi, startFakeZoom, type FakeAssemblyAi, type FakeRecogniser, type FakeZoom, type FakeZoomMeeting } from '@leap/testing';
import { freeBox, signUp, startDistributedPlatform, waitUntilReady, type ApiClient, type DistributedPlatform } from './support';

const MB = 1024 * 1024;
const DAY = 86_400_000;

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
  let platform: DistributedPlatform;
  let zoom: FakeZoom;
  let assembly: FakeAssemblyAi;
  let lecture: Buffer;
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
    zoom = await startFakeZoom();
    assembly = await startFakeAssemblyAi({ recognise });
    platform = await startDistributedPlatform('template_pipeline', {
      env: () => ({
        ingest: { ZOOM_API_BASE_URL: zoom.apiBaseUrl, ZOOM_OAUTH_BASE_URL: zoom.oauthBaseUrl, OUTBOUND_ALLOWED_HOSTS: '127.0.0.1' },
        transcription: { TRANSCRIPTION_PROVIDERS: 'assemblyai', ASSEMBLYAI_BASE_URL: assembly.url, ASSEMBLYAI_API_KEY: assembly.apiKey, ASSEMBLYAI_POLL_INTERVAL: '20ms' },
      }),
    });
    const generated = await generateLecture({ dir: platform.work, durationSeconds: 30, leadingSilenceSeconds: 8, trailingSilenceSeconds: 8, middleSilenceSeconds: 2 });
    const bytes = await readFile(generated.path);
    lecture = Buffer.concat([bytes, freeBox(26 * MB - bytes.length)]);
    ada = await signUp(platform.api, 'ada@example.org', platform.mail);
  }, 240_000);

  afterAll(async () => {
    await platform?.close();
    await zoom?.close();
    await assembly?.close();
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
