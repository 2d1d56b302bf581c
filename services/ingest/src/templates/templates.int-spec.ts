import { DataSource } from 'typeorm';
import { DownloadMethod, MESSAGE_TYPES, type PayloadOf, type QueryType, type ReplyOf } from '@leap/contracts';
import { LeapError, MessageBus, newMessageId } from '@leap/messaging';
import type { RunningService } from '@leap/platform';
import { createServiceWorld, type ServiceWorld } from '@leap/service-testing';
import { eventually } from '@leap/testing';
import { RecordingPreferences1767960000000 } from '../migrations/1767960000000-recording-preferences.migration';
import { ingestService } from '../service';
import { TemplatesService } from './templates.service';

/**
 * Templates, matching and config layers through ingest's queries on the real broker and
 * database, as the gateway asks them: CRUD and its refusals, the base template (on registration
 * and on first need), matching as recordings are created, preview and rematch with their reasons,
 * and a recording's config resolved layer by layer.
 */
describe('templates over the bus', () => {
  let world: ServiceWorld;
  let ingest: RunningService;
  let bus: MessageBus;
  let db: DataSource;

  beforeAll(async () => {
    world = await createServiceWorld('ingest_templates', { OUTBOUND_ALLOWED_HOSTS: '127.0.0.1', RETENTION_SWEEP_INTERVAL: '0ms', STUCK_SWEEP_INTERVAL: '0ms' });
    world.env.INGEST_DOWNLOAD_DIR = await world.tempDir('downloads');
    ingest = await world.start(ingestService);
    bus = ingest.app.get(MessageBus);
    db = ingest.app.get(DataSource);
  }, 300_000);

  afterAll(() => world?.close());

  const ask = <Q extends QueryType>(type: Q, query: PayloadOf<Q> & { userId: string }): Promise<ReplyOf<Q>> =>
    bus.request(type, query, { tenant: query.userId, timeoutMs: 15_000 }) as Promise<ReplyOf<Q>>;

  async function refusal<Q extends QueryType>(type: Q, query: PayloadOf<Q> & { userId: string }): Promise<{ code: string; status: number; message: string }> {
    try {
      await ask(type, query);
    } catch (error) {
      if (error instanceof LeapError) return { code: error.code, status: error.status, message: error.message };
      throw error;
    }
    throw new Error(`${type} was not refused`);
  }

  const save = (userId: string, fields: Record<string, unknown>, templateId?: string, autoRematch = false) =>
    ask(MESSAGE_TYPES.ingest.SaveTemplate, { userId, fields, ...(templateId ? { templateId } : {}), autoRematch });

  /** A recording added from a URL (not downloaded), titled `title`; matched as it is created. */
  async function recording(userId: string, title: string, templateId?: string): Promise<string> {
    const recordingId = newMessageId();
    await ask(MESSAGE_TYPES.ingest.AddRecordingFromUrl, {
      recordingId, userId, url: `http://127.0.0.1:9/${recordingId}.mp4`, displayName: title, method: DownloadMethod.HTTP, autoRun: false, ...(templateId ? { templateId } : {}),
    });
    return recordingId;
  }

  const binding = async (recordingId: string) =>
    (await db.query(`SELECT template_id AS "templateId", is_mapped AS "isMapped" FROM recordings WHERE id = $1`, [recordingId]))[0] as { templateId: string | null; isMapped: boolean };

  it('gives a registered user a base template once, and creates it on first need for anyone else', async () => {
    const userId = `user-${newMessageId()}`;
    const event = { userId, email: `${userId}@example.org`, registeredAt: new Date().toISOString() };
    await db.transaction((m) => bus.publish(m, MESSAGE_TYPES.gateway.UserRegistered, event, { subject: userId, tenant: userId }));
    await db.transaction((m) => bus.publish(m, MESSAGE_TYPES.gateway.UserRegistered, event, { subject: userId, tenant: userId }));
    const rows = await eventually(async () => {
      const found: { name: string }[] = await db.query(`SELECT name FROM templates WHERE user_id = $1 AND is_default`, [userId]);
      expect(found).toHaveLength(1);
      return found;
    });
    expect(rows[0].name).toBe('Default');

    const lazy = `user-${newMessageId()}`;
    const [a, b] = await Promise.all([
      ask(MESSAGE_TYPES.ingest.GetTemplate, { userId: lazy, defaultTemplate: true }),
      ask(MESSAGE_TYPES.ingest.ListTemplates, { userId: lazy }),
    ]);
    expect(b.templates).toEqual([a.template]);
    expect(a.template).toMatchObject({ name: 'Default', isDefault: true, processingConfig: { trimming: { enableTrimming: true } } });
  });

  it('creates, changes, copies and deletes templates, refusing bad fields with every problem named', async () => {
    const userId = `user-${newMessageId()}`;
    const created = await save(userId, {
      name: 'Physics',
      matchingRules: { keywords: ['physics'], exact: ['Mechanics'], caseSensitive: false },
      processingConfig: { trimming: { enableTrimming: false }, transcription: { language: 'en' } },
      outputConfig: { presetIds: [] },
    });
    expect(created.template).toMatchObject({
      name: 'Physics', isDraft: false, isActive: true, isDefault: false, priority: 0, usedCount: 0,
      matchingRules: { keywords: ['physics'], exactMatches: ['Mechanics'], caseSensitive: false },
    });

    const bad = await refusal(MESSAGE_TYPES.ingest.SaveTemplate, {
      userId,
      fields: { name: '', matchingRules: { patterns: ['(a+)+$', '(x'], colour: 'red' }, processingConfig: { trimming: { enableTrimming: 'yes' } } },
    });
    expect(bad).toMatchObject({ code: 'TEMPLATE.INVALID', status: 422 });
    for (const field of ['name:', 'matchingRules: unknown field(s): colour', 'matchingRules.patterns.0: must not repeat a group', 'matchingRules.patterns.1: is not a valid regular expression', 'processingConfig.trimming.enableTrimming:']) {
      expect(bad.message).toContain(field);
    }
    expect(await refusal(MESSAGE_TYPES.ingest.SaveTemplate, { userId, fields: { name: 'Physics' } })).toMatchObject({ code: 'TEMPLATE.DUPLICATE', status: 409 });
    expect(await refusal(MESSAGE_TYPES.ingest.SaveTemplate, { userId: 'someone-else', templateId: created.template.id, fields: { name: 'Mine' } })).toMatchObject({ code: 'TEMPLATE.NOT_FOUND', status: 404 });

    const changed = await save(userId, { description: 'Weekly', priority: 3 }, created.template.id);
    expect(changed.template).toMatchObject({ name: 'Physics', description: 'Weekly', priority: 3, processingConfig: { trimming: { enableTrimming: false } } });

    const copy = await ask(MESSAGE_TYPES.ingest.CopyTemplate, { userId, templateId: created.template.id });
    expect(copy.template).toMatchObject({ name: 'Physics (copy)', isDraft: true, usedCount: 0, priority: 3, matchingRules: created.template.matchingRules });

    const base = (await ask(MESSAGE_TYPES.ingest.GetTemplate, { userId, defaultTemplate: true })).template;
    expect(await refusal(MESSAGE_TYPES.ingest.DeleteTemplates, { userId, templateIds: [copy.template.id, base.id] })).toMatchObject({ code: 'TEMPLATE.IS_DEFAULT', status: 409 });
    const deleted = await ask(MESSAGE_TYPES.ingest.DeleteTemplates, { userId, templateIds: [copy.template.id, newMessageId()] });
    expect(deleted.deleted).toEqual([copy.template.id]);
    expect(deleted.notFound).toHaveLength(1);

    // Another template becomes the base: the old base is a named template again, and can go.
    const promoted = await ask(MESSAGE_TYPES.ingest.SetDefaultTemplate, { userId, templateId: created.template.id });
    expect(promoted.template.isDefault).toBe(true);
    const list = (await ask(MESSAGE_TYPES.ingest.ListTemplates, { userId })).templates;
    expect(list!.map((t) => [t.name, t.isDefault])).toEqual([['Physics', true], ['Default', false]]);
    expect((await ask(MESSAGE_TYPES.ingest.DeleteTemplates, { userId, templateIds: [base.id] })).deleted).toEqual([base.id]);
  });

  it('matches recordings as they are created: first match wins, excludes and priority apply, an explicit template is kept', async () => {
    const userId = `user-${newMessageId()}`;
    const lectures = (await save(userId, { name: 'Lectures', matchingRules: { keywords: ['lecture'], excludeKeywords: ['rehearsal'] } })).template;
    const algebra = (await save(userId, { name: 'Algebra', matchingRules: { patterns: ['^algebra\\b'] } })).template;
    const urgent = (await save(userId, { name: 'Urgent', priority: 10, matchingRules: { exactMatches: ['Algebra lecture 1'] } })).template;
    await save(userId, { name: 'Draft', isDraft: true, matchingRules: { keywords: ['draft'] } });

    const first = await recording(userId, 'Algebra lecture 1');
    const second = await recording(userId, 'Algebra lecture 2');
    const third = await recording(userId, 'Lecture rehearsal');
    const fourth = await recording(userId, 'A draft');
    const explicit = await recording(userId, 'Algebra lecture 3', algebra.id);

    expect(await binding(first)).toEqual({ templateId: urgent.id, isMapped: true });
    expect(await binding(second)).toEqual({ templateId: lectures.id, isMapped: true });
    expect(await binding(third)).toEqual({ templateId: null, isMapped: false });
    expect(await binding(fourth)).toEqual({ templateId: null, isMapped: false });
    expect(await binding(explicit)).toEqual({ templateId: algebra.id, isMapped: true });

    const stats = await ask(MESSAGE_TYPES.ingest.GetTemplateStats, { userId, templateId: lectures.id });
    expect(stats).toMatchObject({ templateId: lectures.id, totalRecordings: 1, byStatus: { INITIALIZED: 1 }, usedCount: 1 });
  });

  it('previews a match with its reasons, and rematches unbound (or all) recordings', async () => {
    const userId = `user-${newMessageId()}`;
    const a = await recording(userId, 'Seminar: topology');
    const b = await recording(userId, 'seminar notes');
    const c = await recording(userId, 'Office hours');
    const seminars = (await save(userId, { name: 'Seminars', isDraft: true, matchingRules: { exactMatches: ['Seminar notes'], keywords: ['seminar'] } })).template;

    const preview = await ask(MESSAGE_TYPES.ingest.PreviewTemplateMatch, { userId, templateId: seminars.id });
    expect(preview.examined).toBe(3);
    expect(preview.matches).toEqual([
      { recordingId: a, title: 'Seminar: topology', status: 'INITIALIZED', rule: 'keyword', value: 'seminar' },
      { recordingId: b, title: 'seminar notes', status: 'INITIALIZED', rule: 'exact', value: 'Seminar notes' },
    ]);
    expect(await binding(a)).toEqual({ templateId: null, isMapped: false }); // a preview changes nothing

    // A draft is never applied; once published, a rematch binds what it wins.
    expect((await ask(MESSAGE_TYPES.ingest.RematchTemplate, { userId, templateId: seminars.id, onlyUnbound: true })).bound).toEqual([]);
    await save(userId, { isDraft: false }, seminars.id);
    const rematched = await ask(MESSAGE_TYPES.ingest.RematchTemplate, { userId, templateId: seminars.id, onlyUnbound: true });
    expect(rematched.bound!.map((m) => m.recordingId)).toEqual([a, b]);
    expect(await binding(c)).toEqual({ templateId: null, isMapped: false });

    // A newer template with a higher priority takes them over only when all recordings are rematched.
    const topology = (await save(userId, { name: 'Topology', priority: 1, matchingRules: { keywords: ['topology'] } })).template;
    expect((await ask(MESSAGE_TYPES.ingest.RematchTemplate, { userId, templateId: topology.id, onlyUnbound: true })).bound).toEqual([]);
    expect((await ask(MESSAGE_TYPES.ingest.RematchTemplate, { userId, templateId: topology.id, onlyUnbound: false })).bound!.map((m) => m.recordingId)).toEqual([a]);

    // auto_rematch on save binds unbound recordings the new template wins.
    const office = await save(userId, { name: 'Office', matchingRules: { keywords: ['office'] } }, undefined, true);
    expect(office.rematched).toBe(1);
    expect(await binding(c)).toEqual({ templateId: office.template.id, isMapped: true });

    // Deleting a template unbinds its recordings.
    expect((await ask(MESSAGE_TYPES.ingest.DeleteTemplates, { userId, templateIds: [office.template.id] })).unboundRecordings).toBe(1);
    expect(await binding(c)).toEqual({ templateId: null, isMapped: false });
  });

  it('resolves a recording config layer by layer, with its preferences, bind and unbind', async () => {
    const userId = `user-${newMessageId()}`;
    const bound = (await save(userId, { name: 'English', matchingRules: { keywords: ['english'] }, processingConfig: { transcription: { language: 'en' }, trimming: { enableTrimming: false } } })).template;
    const runtime = (await save(userId, { name: 'German', isDraft: true, processingConfig: { transcription: { language: 'de' } } })).template;
    const id = await recording(userId, 'English class');

    const plain = await ask(MESSAGE_TYPES.ingest.ResolveConfig, { userId, recordingId: id });
    expect(plain.layers!.map((l) => l.name)).toEqual(['default_template', 'bound_template', 'recording_preferences', 'manual_override']);
    expect(plain.effective).toMatchObject({ processing: { transcription: { language: 'en', enableTopics: true }, trimming: { enableTrimming: false, audioDetection: true } } });
    expect(plain.sources).toMatchObject({
      'processing.transcription.language': 'bound_template',
      'processing.transcription.enableTopics': 'default_template',
      'processing.trimming.enableTrimming': 'bound_template',
    });

    const withRuntime = await ask(MESSAGE_TYPES.ingest.ResolveConfig, { userId, recordingId: id, templateId: runtime.id });
    expect(withRuntime.sources?.['processing.transcription.language']).toBe('runtime_template');

    const patched = await ask(MESSAGE_TYPES.ingest.ChangeRecordingConfig, { userId, recordingId: id, preferences: { processing: { trimming: { enableTrimming: true }, transcription: { language: null } } } });
    expect(patched).toMatchObject({ recordingId: id, templateId: bound.id, isMapped: true, preferences: { processing: { trimming: { enableTrimming: true } } } });
    const preferred = await ask(MESSAGE_TYPES.ingest.ResolveConfig, { userId, recordingId: id });
    expect(preferred.effective).toMatchObject({ processing: { trimming: { enableTrimming: true }, transcription: { language: 'en' } } });
    expect(preferred.sources?.['processing.trimming.enableTrimming']).toBe('recording_preferences');
    expect(preferred.layers!.find((l) => l.name === 'recording_preferences')!.config).toEqual({ processing: { trimming: { enableTrimming: true } } });
    expect(preferred.layers!.find((l) => l.name === 'manual_override')!.config ?? {}).toEqual({});

    // A sender using the fields' earlier names (`override`, `clearOverride`) changes the same layer.
    const earlier = await ask(MESSAGE_TYPES.ingest.ChangeRecordingConfig, { userId, recordingId: id, override: { processing: { transcription: { language: 'fr' } } } });
    expect(earlier.preferences).toEqual({ processing: { trimming: { enableTrimming: true }, transcription: { language: 'fr' } } });
    expect(earlier.override).toEqual(earlier.preferences);

    expect(await refusal(MESSAGE_TYPES.ingest.ChangeRecordingConfig, { userId, recordingId: id, preferences: { processing: { trimming: { enableTrimming: 'on' } } } })).toMatchObject({
      code: 'RECORDING_CONFIG.INVALID',
      status: 422,
    });

    const unbound = await ask(MESSAGE_TYPES.ingest.ChangeRecordingConfig, { userId, recordingId: id, unbind: true, clearPreferences: true });
    expect(unbound).toMatchObject({ isMapped: false, preferences: {} });
    expect(unbound.templateId).toBeUndefined();
    const bare = await ask(MESSAGE_TYPES.ingest.ResolveConfig, { userId, recordingId: id });
    expect(bare.sources?.['processing.trimming.enableTrimming']).toBe('default_template');

    expect((await ask(MESSAGE_TYPES.ingest.ChangeRecordingConfig, { userId, recordingId: id, bindTemplateId: runtime.id })).templateId).toBe(runtime.id);
    expect(await refusal(MESSAGE_TYPES.ingest.ResolveConfig, { userId: 'someone-else', recordingId: id })).toMatchObject({ code: 'INGEST.RECORDING_NOT_FOUND', status: 404 });

    // A recording made into a template: it matches that title from then on, and the recording is bound to it.
    const made = await ask(MESSAGE_TYPES.ingest.CreateTemplateFromRecording, { userId, recordingId: id, name: 'From a class' });
    expect(made.template).toMatchObject({ name: 'From a class', matchingRules: { exactMatches: ['English class'] }, usedCount: 1 });
    expect(await binding(id)).toEqual({ templateId: made.template.id, isMapped: true });
  });

  it('gives the TRANSCRIBE stage the language and vocabulary of the effective config', async () => {
    const userId = `user-${newMessageId()}`;
    await save(userId, { name: 'Czech', matchingRules: { keywords: ['czech'] }, processingConfig: { transcription: { language: 'cs', vocabulary: ['Praha'] }, transcriptionVocabulary: ['Brno', 'Praha'] } });
    const matched = await recording(userId, 'Czech grammar');
    const other = await recording(userId, 'Anything else');
    const options = (id: string) => db.transaction((m) => ingest.app.get(TemplatesService).transcriptionOptions(m, userId, id));

    expect(await options(matched)).toEqual({ language: 'cs', vocabulary: ['Praha', 'Brno'] });
    expect(await options(other)).toEqual({ vocabulary: [] });
    await ask(MESSAGE_TYPES.ingest.ChangeRecordingConfig, { userId, recordingId: matched, preferences: { processing: { transcription: { language: 'sk' } } } });
    expect((await options(matched)).language).toBe('sk');
  });

  it('moves what an earlier release kept as the manual override into the preferences as it migrates', async () => {
    const userId = `user-${newMessageId()}`;
    const id = await recording(userId, 'Legacy override');
    // The schema as the release before left it: the override in its own column, the migration not run.
    const migration = new RecordingPreferences1767960000000();
    const runner = db.createQueryRunner();
    try {
      await migration.down(runner);
    } finally {
      await runner.release();
    }
    await db.query(`DELETE FROM migrations WHERE name = $1`, [migration.name]);
    const legacy = { processing: { transcription: { language: 'fr' } } };
    await db.query(`UPDATE recordings SET config_override = $2 WHERE id = $1`, [id, legacy]);

    // A replica of this release starts and migrates.
    await world.start(ingestService);
    const [row] = await db.query(`SELECT processing_preferences AS preferences FROM recordings WHERE id = $1`, [id]);
    expect(row.preferences).toEqual(legacy);
    expect(await db.query(`SELECT 1 FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = 'recordings' AND column_name = 'config_override'`)).toEqual([]);
    const resolved = await ask(MESSAGE_TYPES.ingest.ResolveConfig, { userId, recordingId: id });
    expect(resolved.sources?.['processing.transcription.language']).toBe('recording_preferences');
  });
});
