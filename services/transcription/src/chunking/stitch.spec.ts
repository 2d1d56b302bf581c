import { stitchChunks } from './stitch';

describe('stitchChunks', () => {
  it('moves every word and segment by its chunk’s start, records who did which part and sums the audio per provider', () => {
    const stitched = stitchChunks([
      {
        chunk: { index: 1, start: 300, end: 600 },
        provider: 'assemblyai',
        model: 'universal-3-pro',
        result: { language: 'en', durationSeconds: 300, words: [{ text: 'later', start: 1, end: 1.5 }], usage: { audioSeconds: 300 } },
      },
      {
        chunk: { index: 0, start: 0, end: 300 },
        provider: 'openai',
        model: 'whisper-1',
        result: {
          language: 'en',
          durationSeconds: 300,
          words: [
            { text: 'first', start: 2, end: 2.4 },
            { text: 'words', start: 2.5, end: 3 },
          ],
          segments: [{ start: 2, end: 3, text: 'first words' }],
        },
      },
      {
        chunk: { index: 2, start: 600, end: 700 },
        provider: 'assemblyai',
        model: 'universal-3-pro',
        result: { language: 'de', durationSeconds: 100, words: [] },
      },
    ]);
    expect(stitched).toEqual({
      language: 'en',
      durationSeconds: 700,
      words: [
        { text: 'first', start: 2, end: 2.4 },
        { text: 'words', start: 2.5, end: 3 },
        { text: 'later', start: 301, end: 301.5 },
      ],
      segments: [
        { start: 2, end: 3, text: 'first words' },
        { start: 301, end: 301.5, text: 'later' },
      ],
      parts: [
        { chunk: 0, start: 0, end: 300, provider: 'openai', model: 'whisper-1' },
        { chunk: 1, start: 300, end: 600, provider: 'assemblyai', model: 'universal-3-pro' },
        { chunk: 2, start: 600, end: 700, provider: 'assemblyai', model: 'universal-3-pro' },
      ],
      usage: [
        { provider: 'openai', model: 'whisper-1', audioSeconds: 300, chunks: 1 },
        { provider: 'assemblyai', model: 'universal-3-pro', audioSeconds: 400, chunks: 2 },
      ],
    });
  });

  it('takes the duration from the recogniser when the only chunk had no known end', () => {
    const stitched = stitchChunks([{ chunk: { index: 0, start: 0, end: 0 }, provider: 'pocketsphinx', model: 'm', result: { language: 'en', durationSeconds: 12.5, words: [] } }]);
    expect(stitched).toMatchObject({ durationSeconds: 12.5, parts: [{ chunk: 0, start: 0, end: 12.5 }], usage: [{ audioSeconds: 12.5 }] });
  });
});
