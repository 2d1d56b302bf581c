import { buildCues, formatTimestamp, toSrt, toVtt, wrapLines } from './subtitles';

describe('wrapLines', () => {
  it('breaks at word boundaries within the limit', () => {
    const lines = wrapLines('the quick brown fox jumps over the lazy dog and keeps running across the field', 20);
    expect(lines).toEqual(['the quick brown fox', 'jumps over the lazy', 'dog and keeps', 'running across the', 'field']);
    for (const line of lines) expect(line.length).toBeLessThanOrEqual(20);
  });

  it('cuts a word longer than a line into pieces', () => {
    expect(wrapLines('a supercalifragilistic word', 10)).toEqual(['a', 'supercalif', 'ragilistic', 'word']);
  });

  it('collapses blanks and returns nothing for empty text', () => {
    expect(wrapLines('  many    spaces  ', 42)).toEqual(['many spaces']);
    expect(wrapLines('   ', 42)).toEqual([]);
  });
});

describe('buildCues', () => {
  it('keeps a short segment as one cue with its own times', () => {
    expect(buildCues([{ start: 1.2, end: 3.4, text: 'hello students' }])).toEqual([{ start: 1.2, end: 3.4, lines: ['hello students'] }]);
  });

  it('splits a long segment into cues of at most 2 lines of 42 characters, sharing the time by length', () => {
    const text = Array.from({ length: 30 }, (_, i) => `word${i}`).join(' ');
    const cues = buildCues([{ start: 10, end: 20, text }]);
    expect(cues.length).toBeGreaterThan(1);
    for (const cue of cues) {
      expect(cue.lines.length).toBeLessThanOrEqual(2);
      for (const line of cue.lines) expect(line.length).toBeLessThanOrEqual(42);
    }
    expect(cues[0]!.start).toBe(10);
    expect(cues[cues.length - 1]!.end).toBe(20);
    for (let i = 1; i < cues.length; i++) expect(cues[i]!.start).toBeCloseTo(cues[i - 1]!.end, 9);
    // Each cue's share of the time follows its share of the characters.
    const chars = cues.map((c) => c.lines.join('').length);
    const total = chars.reduce((a, b) => a + b, 0);
    cues.forEach((cue, i) => expect(cue.end - cue.start).toBeCloseTo((10 * chars[i]!) / total, 6));
    expect(cues.flatMap((c) => c.lines).join(' ')).toBe(text);
  });

  it('honours other limits', () => {
    const cues = buildCues([{ start: 0, end: 4, text: 'one two three four five six' }], { maxLineLength: 10, maxLines: 1 });
    expect(cues.map((c) => c.lines)).toEqual([['one two'], ['three four'], ['five six']]);
  });
});

describe('formatTimestamp', () => {
  it('writes SRT with a comma and WebVTT with a dot', () => {
    expect(formatTimestamp(1.2, ',')).toBe('00:00:01,200');
    expect(formatTimestamp(1.2, '.')).toBe('00:00:01.200');
    expect(formatTimestamp(3723.4567, ',')).toBe('01:02:03,457');
    expect(formatTimestamp(59.9996, '.')).toBe('00:01:00.000');
  });
});

describe('toSrt and toVtt', () => {
  const cues = [
    { start: 1.2, end: 3.4, lines: ['Good morning,', 'students.'] },
    { start: 4, end: 5.5, lines: ['Today: numbers.'] },
  ];

  it('numbers SRT cues and separates them with a blank line', () => {
    expect(toSrt(cues)).toBe(
      '1\n00:00:01,200 --> 00:00:03,400\nGood morning,\nstudents.\n\n2\n00:00:04,000 --> 00:00:05,500\nToday: numbers.\n',
    );
  });

  it('starts WebVTT with its header and uses dots', () => {
    expect(toVtt(cues)).toBe('WEBVTT\n\n00:00:01.200 --> 00:00:03.400\nGood morning,\nstudents.\n\n00:00:04.000 --> 00:00:05.500\nToday: numbers.\n');
  });
});
