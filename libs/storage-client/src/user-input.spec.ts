import { checkPathSegment, checkUserKey } from './user-input';

const unsafe = expect.objectContaining({ code: 'STORAGE.UNSAFE_PATH', status: 400 });
const foreign = expect.objectContaining({ code: 'STORAGE.FOREIGN_KEY', status: 404 });

describe('user input that reaches storage', () => {
  it('takes plain names and ids as one path segment', () => {
    for (const name of ['lecture.png', 'a b.jpg', '0195f1f2-7d3c-7aaa-8bbb-123456789abc', 'ingest.pipeline.error', 'AbC_-9']) {
      expect(checkPathSegment('name', name)).toBe(name);
    }
  });

  it('refuses separators, dot segments, control characters and encoded separators or dots, once or twice encoded', () => {
    for (const name of ['../x.png', 'a/b.png', 'a\\b.png', '..', '.', 'x%2Fy.png', 'x%2fy', '%2e%2e', '%2E%2e', 'x%5Cy', '%252F', '%25252e', 'a%00.png', 'a\u0000b', 'a\nb']) {
      expect(() => checkPathSegment('name', name)).toThrow(unsafe);
    }
  });

  it('takes a key of the caller or of the shared library', () => {
    expect(checkUserKey('key', 'u1', 'users/u1/recordings/r1/source.mp4')).toBe('users/u1/recordings/r1/source.mp4');
    expect(checkUserKey('key', 'u1', 'shared/thumbnails/lecture.png')).toBe('shared/thumbnails/lecture.png');
  });

  it("refuses another tenant's key from its text alone", () => {
    for (const key of ['users/u2/recordings/r1/source.mp4', 'users/u10/thumbnails/a.png', 'users/u1', 'other/u1/x', 'users/u1x/a.png']) {
      expect(() => checkUserKey('key', 'u1', key)).toThrow(foreign);
    }
  });

  it('refuses traversal in a key, even one that would land back in the caller\'s folder', () => {
    const keys = [
      'users/u1/../u2/recordings/r1/source.mp4',
      'users/u1/recordings/../../u2/x',
      'users/u1/./x',
      'users/u1//x',
      '/users/u1/x',
      'users\\u1\\x',
      'users/u1/recordings/%2e%2e/%2e%2e/u2/x',
      'users/u1%2F..%2Fu2/x',
      'shared/../users/u2/x',
      '',
    ];
    for (const key of keys) expect(() => checkUserKey('key', 'u1', key)).toThrow(unsafe);
  });
});
