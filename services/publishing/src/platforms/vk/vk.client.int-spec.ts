import { randomBytes } from 'node:crypto';
import { startFakeVk, type FakeVk } from '@leap/testing';
import { PlatformGate, type GateSettings } from '../platform-gate';
import { VkClient, type VkAccount, type VkTokens } from './vk.client';

const save = { name: 'Линейная алгебра 3', description: 'Матрицы', privacyView: 0, privacyComment: 1, wallpost: false, noComments: false, repeat: false, compression: false };

describe('VkClient against the fake VK ID and VK API', () => {
  let fake: FakeVk;
  let client: VkClient;

  beforeAll(async () => {
    fake = await startFakeVk();
    client = new VkClient({ apiBaseUrl: fake.apiBaseUrl, idBaseUrl: fake.idBaseUrl, clientId: fake.clientId, apiVersion: '5.131' });
  });
  afterAll(() => fake?.close());

  function account(tokens: VkTokens, gate?: PlatformGate, key = 'account'): VkAccount & { refreshed: VkTokens[] } {
    const refreshed: VkTokens[] = [];
    return { tokens, refreshed, onRefreshed: async (t) => void refreshed.push({ ...t }), ...(gate ? { throttle: (call) => gate.run(key, call) } : {}) };
  }
  const file = (bytes: Buffer) => ({ size: bytes.length, name: 'lecture.mp4', contentType: 'video/mp4', open: async () => [bytes] });

  it('saves a video into a group album with its privacy, then uploads the file to the upload_url', async () => {
    const acc = account(fake.grant());
    const saved = await client.saveVideo(acc, { ...save, groupId: 42, albumId: 7 });
    const bytes = randomBytes(100_000);
    const uploaded = await client.uploadFile(saved.uploadUrl, file(bytes));
    const video = fake.videos.get(uploaded.videoId)!;
    expect(uploaded.ownerId).toBe(-42);
    expect(video.bytes.equals(bytes)).toBe(true);
    expect(video.params).toMatchObject({ name: save.name, description: 'Матрицы', group_id: '42', album_id: '7', privacy_view: 'all', privacy_comment: 'friends', v: '5.131' });
    expect(video.params.access_token).toBeUndefined();
    await client.deleteVideo(acc, uploaded.ownerId, uploaded.videoId);
    expect(video.deleted).toBe(true);
  });

  it('refreshes an expired VK ID token once with its device id, hands the new tokens back, and goes on', async () => {
    const tokens = fake.grant();
    fake.expire(tokens.accessToken);
    const acc = account(tokens);
    const before = fake.stats.refreshes;
    await client.saveVideo(acc, save);
    expect(fake.stats.refreshes - before).toBe(1);
    expect(acc.refreshed).toEqual([{ accessToken: expect.stringMatching(/^vk1\.a\./), refreshToken: expect.stringMatching(/^vk1\.r\./), deviceId: tokens.deviceId }]);
    expect(acc.refreshed[0]!.refreshToken).not.toBe(tokens.refreshToken);
  });

  it('says a revoked account, or an implicit-flow token that expired, needs to be connected again', async () => {
    const tokens = fake.grant();
    fake.revoke(tokens.refreshToken);
    await expect(client.saveVideo(account(tokens), save)).rejects.toMatchObject({ code: 'PUBLISHING.CREDENTIAL_REVOKED', retryable: false, details: { needsReauth: true } });
    const implicit = fake.implicitGrant();
    fake.expire(implicit.accessToken);
    await expect(client.saveVideo(account({ accessToken: implicit.accessToken }), save)).rejects.toMatchObject({ code: 'PUBLISHING.CREDENTIAL_REVOKED' });
  });

  it("maps VK's error objects: 6 and 9 are retryable rate limits, 15 a refusal", async () => {
    const acc = account(fake.grant());
    fake.failNext(1, 6);
    await expect(client.saveVideo(acc, save)).rejects.toMatchObject({ code: 'PUBLISHING.RATE_LIMITED', retryable: true, details: { vkErrorCode: 6 } });
    fake.failNext(1, 9);
    await expect(client.saveVideo(acc, save)).rejects.toMatchObject({ code: 'PUBLISHING.RATE_LIMITED', retryable: true, details: { vkErrorCode: 9 } });
    fake.failNext(1, 15);
    await expect(client.saveVideo(acc, save)).rejects.toMatchObject({ code: 'PUBLISHING.PLATFORM_REJECTED', retryable: false });
  });

  describe('per-account gate', () => {
    const settings: GateSettings = { requestsPerSecond: 0, burst: 1, failureThreshold: 3, cooldownMs: 300, maxWaitMs: 60_000 };

    it('opens the circuit after repeated flood errors; later calls wait instead of reaching VK, and a half-open probe closes it', async () => {
      const gate = new PlatformGate('VK', settings);
      const acc = account(fake.grant(), gate);
      const served = fake.stats.failuresServed;
      fake.failNext(3, 9);
      await expect(client.saveVideo(acc, save)).rejects.toMatchObject({ code: 'PUBLISHING.RATE_LIMITED' });
      await expect(client.saveVideo(acc, save)).rejects.toMatchObject({ code: 'PUBLISHING.RATE_LIMITED' });
      await expect(client.saveVideo(acc, save)).rejects.toMatchObject({ code: 'PUBLISHING.CIRCUIT_OPEN', retryable: true, message: expect.stringContaining('3 failures in a row') });
      expect(gate.isOpen('account')).toBe(true);

      // VK is still flooded for one more call: the probe gets it and the circuit opens again.
      fake.failNext(1, 9);
      const callsBefore = fake.stats.apiCalls;
      const results = await Promise.allSettled(Array.from({ length: 5 }, () => client.saveVideo(acc, save)));
      // One probe failed and re-opened the circuit; the four calls that waited went through once it had closed.
      expect(results.filter((r) => r.status === 'rejected').map((r) => (r as PromiseRejectedResult).reason.code)).toEqual(['PUBLISHING.CIRCUIT_OPEN']);
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(4);
      // Nothing hammered VK while the circuit was open: the probe, then one call each.
      expect(fake.stats.apiCalls - callsBefore).toBe(5);
      expect(fake.stats.failuresServed - served).toBe(4);
      expect(gate.isOpen('account')).toBe(false);
    });

    it('a call that cannot wait for the circuit gives up with CIRCUIT_OPEN and when to try again', async () => {
      const gate = new PlatformGate('VK', { ...settings, failureThreshold: 1, cooldownMs: 60_000, maxWaitMs: 10 });
      const acc = account(fake.grant(), gate);
      fake.failNext(1, 6);
      await expect(client.saveVideo(acc, save)).rejects.toMatchObject({ code: 'PUBLISHING.CIRCUIT_OPEN' });
      const calls = fake.stats.apiCalls;
      await expect(client.saveVideo(acc, save)).rejects.toMatchObject({ code: 'PUBLISHING.CIRCUIT_OPEN', details: { retryInMs: expect.any(Number) } });
      expect(fake.stats.apiCalls).toBe(calls);
      // Another account of the same platform is not affected.
      await expect(client.saveVideo(account(fake.grant(), gate, 'other'), save)).resolves.toMatchObject({ uploadUrl: expect.any(String) });
    });

    it("keeps one account under VK's per-second limit, which the fake enforces", async () => {
      fake.limitPerSecond(3);
      try {
        const acc = account(fake.grant(), new PlatformGate('VK', { ...settings, requestsPerSecond: 2, burst: 1 }));
        const results = await Promise.allSettled(Array.from({ length: 6 }, () => client.saveVideo(acc, save)));
        expect(results.map((r) => r.status)).toEqual(Array(6).fill('fulfilled'));
        // Without the limit the same burst is refused with error 6.
        const unlimited = account(fake.grant());
        const burst = await Promise.allSettled(Array.from({ length: 6 }, () => client.saveVideo(unlimited, save)));
        expect(burst.some((r) => r.status === 'rejected' && r.reason.code === 'PUBLISHING.RATE_LIMITED')).toBe(true);
      } finally {
        fake.limitPerSecond(0);
      }
    });
  });
});
