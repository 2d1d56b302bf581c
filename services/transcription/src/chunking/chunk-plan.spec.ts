import { chunkSecondsFor, planChunks } from './chunk-plan';

describe('chunkSecondsFor', () => {
  it('is the smallest of every provider’s duration limit, its size limit at 64 kbps, and the cap', () => {
    expect(chunkSecondsFor([{ maxSeconds: 1200, maxBytes: 25 * 1024 * 1024 }])).toBe(1200);
    // 5 MB at 64 kbps with a tenth to spare: 589.8 s.
    expect(chunkSecondsFor([{ maxSeconds: 3600, maxBytes: 5 * 1024 * 1024 }])).toBeCloseTo(589.82, 1);
    expect(chunkSecondsFor([{ maxSeconds: 1200, maxBytes: 1e9 }, { maxSeconds: 36000, maxBytes: 2e9 }], 300)).toBe(300);
    expect(chunkSecondsFor([{ maxSeconds: Infinity, maxBytes: Infinity }])).toBe(Infinity);
  });
});

describe('planChunks', () => {
  it('keeps audio that fits in one chunk', () => {
    expect(planChunks(100, [{ start: 50, end: 51 }], 600)).toEqual([{ index: 0, start: 0, end: 100 }]);
    expect(planChunks(100, [], Infinity)).toEqual([{ index: 0, start: 0, end: 100 }]);
  });

  it('cuts in the middle of the latest silence under the limit, and covers the audio without gaps', () => {
    const silences = [
      { start: 100, end: 102 },
      { start: 250, end: 251 },
      { start: 290, end: 292 },
      { start: 350, end: 351 },
      { start: 580, end: 581 },
    ];
    const chunks = planChunks(700, silences, 300);
    expect(chunks).toEqual([
      { index: 0, start: 0, end: 291 },
      { index: 1, start: 291, end: 580.5 },
      { index: 2, start: 580.5, end: 700 },
    ]);
  });

  it('cuts at the limit where speech runs on without a silence in the second half of the chunk', () => {
    expect(planChunks(250, [{ start: 10, end: 11 }], 100)).toEqual([
      { index: 0, start: 0, end: 100 },
      { index: 1, start: 100, end: 200 },
      { index: 2, start: 200, end: 250 },
    ]);
  });

  it('never makes a chunk longer than the limit', () => {
    const silences = Array.from({ length: 200 }, (_, i) => ({ start: i * 9 + 7, end: i * 9 + 8 }));
    const chunks = planChunks(1800, silences, 120);
    for (const c of chunks) expect(c.end - c.start).toBeLessThanOrEqual(120);
    expect(chunks[0]!.start).toBe(0);
    expect(chunks.at(-1)!.end).toBe(1800);
    for (let i = 1; i < chunks.length; i++) expect(chunks[i]!.start).toBe(chunks[i - 1]!.end);
  });
});
