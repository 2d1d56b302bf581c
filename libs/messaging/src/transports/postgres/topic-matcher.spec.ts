import { compileDirect, compileTopic, topicMatches } from './topic-matcher';

describe('topic matching', () => {
  it.each([
    ['media.recording.trimmed.v1', 'media.recording.trimmed.v1', true],
    ['media.recording.trimmed.v1', 'media.recording.trimmed.v2', false],
    ['media.*', 'media.recording', true],
    ['media.*', 'media', false],
    ['media.*', 'media.recording.trimmed', false],
    ['media.#', 'media', true],
    ['media.#', 'media.recording', true],
    ['media.#', 'media.recording.trimmed.v1', true],
    ['media.#', 'ingest.recording', false],
    ['#', '', true],
    ['#', 'a.b.c', true],
    ['*', '', false],
    ['*', 'a', true],
    ['*', 'a.b', false],
    ['#.v1', 'v1', true],
    ['#.v1', 'media.recording.trimmed.v1', true],
    ['#.v1', 'media.recording.trimmed.v2', false],
    ['ingest.recording.*.v1', 'ingest.recording.uploaded.v1', true],
    ['ingest.recording.*.v1', 'ingest.recording.v1', false],
    ['ingest.recording.*.v1', 'ingest.recording.a.b.v1', false],
    ['*.recording.#', 'media.recording', true],
    ['*.recording.#', 'recording.x', false],
    ['a.#.b.#.c', 'a.b.c', true],
    ['a.#.b.#.c', 'a.x.y.b.z.c', true],
    ['a.#.b.#.c', 'a.x.y.z.c', false],
    ['#.#', 'a', true],
    ['a.#.#', 'a', true],
    ['*.*', 'a.b', true],
    ['*.*', 'a', false],
    ['#.*', '', false],
    ['#.*', 'a.b.c', true],
    ['a..b', 'a..b', true],
    ['a.*.b', 'a..b', true],
  ])('pattern %s against key %s is %s', (pattern, key, expected) => {
    expect(topicMatches(pattern, key)).toBe(expected);
  });

  it('treats wildcards as whole words only', () => {
    expect(topicMatches('media.rec*', 'media.recording')).toBe(false);
    expect(topicMatches('media.rec*', 'media.rec*')).toBe(true);
    expect(topicMatches('media.#x', 'media.a.b')).toBe(false);
  });

  it('compiles a pattern once and reuses it', () => {
    const matches = compileTopic('ingest.#.v1');
    expect(['ingest.v1', 'ingest.a.v1', 'ingest.a.b.v1', 'ingest.a.v2', 'media.a.v1'].map(matches)).toEqual([true, true, true, false, false]);
  });

  it('routes direct bindings by the exact key, wildcards included literally', () => {
    expect(compileDirect('media.trim.v1')('media.trim.v1')).toBe(true);
    expect(compileDirect('media.*')('media.trim')).toBe(false);
    expect(compileDirect('media.*')('media.*')).toBe(true);
  });
});
