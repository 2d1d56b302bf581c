import { DataSource } from 'typeorm';
import { newMessageId } from '@leap/messaging';
import { OBJECT_STORE } from '@leap/platform';
import { createServiceWorld, type ServiceWorld } from '@leap/service-testing';
import { storageKeys, type ObjectStore } from '@leap/storage-client';
import { expectProblem, expectRawProblem, gatewayTestEnv, httpClient, rawExchange, startGateway, verifiedUser, type Account } from '../testing';

/**
 * Whatever a caller sends that could name a storage key is refused before storage is asked: path
 * traversal, encoded slashes and dots (sent on a raw connection, since fetch would normalise
 * them), and keys of another tenant.
 */
describe('storage-facing input', () => {
  let world: ServiceWorld;
  let db: DataSource;
  let base: string;
  let store: ObjectStore;
  const client = httpClient(() => base);
  const { call } = client;
  let alice: Account;
  let bob: Account;
  let aliceKey: string;
  let bobKey: string;
  let bobRecording: string;

  beforeAll(async () => {
    world = await createServiceWorld('gateway_storage_input', gatewayTestEnv({ AUTH_REQUIRE_VERIFIED_EMAIL: 'false' }));
    const gateway = await startGateway(world);
    ({ db, base } = gateway);
    store = gateway.app.get(OBJECT_STORE);
    alice = await verifiedUser(client, db, 'alice-input@example.org');
    bob = await verifiedUser(client, db, 'bob-input@example.org');
    aliceKey = (await store.put(storageKeys.source(alice.id, newMessageId(), 'mp4'), Buffer.from('alice video'))).key;
    bobRecording = newMessageId();
    bobKey = (await store.put(storageKeys.source(bob.id, bobRecording, 'mp4'), Buffer.from('bob video'))).key;
    await store.put(storageKeys.sharedThumbnail('lecture.png'), Buffer.from('shared'));
  }, 300_000);

  afterAll(() => world?.close());

  const stream = (key: string, owner = alice, headers: Record<string, string> = {}) =>
    call('GET', `/api/v1/storage/stream?key=${encodeURIComponent(key)}`, { token: owner.token, headers });

  it('streams an object of the caller, whole or a range, and one of the shared library', async () => {
    const whole = await stream(aliceKey);
    expect({ status: whole.status, text: whole.text }).toEqual({ status: 200, text: 'alice video' });
    const range = await stream(aliceKey, alice, { range: 'bytes=6-' });
    expect({ status: range.status, text: range.text, contentRange: range.headers.get('content-range') }).toEqual({ status: 206, text: 'video', contentRange: 'bytes 6-10/11' });
    expect((await stream('shared/thumbnails/lecture.png')).text).toBe('shared');
    expectProblem(await stream(`users/${alice.id}/recordings/${newMessageId()}/source.mp4`), 404, 'STORAGE.NOT_FOUND');
  });

  it("refuses another tenant's key, the same whether or not the object exists", async () => {
    expectProblem(await stream(bobKey), 404, 'STORAGE.FOREIGN_KEY');
    expectProblem(await stream(`users/${bob.id}/recordings/${newMessageId()}/source.mp4`), 404, 'STORAGE.FOREIGN_KEY');
    expect((await stream(bobKey, bob)).text).toBe('bob video');
  });

  it('refuses traversal and encoded separators in a key', async () => {
    const keys = [
      `users/${alice.id}/../${bob.id}/recordings/${bobRecording}/source.mp4`,
      `users/${alice.id}/recordings/%2e%2e/%2e%2e/${bob.id}/recordings/${bobRecording}/source.mp4`,
      `users/${alice.id}%2F..%2F${bob.id}/recordings/${bobRecording}/source.mp4`,
      `shared/../users/${bob.id}/recordings/${bobRecording}/source.mp4`,
      `users\\${alice.id}\\x`,
      '/etc/passwd',
    ];
    for (const key of keys) {
      const reply = await stream(key);
      expectProblem(reply, 400, 'STORAGE.UNSAFE_PATH');
      expect(reply.body.errors).toEqual([expect.objectContaining({ field: 'key' })]);
    }
  });

  it('refuses encoded slashes and dot segments in any path parameter, before the route uses it', async () => {
    const paths = [
      `/api/v1/recordings/..%2F..%2F${bob.id}/subtitles.srt`,
      '/api/v1/recordings/%2e%2e/transcript.json',
      '/api/v1/recordings/%2E%2E/media?type=original',
      `/api/v1/recordings/${bobRecording}%2F..%2F..%2F/subtitles.vtt`,
      '/api/v1/recordings/a%5C..%5Cb',
      '/api/v1/recordings/%252e%252e/transcript.txt',
      '/api/v1/media/..%2F..%2Fetc%2Fpasswd?expires=1&signature=x',
    ];
    for (const path of paths) {
      const reply = await rawExchange(base, `GET ${path} HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer ${alice.token}\r\nConnection: close`);
      expectRawProblem(reply, 400, 'STORAGE.UNSAFE_PATH');
    }
  });
});
