import { topicsDisplaySchema, questionsDisplaySchema, youtubeMetadataSchema, vkMetadataSchema, yandexDiskMetadataSchema } from '../presets/preset-metadata';
import { formatList } from './display-formats';
import { renderMetadata, SAMPLE_RECORDING } from './render-metadata';
import { MetadataTemplates } from './template-engine';
import { templateVariables, type RecordingFacts } from './template-variables';

const templates = new MetadataTemplates();
const facts: RecordingFacts = {
  recordingId: 'r1',
  displayName: 'Linear algebra 3',
  durationSeconds: 3900,
  summary: 'Matrices.',
  mainTopics: ['Matrices', 'Determinants', 'Rank', 'Inverse'],
  topics: [
    { text: 'Matrices', start: 65 },
    { text: 'Determinants', start: 3725 },
  ],
  questions: [{ text: 'What is a determinant?' }],
  // 23:30 UTC is already the next day in Moscow.
  recordedAt: new Date('2026-03-01T23:30:00Z'),
  publishedAt: new Date('2026-03-05T10:00:00Z'),
};

describe('template variables', () => {
  it('names them as the reference does, dates in the owner time zone', () => {
    const v = templateVariables(facts, { timeZone: 'Europe/Moscow', topicsDisplay: topicsDisplaySchema.parse({}), questionsDisplay: questionsDisplaySchema.parse({ enabled: true }) });
    expect(v).toMatchObject({
      display_name: 'Linear algebra 3',
      original_title: 'Linear algebra 3',
      recording_id: 'r1',
      duration: '3900',
      duration_hm: '1:05',
      summary: 'Matrices.',
      themes: 'Matrices, Determinants, Rank',
      topic: 'Matrices, Determinants, Rank',
      topics: 'Темы:\n1. Matrices\n2. Determinants',
      questions: 'Вопросы для самопроверки:\n1. What is a determinant?',
      record_date: '02.03.2026',
      date: '02.03.2026',
      record_datetime: '02.03.2026 02:30',
      record_date_iso: '2026-03-02',
      record_date_short: '02.03',
      record_time_hm: '02:30',
      record_datetime_iso: '2026-03-02T02:30:00+03:00',
      record_time: '02:30:00',
      publish_date: '05.03.2026',
    });
    expect(templateVariables(facts, { timeZone: 'UTC', topicsDisplay: topicsDisplaySchema.parse({}), questionsDisplay: questionsDisplaySchema.parse({}) })).toMatchObject({
      record_date: '01.03.2026',
      questions: '',
    });
  });

  it('formats lists in each display format', () => {
    const items = [{ text: 'Matrices', start: 65 }, { text: 'Determinants and their properties', start: 3725 }, { text: 'x' }];
    const display = (o: object) => topicsDisplaySchema.parse(o);
    expect(formatList(items, display({ format: 'bullet_list', minLength: 2 }))).toBe('Темы:\n• Matrices\n• Determinants and their properties');
    expect(formatList(items, display({ format: 'dash_list', maxCount: 1, prefix: '' }))).toBe('- Matrices');
    expect(formatList(items, display({ format: 'comma_separated', minLength: 2, prefix: 'Topics:' }))).toBe('Topics: Matrices, Determinants and their properties');
    expect(formatList(items, display({ format: 'inline', separator: ' / ', maxCount: 2, prefix: '' }))).toBe('Matrices / Determinants and their properties');
    expect(formatList(items, display({ format: 'plain', maxLength: 12, minLength: 2, prefix: '' }))).toBe('Matrices\nDetermina...');
    expect(formatList(items, display({ format: 'numbered_list', showTimestamps: true, maxCount: 2, prefix: '' }))).toBe('1. 1:05 Matrices\n2. 1:02:05 Determinants and their properties');
    expect(formatList(items, display({ enabled: false }))).toBe('');
  });
});

describe('renderMetadata', () => {
  it('cuts titles to the platform limit with "..." (YouTube 100, VK 128) and descriptions to 5000', async () => {
    const long = { ...facts, displayName: 'A'.repeat(300) };
    const yt = await renderMetadata(templates, 'youtube', youtubeMetadataSchema.parse({ descriptionTemplate: '{% for i in (1..600) %}0123456789{% endfor %}' }), long, 'UTC');
    expect(yt.title).toHaveLength(100);
    expect(yt.title.endsWith('...')).toBe(true);
    expect(yt.titleTruncated).toBe(true);
    expect(yt.description).toHaveLength(5000);
    expect(yt.descriptionTruncated).toBe(true);
    const vk = await renderMetadata(templates, 'vk_video', vkMetadataSchema.parse({}), long, 'UTC');
    expect(vk.title).toHaveLength(128);
  });

  it('falls back to the display name, then "Uploaded on <date>", and an empty description to the date and topics', async () => {
    const empty = await renderMetadata(templates, 'youtube', youtubeMetadataSchema.parse({ titleTemplate: '{{ summary }}', descriptionTemplate: '{{ nothing }}' }), { ...facts, summary: '' }, 'UTC');
    expect(empty.title).toBe('Linear algebra 3');
    expect(empty.description).toBe('Uploaded on 05.03.2026\n\nТемы:\n1. Matrices\n2. Determinants');
    const nameless = await renderMetadata(templates, 'vk_video', vkMetadataSchema.parse({}), { ...facts, displayName: ' ' }, 'UTC');
    expect(nameless.title).toBe('Uploaded on 05.03.2026');
  });

  it('lets the description use the rendered title, and replaces angle brackets for YouTube', async () => {
    const r = await renderMetadata(
      templates,
      'youtube',
      youtubeMetadataSchema.parse({ titleTemplate: '<{{ display_name }}> {{ record_date }}', descriptionTemplate: '{{ title }}\n\n{{ summary }}\n\n{{ topics }}' }),
      facts,
      'Europe/Moscow',
    );
    expect(r.title).toBe('‹Linear algebra 3› 02.03.2026');
    expect(r.description).toBe('‹Linear algebra 3› 02.03.2026\n\nMatrices.\n\nТемы:\n1. Matrices\n2. Determinants');
  });

  it('renders Yandex Disk folder and file names that a disk accepts', async () => {
    const r = await renderMetadata(
      templates,
      'yandex_disk',
      yandexDiskMetadataSchema.parse({ folderPathTemplate: '/Courses/{{ display_name }}/../{{ record_date_iso }}', filenameTemplate: '{{ display_name }}: {{ record_date }}' }),
      facts,
      'UTC',
    );
    expect(r.folderPath).toBe('/Courses/Linear algebra 3/2026-03-01');
    expect(r.filename).toBe('Linear algebra 3_ 01.03.2026');
    expect(r.sidecars).toBeUndefined();
  });

  it('renders where each enabled Yandex Disk sidecar goes: next to the video by default, or by its own templates', async () => {
    const r = await renderMetadata(
      templates,
      'yandex_disk',
      yandexDiskMetadataSchema.parse({
        folderPathTemplate: '/Courses/{{ display_name }}',
        sidecars: {
          subtitlesSrt: {},
          subtitlesVtt: { enabled: false },
          transcription: { folderPathTemplate: '/Transcripts/{{ record_date_iso }}', filenameTemplate: '{{ display_name }} (text)' },
          descriptionTxt: { enabled: true },
        },
      }),
      facts,
      'UTC',
    );
    expect(r.sidecars).toEqual({
      subtitlesSrt: { folderPath: '/Courses/Linear algebra 3', filename: 'Linear algebra 3.srt' },
      transcription: { folderPath: '/Transcripts/2026-03-01', filename: 'Linear algebra 3 (text).txt' },
      descriptionTxt: { folderPath: '/Courses/Linear algebra 3', filename: 'Linear algebra 3.description.txt' },
    });
    expect(yandexDiskMetadataSchema.safeParse({ sidecars: { pdf: {} } }).success).toBe(false);
  });

  it('renders the sample recording with the reference templates unchanged', async () => {
    const r = await renderMetadata(
      templates,
      'youtube',
      youtubeMetadataSchema.parse({ titleTemplate: '{{ display_name }} ({{ record_date }})', descriptionTemplate: '{{ summary }}\n\n{{ topics }}\n\n{{ questions }}' }),
      SAMPLE_RECORDING,
      'Europe/Moscow',
    );
    expect(r.title).toBe('Линейная алгебра, лекция 3 (02.03.2026)');
    expect(r.description).toContain('Темы:\n1. Матрицы и операции над ними');
  });
});
