import { yandexDiskKeys } from './yandex-disk-keys';

describe('yandexDiskKeys', () => {
  it('prefers the resource id, then the content, then the path, and keeps every one as an alternate', () => {
    expect(yandexDiskKeys({ resourceId: '42:abc', md5: 'ABCDEF', size: 10, path: 'disk:/a.mp4' })).toEqual({
      key: 'yadisk:rid:42:abc',
      keys: ['yadisk:rid:42:abc', 'yadisk:md5:abcdef:10', 'yadisk:path:disk:/a.mp4'],
    });
    expect(yandexDiskKeys({ md5: 'abcdef', size: 10, path: 'disk:/a.mp4' }).key).toBe('yadisk:md5:abcdef:10');
    expect(yandexDiskKeys({ path: 'disk:/a.mp4' })).toEqual({ key: 'yadisk:path:disk:/a.mp4', keys: ['yadisk:path:disk:/a.mp4'] });
  });

  it('names a public file by its link and its path inside the shared folder', () => {
    expect(yandexDiskKeys({ path: '/sub/a.mp4' }, 'Kq3x').key).toBe('yadisk:public:Kq3x:/sub/a.mp4');
  });

  it('gives a renamed file the same key (its id and content stay)', () => {
    const before = yandexDiskKeys({ resourceId: '42:abc', md5: 'ff', size: 1, path: 'disk:/old.mp4' });
    const after = yandexDiskKeys({ resourceId: '42:abc', md5: 'ff', size: 1, path: 'disk:/new name.mp4' });
    expect(after.key).toBe(before.key);
  });
});
