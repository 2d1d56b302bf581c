import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  eventually,
  generateLecture,
  startFakeAssemblyAi,
  startFakeChat,
  startFakeOpenAiTranscription,
  type FakeAssemblyAi,
  type FakeChat,
  type FakeChatRequest,
  type FakeOpenAiTranscription,
  type FakeRecogniser,
} from '@leap/testing';
import { signUp, startDistributedPlatform, waitUntilReady, type ApiClient, type DistributedPlatform } from './support';

const SERVER_CHAT_KEY = 'sk-server-chat-0123456789';
const TENANT_CHAT_KEY = 'sk-tenant-chat-9876543210';

/** The OpenAI-compatible fake hears a recogniser stuck on silence: an invented phrase, looped. */
const hallucinating: FakeRecogniser = async () => ({
  words: [
    { text: 'Graphs', start: 0.2, end: 0.6 },
    { text: 'today.', start: 0.7, end: 1.1 },
    ...Array.from({ length: 24 }, (_, i) => ({ text: ['Thank', 'you', 'for', 'watching.'][i % 4]!, start: 2 + i * 0.4, end: 2.3 + i * 0.4 })),
  ],
  durationSeconds: 12,
  language: 'en',
});

/** AssemblyAI hears a clean lecture. */
const clean: FakeRecogniser = async () => ({
  words: [
    { text: 'Graphs', start: 0.2, end: 0.6 },
    { text: 'have', start: 0.7, end: 0.9 },
    { text: 'vertices', start: 1.0, end: 1.5 },
    { text: 'and', start: 1.6, end: 1.7 },
    { text: 'edges.', start: 1.8, end: 2.3 },
    { text: 'Trees', start: 3.4, end: 3.8 },
    { text: 'are', start: 3.9, end: 4.0 },
    { text: 'graphs.', start: 4.1, end: 4.6 },
  ],
  durationSeconds: 6,
  language: 'en',
});

/** A chat model that does what it is asked: topics JSON, or the cues translated (the language code in front of each text). */
function obedient(request: FakeChatRequest): string {
  const system = request.messages[0]!.content;
  const translation = /translate subtitles into the language with code "([^"]+)"/.exec(system);
  if (translation) {
    const { cues } = JSON.parse(request.messages[1]!.content) as { cues: Array<{ id: number; text: string }> };
    return JSON.stringify({ cues: cues.map((c) => ({ id: c.id, text: `[${translation[1]}] ${c.text}` })) });
  }
  // Topics: as many as the prompt allows at most, evenly spread, and the questions it asks for.
  const prompt = request.messages[1]!.content;
  const max = Number(/between \d+ and (\d+) topics/.exec(prompt)?.[1] ?? 1);
  const questions = Number(/exactly (\d+) self-check/.exec(prompt)?.[1] ?? 3);
  const seconds = (/The lecture lasts (\d+):(\d+):(\d+)/.exec(prompt) ?? ['', '0', '0', '10']).slice(1).reduce((sum, v, i) => sum + Number(v) * [3600, 60, 1][i]!, 0);
  const at = (s: number) => new Date(Math.floor(s) * 1000).toISOString().slice(11, 19);
  return JSON.stringify({
    summary: 'A lecture on graphs.',
    main_topics: ['Graphs'],
    topics: Array.from({ length: max }, (_, i) => ({ start: at((i * seconds) / max), title: `Topic ${i + 1}` })),
    questions: Array.from({ length: questions }, (_, i) => `Question ${i + 1}?`),
  });
}

/** SRT cue timings, in order. */
const timings = (srt: string) => [...srt.matchAll(/^(\d\d:\d\d:\d\d,\d{3}) --> (\d\d:\d\d:\d\d,\d{3})$/gm)].map((m) => `${m[1]} --> ${m[2]}`);

/**
 * The transcription settings of a template drive its recordings, every service its own process:
 * a template set to fail stops a recording with planted hallucinations at TRANSCRIBE, with its
 * code and before anything is published; set to flag, it goes on with the flags stored; a
 * template's providers are asked in its order (counted at the fakes); its target languages
 * become translated subtitles, downloadable, with the cue timings kept; a tenant's own chat
 * model key is used instead of the server's.
 */
describe('template transcription settings (quality policy, providers, translations, tenant chat model; distributed)', () => {
  let platform: DistributedPlatform;
  let work: string;
  let openai: FakeOpenAiTranscription;
  let assembly: FakeAssemblyAi;
  let serverChat: FakeChat;
  let tenantChat: FakeChat;
  let lecture: string;
  let ada: ApiClient;

  beforeAll(async () => {
    openai = await startFakeOpenAiTranscription({ recognise: hallucinating });
    assembly = await startFakeAssemblyAi({ recognise: clean });
    serverChat = await startFakeChat({ apiKey: SERVER_CHAT_KEY, respond: obedient });
    tenantChat = await startFakeChat({ apiKey: TENANT_CHAT_KEY, respond: obedient });
    platform = await startDistributedPlatform('template_transcription', {
      env: () => ({
        transcription: {
          TRANSCRIPTION_PROVIDERS: 'openai',
          OPENAI_TRANSCRIPTION_BASE_URL: openai.url,
          OPENAI_TRANSCRIPTION_API_KEY: openai.apiKey,
          ASSEMBLYAI_BASE_URL: assembly.url,
          ASSEMBLYAI_API_KEY: assembly.apiKey,
          ASSEMBLYAI_POLL_INTERVAL: '20ms',
          LLM_BASE_URL: serverChat.url,
          LLM_API_KEY: SERVER_CHAT_KEY,
          LLM_MODEL: 'server-model',
          TRANSCRIPTION_CREDENTIALS_KEYRING: `r1:${'5'.repeat(64)}`,
          OUTBOUND_ALLOWED_HOSTS: '127.0.0.1',
        },
      }),
    });
    work = platform.work;
    lecture = (await generateLecture({ dir: work, durationSeconds: 20, leadingSilenceSeconds: 3, trailingSilenceSeconds: 3, middleSilenceSeconds: 2 })).path;
    ada = await signUp(platform.api, 'ada@example.org', platform.mail);
  }, 240_000);

  afterAll(async () => {
    await platform?.close();
    await openai?.close();
    await assembly?.close();
    await serverChat?.close();
    await tenantChat?.close();
  });

  const post = (path: string, body: unknown) => ada.json(path, { method: 'POST', body: JSON.stringify(body) });
  const template = async (name: string, keyword: string, transcription: Record<string, unknown>, more: Record<string, unknown> = {}) => {
    const created = await post('/templates', { name, matchingRules: { keywords: [keyword] }, processingConfig: { transcription }, ...more });
    expect(created.status).toBe(201);
    return created.body as { id: string };
  };
  const upload = async (title: string): Promise<string> => {
    const sent = await ada.upload(lecture, title);
    expect(sent.status).toBe(202);
    return sent.body.id as string;
  };
  const stage = (recording: { stages: Array<{ stage: string; status: string; error: unknown }> }, name: string) => recording.stages.find((s) => s.stage === name);
  const exported = async (id: string) => (await readdir(join(work, 'exports'), { recursive: true }).catch(() => [] as string[])).map(String).filter((f) => f.includes(id));

  it('refuses transcription settings it does not know, naming each field (422)', async () => {
    const refused = await post('/templates', {
      name: 'Odd settings',
      processingConfig: { transcription: { qualityPolicy: 'strict', providers: ['openai', 'deepgram'], translateTo: ['German'] } },
    });
    expect(refused.status).toBe(422);
    expect(refused.body.code).toBe('TEMPLATE.INVALID');
    for (const field of ['processingConfig.transcription.qualityPolicy', 'processingConfig.transcription.providers.1', 'processingConfig.transcription.translateTo.0']) {
      expect(refused.body.detail).toContain(field);
    }
    const repeated = await post('/templates', { name: 'Twice', processingConfig: { transcription: { providers: ['openai', 'openai'] } } });
    expect(repeated.status).toBe(422);
    expect(repeated.body.detail).toContain('processingConfig.transcription.providers: must not name the same entry twice');
    expect(((await ada.json('/templates?pageSize=100')).body.items as Array<{ name: string }>).map((t) => t.name)).not.toContain('Odd settings');
  }, 60_000);

  it('stops a recording whose transcript fails its checks at TRANSCRIBE, with the code and nothing published, when its template says fail', async () => {
    await template('Strict seminars', 'strict', { qualityPolicy: 'fail', providers: ['openai'] });
    const id = await upload('Strict seminar: paths');
    const failed = await eventually(
      async () => {
        const r = await ada.json(`/recordings/${id}`);
        expect(r.body.failed).toBe(true);
        return r.body;
      },
      { timeoutMs: 240_000, intervalMs: 500 },
    );
    expect(failed.failedStage).toBe('TRANSCRIBE');
    expect(stage(failed, 'TRANSCRIBE')).toMatchObject({ status: 'FAILED', error: { code: 'TRANSCRIPTION.QUALITY_FAILED', retryable: false } });
    expect((stage(failed, 'TRANSCRIBE')!.error as { message: string }).message).toMatch(/quality checks/);
    for (const later of ['EXTRACT_TOPICS', 'GENERATE_SUBTITLES', 'UPLOAD']) expect(stage(failed, later)?.status).not.toBe('COMPLETED');
    expect(await exported(id)).toEqual([]);
    // Only the template's provider was asked, once: a quality failure is not retried.
    expect(openai.transcribed()).toHaveLength(1);
    expect(assembly.received).toHaveLength(0);
  }, 300_000);

  it('lets it through with the flags stored when its template says flag', async () => {
    await template('Lenient seminars', 'lenient', { qualityPolicy: 'flag', providers: ['openai'] });
    const id = await upload('Lenient seminar: cycles');
    const ready = await waitUntilReady(ada, id, 240_000);
    expect(stage(ready, 'TRANSCRIBE')?.status).toBe('COMPLETED');
    expect(stage(ready, 'UPLOAD')?.status).toBe('COMPLETED');
    const transcript = await ada.json(`/recordings/${id}/files/transcript_json`);
    expect(transcript.body.provider).toBe('openai');
    expect(transcript.body.quality.suspect).toBe(true);
    expect(transcript.body.quality.flags.map((f: { code: string }) => f.code)).toEqual(expect.arrayContaining(['LOOP']));
    expect((await exported(id)).length).toBeGreaterThan(0);
  }, 300_000);

  it('asks the template’s providers in its order, translates into its languages with the tenant’s own chat model, keeping every cue’s timing, and exports them with the template’s metadata', async () => {
    const key = await ada.json('/transcription/credentials/llm', {
      method: 'PUT',
      body: JSON.stringify({ apiKey: TENANT_CHAT_KEY, baseUrl: tenantChat.url, model: 'tenant-model' }),
    });
    expect(key.status).toBe(201);
    expect(key.body).toMatchObject({ provider: 'llm', model: 'tenant-model', baseUrl: tenantChat.url, keyHint: expect.not.stringContaining(TENANT_CHAT_KEY) });
    const serverAsked = serverChat.requests.length;
    const openaiAsked = openai.received.length;

    await template('Translated lectures', 'translated', { providers: ['assemblyai', 'openai'], translateTo: ['de', 'fr'] }, {
      metadataConfig: { titleTemplate: 'Course: {{ display_name }}', common: { descriptionTemplate: 'Lecture {{ title }}' } },
    });
    const id = await upload('Translated lecture: trees');
    const ready = await waitUntilReady(ada, id, 240_000);
    expect(stage(ready, 'GENERATE_SUBTITLES')?.status).toBe('COMPLETED');

    // AssemblyAI first, as the template says, although the server's order names only the OpenAI-compatible provider.
    expect(assembly.transcribed()).toHaveLength(1);
    expect(openai.received).toHaveLength(openaiAsked);
    expect((await ada.json(`/recordings/${id}/files/transcript_json`)).body.provider).toBe('assemblyai');

    const original = await ada.get(`/recordings/${id}/files/srt`);
    expect(original.status).toBe(200);
    const originalSrt = await original.text();
    expect(timings(originalSrt).length).toBeGreaterThan(0);
    for (const language of ['de', 'fr']) {
      const srt = await ada.get(`/recordings/${id}/files/srt?language=${language}`);
      expect(srt.status).toBe(200);
      expect(srt.headers.get('content-disposition')).toContain(`.${language}.srt`);
      const text = await srt.text();
      expect(text).toContain(`[${language}] Graphs`);
      expect(timings(text)).toEqual(timings(originalSrt));
      const vtt = await ada.get(`/recordings/${id}/files/vtt?language=${language}`);
      expect(vtt.status).toBe(200);
      expect(await vtt.text()).toMatch(/^WEBVTT/);
    }
    // The recording lists each translation among its artifacts and links.
    expect(ready.artifacts.map((a: { name: string }) => a.name)).toEqual(expect.arrayContaining(['subtitlesSrt.de', 'subtitlesVtt.de', 'subtitlesSrt.fr', 'subtitlesVtt.fr']));
    expect(ready.links['subtitles.de.srt']).toBe(`/api/v1/recordings/${id}/files/srt?language=de`);
    expect(ready.links['subtitles.fr.vtt']).toBe(`/api/v1/recordings/${id}/files/vtt?language=fr`);
    expect((await ada.get(`/recordings/${id}/files/srt?language=es`)).status).toBe(404);
    expect((await ada.get(`/recordings/${id}/files/transcript_json?language=de`)).status).toBe(400);

    // Topics and translations went to the tenant's chat API with the tenant's key and model; the server's saw none of them.
    expect(serverChat.requests).toHaveLength(serverAsked);
    const translations = tenantChat.requests.filter((r) => /translate subtitles/.test(r.messages[0]!.content));
    expect(translations.map((r) => /code "([^"]+)"/.exec(r.messages[0]!.content)![1]).sort()).toEqual(['de', 'fr']);
    expect(tenantChat.requests.every((r) => r.model === 'tenant-model')).toBe(true);
    expect(tenantChat.requests.length).toBeGreaterThan(translations.length);
    const topics = await ada.json(`/recordings/${id}/topics`);
    expect(topics.status).toBe(200);
    expect(topics.body.versions.map((v: { method: string }) => v.method)).toEqual(['llm']);

    // The local export holds each translation beside the video, and its metadata.json is titled by the template's metadata.
    const files = await exported(id);
    const names = files.map((f) => f.slice(f.lastIndexOf('/') + 1));
    expect(names).toEqual(expect.arrayContaining(['subtitles.srt', 'subtitles.de.srt', 'subtitles.de.vtt', 'subtitles.fr.srt', 'subtitles.fr.vtt']));
    const exportedDe = await readFile(join(work, 'exports', files.find((f) => f.endsWith('subtitles.de.srt'))!), 'utf8');
    expect(exportedDe).toBe(await (await ada.get(`/recordings/${id}/files/srt?language=de`)).text());
    const metadata = JSON.parse(await readFile(join(work, 'exports', files.find((f) => f.endsWith('metadata.json'))!), 'utf8'));
    expect(metadata).toMatchObject({ title: 'Course: Translated lecture: trees', description: 'Lecture Course: Translated lecture: trees' });

    // A local export by hand reads the recording's config as it is now (its preferences renaming it) and sends the translations too.
    const patched = await ada.json(`/recordings/${id}/config`, { method: 'PATCH', body: JSON.stringify({ metadata: { titleTemplate: 'Again: {{ display_name }}' } }) });
    expect(patched.status).toBe(200);
    const byHand = await post(`/recordings/${id}/upload/local`, {});
    expect(byHand.status).toBe(202);
    await eventually(async () => {
      const targets = (await ada.json(`/recordings/${id}/targets`)).body.items as Array<{ id: string; status: string }>;
      expect(targets.find((t) => t.id === byHand.body.id)?.status).toBe('PUBLISHED');
    }, { timeoutMs: 60_000 });
    const again = JSON.parse(await readFile(join(work, 'exports', (await exported(id)).find((f) => f.endsWith('metadata.json'))!), 'utf8'));
    expect(again).toMatchObject({ title: 'Again: Translated lecture: trees', description: 'Lecture Again: Translated lecture: trees' });
    expect((await exported(id)).map((f) => f.slice(f.lastIndexOf('/') + 1))).toEqual(expect.arrayContaining(['subtitles.de.srt', 'subtitles.fr.vtt']));
  }, 300_000);
});
