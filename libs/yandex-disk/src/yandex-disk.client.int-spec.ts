import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { OutboundHttp, OutboundPolicy } from '@leap/outbound';
import { peakLiveGrowth, startFakeYandexDisk, type FakeYandexDisk } from '@leap/testing';
import { YandexDiskClient, type YandexAccount, type YandexTokens } from './yandex-disk.client';

/** A stream of `size` bytes made as it is read (nothing held in memory), and its MD5. */
function generated(size: number): { open: () => Readable; md5: string } {
  const block = Buffer.alloc(64 * 1024);
  for (let i = 0; i < block.length; i++) block[i] = (i * 31) % 251;
  const hash = createHash('md5');
  for (let left = size; left > 0; left -= block.length) hash.update(block.subarray(0, Math.min(block.length, left)));
  return {
    md5: hash.digest('hex'),
    open: () => {
      let left = size;
      return new Readable({
        read() {
          if (left <= 0) return void this.push(null);
          const n = Math.min(block.length, left);
          left -= n;
          this.push(block.subarray(0, n));
        },
      });
    },
  };
}

const MIB = 1024 * 1024;

describe('Yandex Disk client (against the fake Yandex Disk and OAuth on localhost)', () => {
  let fake: FakeYandexDisk;
  let client: YandexDiskClient;
  const waits: number[] = [];

  beforeAll(async () => {
    fake = await startFakeYandexDisk();
    client = new YandexDiskClient(
      { apiBaseUrl: fake.apiBaseUrl, oauthBaseUrl: fake.oauthBaseUrl, clientId: fake.clientId, clientSecret: fake.clientSecret },
      new OutboundHttp(new OutboundPolicy({ allowedHosts: '127.0.0.1' })),
      { pageSize: 2, sleep: async (ms) => void waits.push(ms) },
    );
  });

  afterAll(async () => {
    await fake?.close();
  });

  function account(tokens: YandexTokens): YandexAccount & { refreshed: YandexTokens[] } {
    const refreshed: YandexTokens[] = [];
    return { tokens: { ...tokens }, refreshed, onRefreshed: async (t) => void refreshed.push({ ...t }) };
  }

  it('lists a folder page by page, into sub-folders when recursive, filtered by a file-name pattern', async () => {
    const granted = fake.grant();
    const modified = new Date('2026-02-03T10:15:00Z');
    fake.putFile(granted.account, '/Lectures/a.mp4', Buffer.from('aaaa'), { modified });
    fake.putFile(granted.account, '/Lectures/b.mkv', Buffer.from('bbbbbb'));
    fake.putFile(granted.account, '/Lectures/notes.txt', Buffer.from('notes'));
    fake.putFile(granted.account, '/Lectures/2026/c.mp4', Buffer.from('cc'));
    fake.putFile(granted.account, '/Lectures/2026/deep/d.mp4', Buffer.from('d'));
    const a = account(granted);

    const flat = await client.list(a, '/Lectures', { pattern: '\\.(mp4|mkv)$' });
    expect(flat.map((f) => f.path)).toEqual(['disk:/Lectures/a.mp4', 'disk:/Lectures/b.mkv']);
    expect(flat[0]).toEqual({
      type: 'file',
      name: 'a.mp4',
      path: 'disk:/Lectures/a.mp4',
      resourceId: fake.file(granted.account, '/Lectures/a.mp4')!.resourceId,
      size: 4,
      md5: createHash('md5').update('aaaa').digest('hex'),
      sha256: createHash('sha256').update('aaaa').digest('hex'),
      mimeType: 'video/mp4',
      created: modified.toISOString(),
      modified: modified.toISOString(),
    });

    const listings = fake.stats.listings;
    const deep = await client.list(a, 'disk:/Lectures', { recursive: true, pattern: '\\.mp4$' });
    expect(deep.map((f) => f.path).sort()).toEqual(['disk:/Lectures/2026/c.mp4', 'disk:/Lectures/2026/deep/d.mp4', 'disk:/Lectures/a.mp4']);
    // Four entries at the top (a folder and three files): two pages of two; one page for each sub-folder.
    expect(fake.stats.listings - listings).toBe(4);

    await expect(client.list(a, '/Nowhere')).rejects.toMatchObject({ code: 'YANDEX_DISK.NOT_FOUND', status: 404, details: { reason: 'DiskNotFoundError' } });
    await expect(client.list(a, '/Lectures', { pattern: '(' })).rejects.toMatchObject({ code: 'YANDEX_DISK.INVALID_PATTERN', status: 422 });
  });

  it('reads a public link without a token: a shared folder (paths from its root) or a shared file, and their bytes with ranges', async () => {
    const owner = fake.grant();
    fake.putFile(owner.account, '/Shared/one.mp4', Buffer.from('0123456789'));
    fake.putFile(owner.account, '/Shared/sub/two.mp4', Buffer.from('two'));
    const folder = fake.publish(owner.account, '/Shared');
    const single = fake.publish(owner.account, '/Shared/sub/two.mp4');

    const files = await client.listPublic(folder.publicUrl, { recursive: true });
    expect(files.map((f) => [f.path, f.size])).toEqual([
      ['/one.mp4', 10],
      ['/sub/two.mp4', 3],
    ]);
    expect(await client.listPublic(folder.publicKey)).toHaveLength(1);
    const [file] = await client.listPublic(single.publicKey);
    expect(file).toMatchObject({ type: 'file', name: 'two.mp4', size: 3, publicUrl: single.publicUrl });

    // The href redirects to the storage node; both hops go through the guard, and ranges work.
    const http = new OutboundHttp(new OutboundPolicy({ allowedHosts: '127.0.0.1' }));
    const href = await client.publicDownloadHref(folder.publicKey, '/one.mp4');
    const ranged = await http.request(href, { headers: { range: 'bytes=4-' } });
    const chunks: Buffer[] = [];
    for await (const chunk of ranged.body) chunks.push(chunk as Buffer);
    expect([ranged.status, ranged.headers['content-range'], Buffer.concat(chunks).toString()]).toEqual([206, 'bytes 4-9/10', '456789']);

    await expect(client.listPublic('no-such-key')).rejects.toMatchObject({ code: 'YANDEX_DISK.NOT_FOUND' });
  });

  it('uploads a stream into folders it makes, refuses to overwrite unless asked, removes, publishes and unpublishes', async () => {
    const granted = fake.grant();
    const a = account(granted);
    const size = 24 * 1024 * 1024 + 123;
    const body = generated(size);
    await client.mkdirp(a, '/Video/Uploads/2026/March');
    await client.mkdirp(a, '/Video/Uploads/2026/March');
    let reported = 0;
    await client.upload(a, '/Video/Uploads/2026/March/lecture.mp4', { open: body.open, size, contentType: 'video/mp4' }, { onBytes: (n) => (reported = n) });
    const stored = fake.file(granted.account, '/Video/Uploads/2026/March/lecture.mp4')!;
    expect([stored.bytes.length, stored.md5, reported]).toEqual([size, body.md5, size]);

    const small = { open: () => Readable.from([Buffer.from('new bytes')]), size: 9 };
    await expect(client.upload(a, '/Video/Uploads/2026/March/lecture.mp4', small)).rejects.toMatchObject({ code: 'YANDEX_DISK.ALREADY_EXISTS', status: 409 });
    expect(fake.file(granted.account, '/Video/Uploads/2026/March/lecture.mp4')!.bytes.length).toBe(size);
    await client.upload(a, '/Video/Uploads/2026/March/lecture.mp4', small, { overwrite: true });
    expect(fake.file(granted.account, '/Video/Uploads/2026/March/lecture.mp4')!.bytes.toString()).toBe('new bytes');
    await expect(client.upload(a, '/Missing/folder/x.mp4', small)).rejects.toMatchObject({ code: 'YANDEX_DISK.REJECTED', details: { reason: 'DiskPathDoesntExistsError' } });

    const { publicUrl } = await client.publish(a, '/Video/Uploads/2026/March/lecture.mp4');
    expect(publicUrl).toMatch(/^https:\/\/disk\.yandex\.ru\/i\//);
    expect((await client.listPublic(publicUrl)).map((f) => f.name)).toEqual(['lecture.mp4']);
    await client.unpublish(a, '/Video/Uploads/2026/March/lecture.mp4');
    await expect(client.listPublic(publicUrl)).rejects.toMatchObject({ code: 'YANDEX_DISK.NOT_FOUND' });

    expect(await client.remove(a, '/Video/Uploads/2026/March/lecture.mp4', { permanently: true })).toBe(true);
    expect(await client.remove(a, '/Video/Uploads/2026/March/lecture.mp4')).toBe(false);
    expect(fake.file(granted.account, '/Video/Uploads/2026/March/lecture.mp4')).toBeUndefined();
  });

  it('uploads 128 MiB with flat memory: the stream goes to the href as it is read', async () => {
    const granted = fake.grant();
    const size = 128 * MIB;
    const body = generated(size);
    fake.hashUploadsOnly(true);
    try {
      const { growthBytes: growth } = await peakLiveGrowth(() => client.upload(account(granted), '/big.mp4', { open: body.open, size }), 250);
      expect(fake.file(granted.account, '/big.mp4')).toMatchObject({ size, md5: body.md5 });
      // Flat: a few chunks in flight, far from the file's size.
      expect(growth).toBeLessThan(32 * MIB);
    } finally {
      fake.hashUploadsOnly(false);
    }
  }, 300_000);

  it('refreshes an expired access token once and hands the new one back; a revoked account is NEEDS_REAUTH', async () => {
    const expired = fake.grant('teacher');
    fake.expire(expired.accessToken);
    const a = account(expired);
    const refreshes = fake.stats.refreshes;
    expect(await client.owner(a)).toMatchObject({ login: 'teacher', uid: expired.account.uid });
    expect(fake.stats.refreshes - refreshes).toBe(1);
    expect(a.refreshed).toHaveLength(1);
    expect(a.refreshed[0]!.accessToken).not.toBe(expired.accessToken);
    expect(a.refreshed[0]!.refreshToken).toBe(expired.refreshToken);
    await client.owner(a);
    expect(fake.stats.refreshes - refreshes).toBe(1);

    const revoked = fake.grant();
    fake.revoke(revoked.refreshToken);
    const failure = await client.list(account(revoked), '/').catch((e: unknown) => e);
    expect(failure).toMatchObject({ code: 'YANDEX_DISK.NEEDS_REAUTH', retryable: false, details: { needsReauth: true, reason: 'invalid_grant' } });
    expect(JSON.stringify(failure)).not.toContain(revoked.refreshToken);
    expect(String((failure as Error).message)).not.toContain(revoked.accessToken);
    await expect(client.list({ tokens: { accessToken: 'nope' } }, '/')).rejects.toMatchObject({ code: 'YANDEX_DISK.NEEDS_REAUTH' });
  });

  it("connects an account from an OAuth code: its tokens and its login as the account name", async () => {
    const granted = fake.grant('lecturer');
    const connected = await client.connect(fake.code(granted.account));
    expect(connected).toMatchObject({ accountName: 'lecturer', uid: granted.account.uid, tokens: { accessToken: expect.any(String), refreshToken: expect.any(String) } });
    expect(fake.accountOf(connected.tokens.accessToken)).toBe(granted.account);
  });

  it('browses a folder one page at a time, folders and files alike', async () => {
    const granted = fake.grant();
    for (const name of ['a.mp4', 'b.mp4', 'c.mp4']) fake.putFile(granted.account, `/Pick/${name}`, Buffer.from(name));
    fake.mkdir(granted.account, '/Pick/Archive');
    const first = await client.browse(account(granted), '/Pick', { limit: 2 });
    expect([first.folder.path, first.total, first.items.map((i) => [i.type, i.name])]).toEqual([
      'disk:/Pick',
      4,
      [
        ['file', 'a.mp4'],
        ['dir', 'Archive'],
      ],
    ]);
    const second = await client.browse(account(granted), '/Pick', { limit: 2, offset: 2 });
    expect(second.items.map((i) => i.name)).toEqual(['b.mp4', 'c.mp4']);
  });

  it('exchanges an authorization code for tokens once', async () => {
    const code = fake.code();
    const tokens = await client.exchangeCode(code);
    expect(tokens).toMatchObject({ accessToken: expect.stringMatching(/^y0_/), refreshToken: expect.any(String), expiresIn: expect.any(Number) });
    expect((await client.owner({ tokens })).login).toMatch(/^user/);
    await expect(client.exchangeCode(code)).rejects.toMatchObject({ code: 'YANDEX_DISK.NEEDS_REAUTH', details: { reason: 'invalid_grant' } });
  });

  it('waits out a 429 by its Retry-After, and hands a longer storm to the caller as RATE_LIMITED', async () => {
    const granted = fake.grant();
    fake.putFile(granted.account, '/x.mp4', Buffer.from('x'));
    waits.length = 0;
    fake.failNext(2, 429, 'TooManyRequestsError', 3);
    expect((await client.list(account(granted), '/')).map((f) => f.name)).toEqual(['x.mp4']);
    expect(waits).toEqual([3000, 3000]);

    fake.failNext(1, 429, 'TooManyRequestsError', 3600);
    await expect(client.list(account(granted), '/')).rejects.toMatchObject({ code: 'YANDEX_DISK.RATE_LIMITED', retryable: true, details: { retryAfterSeconds: 3600 } });
    fake.failNext(1, 503, 'ServiceUnavailableError');
    await expect(client.list(account(granted), '/')).rejects.toMatchObject({ code: 'YANDEX_DISK.UNAVAILABLE', retryable: true });
  });

  it('goes through the address guard: an internal address not named in OUTBOUND_ALLOWED_HOSTS is refused', async () => {
    const strict = new YandexDiskClient(
      { apiBaseUrl: fake.apiBaseUrl, oauthBaseUrl: fake.oauthBaseUrl, clientId: fake.clientId, clientSecret: fake.clientSecret },
      new OutboundHttp(new OutboundPolicy()),
    );
    const calls = fake.stats.apiCalls;
    await expect(strict.list(account(fake.grant()), '/')).rejects.toMatchObject({ code: 'OUTBOUND.ADDRESS_NOT_ALLOWED', status: 422 });
    expect(fake.stats.apiCalls).toBe(calls);
  });
});
