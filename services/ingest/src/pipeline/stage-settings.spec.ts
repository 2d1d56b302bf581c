import { SubtitleFormat, TopicGranularity } from '@leap/contracts';
import { allowsFailure, skipDecision, skipReason, subtitleRerunFormats, subtitleSettings, topicRerunSettings, topicSettings, transcribeSettings, trimSettings } from './stage-settings';

describe('stage settings from the effective processing config', () => {
  it('skips TRIM only when trimming is off, and the transcript stages with transcription off', () => {
    expect(skipReason('TRIM', { trimming: { enableTrimming: false } })).toMatch(/trimming off/);
    expect(skipReason('TRIM', { trimming: { enableTrimming: true } })).toBeUndefined();
    expect(skipReason('TRIM', {})).toBeUndefined();
    const off = { transcription: { enableTranscription: false, enableTopics: true, enableSubtitles: true } };
    expect(['TRANSCRIBE', 'EXTRACT_TOPICS', 'GENERATE_SUBTITLES'].map((s) => skipReason(s as 'TRANSCRIBE', off))).toEqual([
      expect.stringMatching(/transcription off/),
      expect.stringMatching(/transcription off/),
      expect.stringMatching(/transcription off/),
    ]);
    expect(skipReason('EXTRACT_TOPICS', { transcription: { enableTopics: false } })).toMatch(/topics off/);
    expect(skipReason('GENERATE_SUBTITLES', { transcription: { enableSubtitles: false } })).toMatch(/subtitles off/);
    expect(skipReason('DOWNLOAD', off)).toBeUndefined();
    expect(skipReason('UPLOAD', off)).toBeUndefined();
  });

  it('names the config value that decides a skip, so a plan can tell the layer it comes from', () => {
    expect(skipDecision('TRIM', { trimming: { enableTrimming: false } })).toEqual({
      reason: 'trimming off (processing.trimming.enableTrimming)',
      path: 'processing.trimming.enableTrimming',
    });
    // Transcription off decides the topics too, before their own switch.
    expect(skipDecision('EXTRACT_TOPICS', { transcription: { enableTranscription: false, enableTopics: false } })?.path).toBe('processing.transcription.enableTranscription');
    expect(skipDecision('GENERATE_SUBTITLES', { transcription: { enableSubtitles: false } })?.path).toBe('processing.transcription.enableSubtitles');
    expect(skipDecision('TRANSCRIBE', {})).toBeUndefined();
  });

  it('carries the trim settings the config sets, one padding (the larger) for both ends', () => {
    expect(trimSettings({ trimming: { silenceThreshold: -35, minSilenceDuration: 1.5, paddingBefore: 3, paddingAfter: 1 } })).toEqual({
      thresholdDb: -35,
      minSilenceSeconds: 1.5,
      paddingSeconds: 3,
    });
    expect(trimSettings({ trimming: { paddingAfter: 7 } })).toEqual({ paddingSeconds: 7 });
    expect(trimSettings({ trimming: { silenceThreshold: null, minSilenceDuration: 0 } })).toEqual({});
    expect(trimSettings({})).toEqual({});
  });

  it('carries the topic granularity and the questions count (1 to 10)', () => {
    expect(topicSettings({ transcription: { granularity: 'short', questionsCount: 4 } })).toEqual({ granularity: 'TOPIC_GRANULARITY_SHORT', questionsCount: 4 });
    expect(topicSettings({ transcription: { granularity: 'long', questionsCount: 20 } })).toEqual({ granularity: 'TOPIC_GRANULARITY_LONG', questionsCount: 10 });
    expect(topicSettings({ transcription: { granularity: 'odd', questionsCount: 0 } })).toEqual({});
  });

  it('carries the quality policy and the providers in the template\'s order', () => {
    expect(transcribeSettings({ transcription: { qualityPolicy: 'fail', providers: ['assemblyai', 'offline'] } })).toEqual({
      qualityPolicy: 'QUALITY_POLICY_FAIL',
      providers: ['assemblyai', 'offline'],
    });
    expect(transcribeSettings({ transcription: { qualityPolicy: 'flag', providers: [] } })).toEqual({ qualityPolicy: 'QUALITY_POLICY_FLAG' });
    expect(transcribeSettings({ transcription: { qualityPolicy: null, providers: ['deepgram', 'openai', 'openai'] } })).toEqual({ providers: ['openai'] });
    expect(transcribeSettings({})).toEqual({});
  });

  it('carries the translation languages', () => {
    expect(subtitleSettings({ transcription: { translateTo: ['de', 'fr', 'de'] } })).toEqual({ translateTo: ['de', 'fr'] });
    expect(subtitleSettings({ transcription: { translateTo: ['../x', 7] } })).toEqual({});
    expect(subtitleSettings({ transcription: { translateTo: null } })).toEqual({});
  });
});

describe('stage settings a re-run asks for', () => {
  it('maps the topics granularity and question count, leaving out what is not set', () => {
    expect(topicRerunSettings({ granularity: 'long', questionsCount: 12 })).toEqual({ granularity: TopicGranularity.LONG, questionsCount: 10 });
    expect(topicRerunSettings({ granularity: 'huge' })).toEqual({});
    expect(topicRerunSettings({})).toEqual({});
  });

  it('names each subtitle format once, and none (both written) when none is asked', () => {
    expect(subtitleRerunFormats({ subtitleFormats: ['vtt', 'vtt'] })).toEqual({ formats: [SubtitleFormat.VTT] });
    expect(subtitleRerunFormats({ subtitleFormats: ['srt', 'vtt'] })).toEqual({ formats: [SubtitleFormat.SRT, SubtitleFormat.VTT] });
    expect(subtitleRerunFormats({})).toEqual({});
  });
});

describe('failures the config lets through', () => {
  const allow = { transcription: { allowErrors: true } };
  it.each([
    ['a failed transcription with allowErrors', 'TRANSCRIBE', 'TRANSCRIPTION.PROVIDER_FAILED', allow, true],
    ['failed topics with allowErrors', 'EXTRACT_TOPICS', 'LLM.UNAVAILABLE', allow, true],
    ['failed subtitles with allowErrors', 'GENERATE_SUBTITLES', 'TRANSCRIPTION.STORAGE_FAILED', allow, true],
    ['a transcript the quality policy refused', 'TRANSCRIBE', 'TRANSCRIPTION.QUALITY_FAILED', allow, false],
    ['a failed trim', 'TRIM', 'MEDIA.CORRUPT_INPUT', allow, false],
    ['a failed upload', 'UPLOAD', 'PUBLISHING.PLATFORM_REJECTED', allow, false],
    ['a failed transcription without allowErrors', 'TRANSCRIBE', 'TRANSCRIPTION.PROVIDER_FAILED', {}, false],
    ['allowErrors that is not true', 'TRANSCRIBE', 'TRANSCRIPTION.PROVIDER_FAILED', { transcription: { allowErrors: 'yes' } }, false],
  ] as const)('%s', (_case, stage, code, processing, expected) => {
    expect(allowsFailure(stage, code, processing as never)).toBe(expected);
  });
});
