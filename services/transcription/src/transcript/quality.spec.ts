import { assessQuality } from './quality';

/** Natural-looking speech: `count` words, two a second, from `from`. */
function speech(count: number, from = 0): Array<{ text: string; start: number; end: number }> {
  return Array.from({ length: count }, (_, i) => ({ text: `word${i % 37}`, start: from + i * 0.5, end: from + i * 0.5 + 0.4 }));
}
const segmentsOf = (words: Array<{ text: string; start: number; end: number }>) => [{ start: words[0]?.start ?? 0, end: words.at(-1)?.end ?? 0, text: words.map((w) => w.text).join(' ') }];

describe('assessQuality', () => {
  it('passes ordinary speech', () => {
    const words = speech(600);
    const quality = assessQuality({ words, segments: segmentsOf(words) });
    expect(quality).toEqual({ suspect: false, flags: [], metrics: { wordsPerMinute: 120, hallucinatedSegments: 0, longestLoop: 1, wordsInSilence: 0 } });
  });

  it('flags planted hallucinations and a looped phrase', () => {
    const words = speech(200);
    const loop = Array.from({ length: 6 }, (_, r) =>
      ['and', 'so', 'on', 'we', 'go'].map((text, k) => ({ text, start: 100 + r * 2.5 + k * 0.5, end: 100 + r * 2.5 + k * 0.5 + 0.4 })),
    ).flat();
    const all = [...words, ...loop].sort((a, b) => a.start - b.start);
    const segments = [...segmentsOf(words), { start: 200, end: 203, text: 'Продолжение следует...' }, { start: 300, end: 302, text: 'Thank you for watching!' }];
    const quality = assessQuality({ words: all, segments });
    expect(quality.suspect).toBe(true);
    expect(quality.flags.map((f) => f.code)).toEqual(['HALLUCINATION', 'LOOP']);
    expect(quality.flags[0]).toMatchObject({ at: 200, message: '2 segment(s) are phrases recognisers invent over silence, first "Продолжение следует..."' });
    expect(quality.flags[1]!.message).toBe('"and so on we go" is repeated 6 times in a row');
    expect(quality.metrics.longestLoop).toBe(6);
  });

  it('flags a word rate far outside speech, and words over a long silence', () => {
    const sparse = Array.from({ length: 30 }, (_, i) => ({ text: `w${i}`, start: i * 60, end: i * 60 + 0.3 }));
    expect(assessQuality({ words: sparse, segments: segmentsOf(sparse) }).flags.map((f) => f.code)).toEqual(['WORD_DENSITY']);
    const words = speech(100);
    const quality = assessQuality({ words, segments: segmentsOf(words) }, [{ start: 20, end: 40 }]);
    expect(quality.flags).toEqual([{ code: 'TEXT_IN_SILENCE', message: '38 word(s) where the audio is silent for 10 s or more', at: 20.5 }]);
  });
});
