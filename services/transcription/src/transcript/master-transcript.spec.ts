import { LeapError } from '@leap/errors';
import { buildMasterTranscript, buildSegments, parseMasterTranscript, type TranscriptWord } from './master-transcript';

const w = (text: string, start: number, end: number): TranscriptWord => ({ text, start, end });

describe('buildSegments', () => {
  it('starts a new segment after a pause of 0.4 s or more', () => {
    const segments = buildSegments([w('good', 0, 0.3), w('morning', 0.35, 0.8), w('students', 1.2, 1.8), w('today', 1.9, 2.3)]);
    expect(segments).toEqual([
      { start: 0, end: 0.8, text: 'good morning' },
      { start: 1.2, end: 2.3, text: 'students today' },
    ]);
  });

  it('keeps every segment at 8 s or less when nobody pauses', () => {
    const words = Array.from({ length: 40 }, (_, i) => w(`w${i}`, i * 0.5, i * 0.5 + 0.45));
    const segments = buildSegments(words);
    expect(segments.length).toBeGreaterThan(2);
    for (const s of segments) expect(s.end - s.start).toBeLessThanOrEqual(8);
    expect(segments.map((s) => s.text).join(' ')).toBe(words.map((x) => x.text).join(' '));
  });
});

describe('buildMasterTranscript', () => {
  it('holds the words, the segments and the word count, times in milliseconds precision', () => {
    const master = buildMasterTranscript({
      language: 'en',
      provider: 'pocketsphinx',
      model: 'cmusphinx-en-us',
      durationSeconds: 3.14159,
      words: [{ text: 'hello', start: 0.10004, end: 0.5, confidence: 0.91234 }, w('world', 1.5, 2)],
    });
    expect(master).toEqual({
      version: 1,
      language: 'en',
      provider: 'pocketsphinx',
      model: 'cmusphinx-en-us',
      durationSeconds: 3.142,
      words: [{ text: 'hello', start: 0.1, end: 0.5, confidence: 0.912 }, w('world', 1.5, 2)],
      segments: [
        { start: 0.1, end: 0.5, text: 'hello' },
        { start: 1.5, end: 2, text: 'world' },
      ],
      stats: { wordCount: 2 },
    });
  });
});

describe('parseMasterTranscript', () => {
  it('reads back what buildMasterTranscript wrote', () => {
    const master = buildMasterTranscript({ language: 'en', provider: 'p', model: 'm', durationSeconds: 1, words: [w('hi', 0, 0.5)] });
    expect(parseMasterTranscript(Buffer.from(JSON.stringify(master)), 'k')).toEqual(master);
  });

  it.each([
    ['not JSON', '{oops', /not valid JSON/],
    ['another document', JSON.stringify({ hello: 'world' }), /not a master transcript: version is not 1; segments is not a list/],
    ['a broken segment', JSON.stringify({ version: 1, words: [], durationSeconds: 1, segments: [{ start: 2, end: 1, text: 'x' }] }), /a segment lacks/],
  ])('refuses %s with TRANSCRIPTION.INPUT_INVALID, not retryable', (_what, body, message) => {
    let error: unknown;
    try {
      parseMasterTranscript(body, 'users/u/recordings/r/transcription/master.json');
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(LeapError);
    expect({ code: (error as LeapError).code, retryable: (error as LeapError).retryable }).toEqual({ code: 'TRANSCRIPTION.INPUT_INVALID', retryable: false });
    expect((error as Error).message).toMatch(message);
  });
});
