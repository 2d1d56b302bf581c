import { DataSource } from 'typeorm';
import { MessageBus, type UntypedMessages } from '@leap/messaging';
import { OBJECT_STORE } from '@leap/platform';
import { storageKeys, type ObjectStore } from '@leap/storage-client';
import { gatewayService } from '@leap/gateway-service';
import { ingestService } from '@leap/ingest-service';
import { publishingService } from '@leap/publishing-service';
import { quotaService } from '@leap/quota-service';
import { storageService } from '@leap/storage-service';
import { createServiceWorld, type ServiceWorld } from '@leap/service-testing';
import { eventually, freePort } from '@leap/testing';
import { type Account, type Reply } from '@leap/gateway-service/testing';
import { ApiClient, HTTP_WORLD_ENV } from './testing/http-api';

const WAIT = { timeoutMs: 30_000, intervalMs: 100 };
const TRIMMING = 'processing.trimming.enableTrimming';

/**
 * A run's own config and its dry run, and the templates' render preview, with the real services
 * on PostgreSQL and RabbitMQ: the gateway (HTTP), ingest (the run, the config layers), publishing
 * (the renderer), storage and quota. The media and transcription services are not started, so a
 * stage once started stays in progress: a pause brings the recording back to where a run decides.
 */
describe('run overrides, dry run and template render preview', () => {
  let world: ServiceWorld;
  let base: string;
  let ingestDb: DataSource;
  /** Publishes fixtures as another service would (a transcription result). */
  let ingestBus: MessageBus<UntypedMessages>;
  let store: ObjectStore;
  let ada: Account;
  let bob: Account;

  const api = new ApiClient(() => base);
  const call = api.call.bind(api);

  const detail = async (who: Account, id: string) => (await call('GET', `/api/v1/recordings/${id}`, { token: who.token })).body;
  const stageOf = async (who: Account, id: string, stage: string) => (await detail(who, id)).stages.find((s: any) => s.stage === stage)?.status;
  const run = (who: Account, id: string, json?: unknown, query = '') => call('POST', `/api/v1/recordings/${id}/run${query}`, { token: who.token, json });

  const account = (email: string) => api.account(email);

  /** Uploads a small mp4 and answers its id once its first processing stage (`stage`) is in progress. */
  async function upload(who: Account, title: string, stage = 'TRIM'): Promise<string> {
    const id = await api.uploadMp4(who.token, { title });
    await eventually(async () => expect(await stageOf(who, id, stage)).toBe('IN_PROGRESS'), WAIT);
    return id;
  }

  /** An upload paused before its first processing stage finished: where a run (or its dry run) decides. */
  async function paused(who: Account, title: string, stage = 'TRIM'): Promise<string> {
    const id = await upload(who, title, stage);
    expect((await call('POST', `/api/v1/recordings/${id}/pause`, { token: who.token })).status).toBe(200);
    await eventually(async () => expect(await stageOf(who, id, stage)).toBe('PENDING'), WAIT);
    await eventually(async () => expect((await detail(who, id)).status).toBe('DOWNLOADED'), WAIT);
    return id;
  }

  /** Everything ingest holds of a recording: its row, its stage rows and how many messages it has written about it. */
  async function ingestState(id: string) {
    const [recording] = await ingestDb.query(`SELECT * FROM recordings WHERE id = $1`, [id]);
    const stages = await ingestDb.query(`SELECT * FROM recording_stages WHERE recording_id = $1 ORDER BY stage, target`, [id]);
    const [{ n: messages }] = await ingestDb.query(`SELECT count(*)::int AS n FROM outbox WHERE aggregate_id = $1`, [id]);
    return { recording, stages, messages };
  }

  /** The transcription commands ingest sent for the recording. */
  async function transcribeCommands(id: string): Promise<Array<Record<string, unknown>>> {
    const rows: Array<{ message: { body: string } }> = await ingestDb.query(
      `SELECT message FROM outbox WHERE aggregate_id = $1 AND routing_key = 'transcription.recording.transcribe.v1' ORDER BY created_at`,
      [id],
    );
    return rows.map((r) => {
      const body = JSON.parse(r.message.body);
      return body.data ?? body;
    });
  }

  async function template(who: Account, json: Record<string, unknown>): Promise<string> {
    const created = await call('POST', '/api/v1/templates', { token: who.token, json });
    expect(created.status).toBe(201);
    return created.body.id as string;
  }

  /** What the plan says of one stage. */
  const planned = (reply: Reply, stage: string) => reply.body.plan.find((p: any) => p.stage === stage);

  beforeAll(async () => {
    world = await createServiceWorld('run_overrides', {
      ...HTTP_WORLD_ENV,
    });
    await world.start(storageService);
    await world.start(quotaService);
    store = (await world.start(publishingService)).app.get<ObjectStore>(OBJECT_STORE);
    const ingest = await world.start(ingestService);
    ingestDb = ingest.app.get(DataSource);
    ingestBus = ingest.app.get(MessageBus);
    const port = await freePort();
    await world.start(gatewayService, { http: true, env: { PORT: String(port) } });
    base = `http://127.0.0.1:${port}`;
    ada = await account('ada@example.org');
    bob = await account('bob@example.org');
  }, 180_000);

  afterAll(() => world?.close());

  it('plans every stage of a fresh recording with the source of each value, writes nothing, and runs as planned', async () => {
    const id = await paused(ada, 'Fresh lecture');
    const before = { ingest: await ingestState(id), detail: await detail(ada, id) };

    const dry = await run(ada, id, undefined, '?dryRun=true');
    expect(dry.status).toBe(200);
    expect(dry.body).toMatchObject({ id, status: 'PROCESSING', paused: false, stages: ['TRIM'], dryRun: true });
    expect(dry.body.plan).toEqual([
      { stage: 'DOWNLOAD', status: 'SKIPPED', action: 'done', reason: 'skipped before: uploaded directly' },
      { stage: 'TRIM', status: 'PENDING', action: 'start', reason: 'resumed after a pause' },
      { stage: 'TRANSCRIBE', status: 'PENDING', action: 'wait', reason: 'starts once the stages before it are done' },
      { stage: 'EXTRACT_TOPICS', status: 'PENDING', action: 'wait', reason: 'starts once the stages before it are done' },
      { stage: 'GENERATE_SUBTITLES', status: 'PENDING', action: 'wait', reason: 'starts once the stages before it are done' },
      { stage: 'UPLOAD:local', status: 'PENDING', action: 'wait', reason: 'starts once the stages before it are done' },
    ]);
    expect(dry.body.config.effective.processing.trimming.enableTrimming).toBe(true);
    expect(dry.body.config.sources[TRIMMING]).toBe('default_template');
    expect(dry.body.config.layers.map((l: any) => l.name)).toEqual(['default_template', 'recording_preferences', 'manual_override']);

    // Nothing changed: not ingest's rows, not what it sent, not what the API shows.
    expect(await ingestState(id)).toEqual(before.ingest);
    expect(await detail(ada, id)).toEqual(before.detail);

    const real = await run(ada, id);
    expect(real.status).toBe(200);
    expect(real.body).toEqual({ id, status: dry.body.status, paused: false, stages: dry.body.stages, dryRun: false, links: { self: `/api/v1/recordings/${id}` } });
    await eventually(async () => expect(await stageOf(ada, id, 'TRIM')).toBe('IN_PROGRESS'), WAIT);

    // A dry run answers what a real run answers: the trim is in progress now.
    const refused = await run(ada, id, { dryRun: true });
    expect({ status: refused.status, code: refused.body.code }).toEqual({ status: 409, code: 'INGEST.ALREADY_RUNNING' });
  }, 120_000);

  it('shows a stage its bound template leaves out as skipped, the template layer deciding', async () => {
    await template(ada, { name: 'No trimming', matchingRules: { exactMatches: ['Seminar without trim'] }, processingConfig: { trimming: { enableTrimming: false } } });
    const id = await paused(ada, 'Seminar without trim', 'TRANSCRIBE');
    const before = await ingestState(id);

    const dry = await run(ada, id, { dryRun: true });
    expect(dry.status).toBe(200);
    expect(dry.body.stages).toEqual(['TRANSCRIBE']);
    expect(planned(dry, 'TRIM')).toEqual({
      stage: 'TRIM',
      status: 'SKIPPED',
      action: 'skip',
      reason: `trimming off (${TRIMMING})`,
      configPath: TRIMMING,
      source: 'bound_template',
    });
    expect(planned(dry, 'TRANSCRIBE')).toEqual({ stage: 'TRANSCRIBE', status: 'PENDING', action: 'start', reason: 'resumed after a pause' });
    expect(dry.body.config.sources[TRIMMING]).toBe('bound_template');
    expect(await ingestState(id)).toEqual(before);
  }, 120_000);

  it("takes a processingConfig for the run above the recording's preferences: the dry run shows it on top, the real run applies it", async () => {
    const id = await paused(ada, 'Overridden lecture');
    const LANGUAGE = 'processing.transcription.language';
    // The recording's own preferences (PATCH /config): the layer below what a run gives.
    const patched = await call('PATCH', `/api/v1/recordings/${id}/config`, { token: ada.token, json: { processing: { transcription: { language: 'fr', granularity: 'long' } } } });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ recordingId: id, preferences: { processing: { transcription: { language: 'fr', granularity: 'long' } } } });
    const preferred = (await call('GET', `/api/v1/recordings/${id}/config`, { token: ada.token })).body;
    expect(preferred.sources[LANGUAGE]).toBe('recording_preferences');
    expect(preferred.layers.find((l: any) => l.name === 'recording_preferences').config).toEqual(patched.body.preferences);
    const before = await ingestState(id);
    const processingConfig = { trimming: { enableTrimming: false }, transcription: { language: 'de' } };

    const dry = await run(ada, id, { processingConfig, dryRun: true });
    expect(dry.status).toBe(200);
    expect(dry.body.stages).toEqual(['TRANSCRIBE']);
    expect(planned(dry, 'TRIM')).toEqual({ stage: 'TRIM', status: 'PENDING', action: 'skip', reason: `trimming off (${TRIMMING})`, configPath: TRIMMING, source: 'manual_override' });
    expect(dry.body.config.sources).toMatchObject({ [TRIMMING]: 'manual_override', 'processing.transcription.language': 'manual_override' });
    expect(dry.body.config.layers.at(-1)).toEqual({ name: 'manual_override', templateId: null, config: { processing: processingConfig }, run: true });
    expect(await ingestState(id)).toEqual(before);
    expect((await call('GET', `/api/v1/recordings/${id}/config`, { token: ada.token })).body.sources[TRIMMING]).toBe('default_template');

    const real = await run(ada, id, { processingConfig });
    expect(real.body).toMatchObject({ status: dry.body.status, stages: dry.body.stages, dryRun: false });
    await eventually(async () => expect(await stageOf(ada, id, 'TRIM')).toBe('SKIPPED'), WAIT);
    await eventually(async () => expect(await stageOf(ada, id, 'TRANSCRIBE')).toBe('IN_PROGRESS'), WAIT);
    expect((await transcribeCommands(id)).map((c) => c.language)).toEqual(['de']);
    const config = (await call('GET', `/api/v1/recordings/${id}/config`, { token: ada.token })).body;
    expect(config.sources).toMatchObject({ [TRIMMING]: 'manual_override', [LANGUAGE]: 'manual_override', 'processing.transcription.granularity': 'recording_preferences' });

    // A resume after a pause goes on with the run's config; a reset forgets it.
    expect((await call('POST', `/api/v1/recordings/${id}/pause`, { token: ada.token })).status).toBe(200);
    await eventually(async () => expect(await stageOf(ada, id, 'TRANSCRIBE')).toBe('PENDING'), WAIT);
    expect((await run(ada, id)).body.stages).toEqual(['TRANSCRIBE']);
    await eventually(async () => expect((await transcribeCommands(id)).map((c) => c.language)).toEqual(['de', 'de']), WAIT);
    expect((await call('POST', `/api/v1/recordings/${id}/reset`, { token: ada.token, json: {} })).status).toBe(200);
    const afterReset = (await call('GET', `/api/v1/recordings/${id}/config`, { token: ada.token })).body;
    expect(afterReset.sources).toMatchObject({ [TRIMMING]: 'default_template', [LANGUAGE]: 'recording_preferences' });
    expect(afterReset.effective.processing.transcription.language).toBe('fr');
    // DELETE clears the preferences: the default template leaves the language to the provider.
    const cleared = await call('DELETE', `/api/v1/recordings/${id}/config`, { token: ada.token });
    expect(cleared.body.preferences).toEqual({});
    const bare = (await call('GET', `/api/v1/recordings/${id}/config`, { token: ada.token })).body;
    expect(bare.sources[LANGUAGE]).toBeUndefined();
    expect(bare.effective.processing.transcription.language).toBeUndefined();
  }, 120_000);

  it('uses a template for this run only, or binds it with bindTemplate', async () => {
    const french = await template(ada, { name: 'French', processingConfig: { transcription: { language: 'fr' } } });
    const once = await paused(ada, 'French once');
    const bound = await paused(ada, 'French bound');

    const dry = await run(ada, once, { templateId: french, dryRun: true });
    expect(dry.body.config.sources['processing.transcription.language']).toBe('runtime_template');
    expect(dry.body.config.layers.find((l: any) => l.name === 'runtime_template')).toMatchObject({ templateId: french, run: true });

    expect((await run(ada, once, { templateId: french })).status).toBe(200);
    const onceConfig = (await call('GET', `/api/v1/recordings/${once}/config`, { token: ada.token })).body;
    expect(onceConfig.layers.map((l: any) => l.name)).toEqual(['default_template', 'runtime_template', 'recording_preferences', 'manual_override']);
    expect(onceConfig.sources['processing.transcription.language']).toBe('runtime_template');

    expect((await run(ada, bound, { templateId: french, bindTemplate: true })).status).toBe(200);
    const boundConfig = (await call('GET', `/api/v1/recordings/${bound}/config`, { token: ada.token })).body;
    expect(boundConfig.layers.map((l: any) => [l.name, l.templateId])).toEqual([
      ['default_template', expect.any(String)],
      ['bound_template', french],
      ['recording_preferences', null],
      ['manual_override', null],
    ]);
    expect(boundConfig.sources['processing.transcription.language']).toBe('bound_template');
    expect((await call('GET', `/api/v1/templates/${french}/stats`, { token: ada.token })).body.totalRecordings).toBe(1);
  }, 120_000);

  it('refuses a bad config (422), an unknown template and another user\'s recording (404), changing nothing', async () => {
    const id = await paused(ada, 'Refused lecture');
    const before = await ingestState(id);
    const bad = await run(ada, id, { processingConfig: { trimming: { silenceThreshold: 5 } } });
    expect({ status: bad.status, code: bad.body.code }).toEqual({ status: 422, code: 'RECORDING_CONFIG.INVALID' });
    expect(bad.body.detail).toContain('processingConfig.trimming.silenceThreshold');
    const unknown = await run(ada, id, { templateId: '01900000-0000-7000-8000-000000000001', dryRun: true });
    expect({ status: unknown.status, code: unknown.body.code }).toEqual({ status: 404, code: 'TEMPLATE.NOT_FOUND' });
    const foreign = await run(bob, id, { dryRun: true });
    expect({ status: foreign.status, code: foreign.body.code }).toEqual({ status: 404, code: 'RECORDING.NOT_FOUND' });
    expect(await ingestState(id)).toEqual(before);
  }, 120_000);

  it('bulk run takes the same overrides, and runs exactly as its dry run planned', async () => {
    const [a, b] = [await paused(ada, 'Bulk A'), await paused(ada, 'Bulk B')];
    const before = { a: await ingestState(a), b: await ingestState(b) };
    const body = { ids: [a, b], processingConfig: { trimming: { enableTrimming: false } } };

    const plan = await call('POST', '/api/v1/recordings/bulk/run', { token: ada.token, json: { ...body, dryRun: true } });
    expect(plan.status).toBe(200);
    expect(plan.body.items).toEqual([
      { id: a, outcome: 'accepted', status: 'PROCESSING', stages: ['TRANSCRIBE'] },
      { id: b, outcome: 'accepted', status: 'PROCESSING', stages: ['TRANSCRIBE'] },
    ]);
    expect({ a: await ingestState(a), b: await ingestState(b) }).toEqual(before);

    const done = await call('POST', '/api/v1/recordings/bulk/run', { token: ada.token, json: body });
    expect({ ...done.body, dryRun: true }).toEqual(plan.body);
    for (const id of [a, b]) await eventually(async () => expect(await stageOf(ada, id, 'TRIM')).toBe('SKIPPED'), WAIT);

    const bad = await call('POST', '/api/v1/recordings/bulk/run', { token: ada.token, json: { ids: [a], outputConfig: { autoUpload: 'yes' } } });
    expect({ status: bad.status, code: bad.body.code }).toEqual({ status: 422, code: 'RECORDING_CONFIG.INVALID' });
  }, 120_000);

  describe('template render preview', () => {
    const preview = (who: Account, json: unknown) => call('POST', '/api/v1/templates/render-preview', { token: who.token, json });

    it('renders inline metadata against the sample recording, with the display formats and the dates', async () => {
      const reply = await preview(ada, {
        metadataConfig: {
          titleTemplate: '{{ display_name }} ({{ record_date }})',
          descriptionTemplate: '{{ summary }}\n\n{{ topics }}',
          topicsDisplay: { format: 'dash_list', prefix: 'Topics:' },
        },
      });
      expect(reply.status).toBe(200);
      expect(reply.body).toEqual({
        platform: 'youtube',
        title: 'Линейная алгебра, лекция 3 (02.03.2026)',
        description: 'Матрицы, определители и их свойства.\n\nTopics:\n- Матрицы и операции над ними\n- Определители\n- Ранг матрицы',
        titleTruncated: false,
        descriptionTruncated: false,
      });
    }, 60_000);

    it("renders a saved template for one of the caller's recordings, with each platform's limits and the Yandex Disk names", async () => {
      const long = `Lecture ${'x'.repeat(112)}`;
      const id = await upload(ada, long);
      const saved = await template(ada, {
        name: 'Published',
        metadataConfig: {
          titleTemplate: '{{ display_name }}',
          yandexDisk: { folderPathTemplate: '/Lectures/{{ record_date }}', filenameTemplate: 'lecture-{{ recording_id }}' },
        },
      });
      const youtube = await preview(ada, { templateId: saved, recordingId: id });
      expect(youtube.status).toBe(200);
      const recordedOn = new Date((await detail(ada, id)).createdAt).toLocaleDateString('ru-RU', { timeZone: 'UTC' });
      expect(youtube.body).toEqual({
        platform: 'youtube',
        title: `${long.slice(0, 97)}...`,
        description: expect.stringContaining('Uploaded on'),
        titleTruncated: true,
        descriptionTruncated: false,
        yandexDisk: { folderPath: `/Lectures/${recordedOn}`, filename: `lecture-${id}` },
      });
      const vk = await preview(ada, { templateId: saved, recordingId: id, platform: 'vk_video' });
      expect(vk.body).toMatchObject({ platform: 'vk_video', title: long, titleTruncated: false });

      const foreign = await preview(bob, { templateId: saved, recordingId: id });
      expect({ status: foreign.status, code: foreign.body.code }).toEqual({ status: 404, code: 'TEMPLATE.NOT_FOUND' });
      const foreignRecording = await preview(bob, { metadataConfig: { titleTemplate: '{{ display_name }}' }, recordingId: id });
      expect({ status: foreignRecording.status, code: foreignRecording.body.code }).toEqual({ status: 404, code: 'RECORDING.NOT_FOUND' });
    }, 120_000);

    it("reads a recording's topics document as an upload does: summary, topics and questions in the description", async () => {
      const id = await upload(ada, 'Topics lecture');
      const key = storageKeys.topics(ada.id, id);
      const document = {
        activeVersion: 2,
        versions: [
          { version: 1, summary: 'Old summary', mainTopics: ['Old'], topics: [{ start: 0, title: 'Old topic' }], questions: [] },
          { version: 2, summary: 'Eigenvalues explained', mainTopics: ['Eigenvalues'], topics: [{ start: 0, title: 'Eigenvalues' }, { start: 754, title: 'Eigenvectors' }], questions: ['What is an eigenvalue?'] },
        ],
      };
      const stored = await store.put(key, JSON.stringify(document), { contentType: 'application/json' });
      const topics = { key, sizeBytes: String(stored.sizeBytes), kind: 'OBJECT_KIND_TOPICS', contentType: 'application/json' };
      await ingestDb.transaction((m) => ingestBus.publish(m, 'transcription.topics.extracted.v1', { recordingId: id, userId: ada.id, topics, version: 2, count: 2 }, { subject: id, tenant: ada.id }));
      await eventually(async () => expect((await detail(ada, id)).artifacts.map((a: any) => a.name)).toContain('topics'), WAIT);

      const reply = await preview(ada, {
        recordingId: id,
        metadataConfig: {
          titleTemplate: '{{ display_name }}: {{ themes }}',
          descriptionTemplate: '{{ summary }}\n\n{{ topics }}\n\n{{ questions }}',
          topicsDisplay: { format: 'bullet_list', prefix: 'Topics:', showTimestamps: true },
          questionsDisplay: { enabled: true, format: 'numbered_list', prefix: 'Questions:' },
        },
      });
      expect(reply.status).toBe(200);
      expect(reply.body.title).toBe('Topics lecture: Eigenvalues');
      expect(reply.body.description).toBe('Eigenvalues explained\n\nTopics:\n• 0:00 Eigenvalues\n• 12:34 Eigenvectors\n\nQuestions:\n1. What is an eigenvalue?');
    }, 120_000);

    it('answers a template that does not parse with 422 and its code', async () => {
      const reply = await preview(ada, { metadataConfig: { titleTemplate: '{{ display_name ' } });
      expect({ status: reply.status, code: reply.body.code }).toEqual({ status: 422, code: 'PUBLISHING.TEMPLATE_SYNTAX' });
    }, 60_000);
  });
});
