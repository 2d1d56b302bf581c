import { DataSource } from 'typeorm';
import { OBJECT_STORE } from '@leap/platform';
import { createServiceWorld, type ServiceWorld } from '@leap/service-testing';
import { storageKeys, type ObjectStore } from '@leap/storage-client';
import { freePort, jpegImage, pngImage, startFakeS3, type FakeS3 } from '@leap/testing';
import { expectProblem, gatewayTestEnv, httpClient, rawExchange, startGateway, verifiedUser, type Account } from '../testing';

const BUCKET = 'leap-thumbnails';

let fake: FakeS3;
beforeAll(async () => {
  fake = await startFakeS3({ buckets: [BUCKET] });
});
afterAll(() => fake?.close());

function imageForm(bytes: Buffer, filename: string, customFilename?: string): FormData {
  const form = new FormData();
  form.append('file', new Blob([bytes]), filename);
  if (customFilename !== undefined) form.append('custom_filename', customFilename);
  return form;
}

const backends: [string, () => Record<string, string>][] = [
  ['local', () => ({})],
  [
    's3',
    () => ({
      STORAGE_BACKEND: 's3',
      S3_BUCKET: BUCKET,
      S3_REGION: fake.region,
      S3_ENDPOINT: fake.endpoint,
      S3_ACCESS_KEY_ID: fake.accessKeyId,
      S3_SECRET_ACCESS_KEY: fake.secretAccessKey,
      S3_FORCE_PATH_STYLE: 'true',
      S3_PREFIX: 'thumbs',
    }),
  ],
];

describe.each(backends)('thumbnails through the gateway (%s storage)', (backend, storageEnv) => {
  let world: ServiceWorld;
  let db: DataSource;
  let base: string;
  let store: ObjectStore;
  const client = httpClient(() => base);
  const { call } = client;
  let alice: Account;
  let bob: Account;
  const shared = pngImage(64, 36);
  let jpeg: Buffer;

  beforeAll(async () => {
    jpeg = await jpegImage(160, 90);
    const port = await freePort();
    world = await createServiceWorld(`gateway_thumbnails_${backend}`, gatewayTestEnv({ AUTH_REQUIRE_VERIFIED_EMAIL: 'false', ...storageEnv() }));
    const gateway = await startGateway(world, { port });
    ({ db, base } = gateway);
    store = gateway.app.get(OBJECT_STORE);
    alice = await verifiedUser(client, db, `alice-thumbs-${backend}@example.org`);
    bob = await verifiedUser(client, db, `bob-thumbs-${backend}@example.org`);
    // The shared library, and Alice's copy of one of its images (as the storage service makes at registration).
    await store.put(storageKeys.sharedThumbnail('lecture.png'), shared, { contentType: 'image/png' });
    await store.put(storageKeys.sharedThumbnail('meeting.png'), shared, { contentType: 'image/png' });
    await store.put(storageKeys.userThumbnail(alice.id, 'lecture.png'), shared, { contentType: 'image/png' });
  }, 300_000);

  afterAll(() => world?.close());

  const names = async (owner: Account) => (await call('GET', '/api/v1/thumbnails', { token: owner.token })).body.thumbnails.map((t: any) => `${t.name}:${t.isTemplate}`);

  it('lists the user\'s copies, then the shared images the user has none of', async () => {
    const list = await call('GET', '/api/v1/thumbnails', { token: alice.token });
    expect(list.status).toBe(200);
    expect(list.body.thumbnails).toEqual([
      { name: 'lecture.png', url: '/api/v1/thumbnails/lecture.png', isTemplate: false, sizeBytes: shared.length, contentType: 'image/png', modifiedAt: expect.any(String) },
      { name: 'meeting.png', url: '/api/v1/thumbnails/meeting.png', isTemplate: true, sizeBytes: shared.length, contentType: 'image/png', modifiedAt: expect.any(String) },
    ]);
    expect(await names(bob)).toEqual(['lecture.png:true', 'meeting.png:true']);
  });

  it('uploads a PNG and a JPEG checked by content, under the documented key; the same name again is 409', async () => {
    const png = pngImage(1280, 720);
    const created = await call('POST', '/api/v1/thumbnails', { token: alice.token, form: imageForm(png, 'My Slide 1.png') });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({ message: 'Thumbnail created', thumbnail: expect.objectContaining({ name: 'My_Slide_1.png', isTemplate: false, sizeBytes: png.length, contentType: 'image/png' }) });
    expect((await store.getBuffer(`users/${alice.id}/thumbnails/My_Slide_1.png`)).equals(png)).toBe(true);

    const custom = await call('POST', '/api/v1/thumbnails', { token: alice.token, form: imageForm(jpeg, 'photo.jpeg', 'cover') });
    expect(custom.status).toBe(201);
    expect(custom.body.thumbnail).toMatchObject({ name: 'cover.jpeg', contentType: 'image/jpeg' });
    expect(await store.exists(storageKeys.userThumbnail(alice.id, 'cover.jpeg'))).toBe(true);

    expectProblem(await call('POST', '/api/v1/thumbnails', { token: alice.token, form: imageForm(png, 'other.png', 'My_Slide_1') }), 409, 'THUMBNAIL.EXISTS');
    // Bob's library is his own: the same name is free for him.
    expect((await call('POST', '/api/v1/thumbnails', { token: bob.token, form: imageForm(png, 'My_Slide_1.png') })).status).toBe(201);
  });

  it('refuses what is not a PNG or JPEG by content, a mismatched extension, more than 2 MB, and unsafe names', async () => {
    const post = (form: FormData) => call('POST', '/api/v1/thumbnails', { token: alice.token, form });
    expectProblem(await post(imageForm(Buffer.from('<html>not an image</html>'), 'fake.png')), 415, 'THUMBNAIL.UNSUPPORTED_TYPE');
    expectProblem(await post(imageForm(Buffer.from('GIF89a\x01\x00\x01\x00\x00\x00\x00;', 'latin1'), 'anim.gif')), 415, 'THUMBNAIL.UNSUPPORTED_TYPE');
    expectProblem(await post(imageForm(jpeg, 'disguised.png')), 415, 'THUMBNAIL.UNSUPPORTED_TYPE');
    expectProblem(await post(imageForm(pngImage(64, 36).subarray(0, 60), 'cut.png')), 415, 'THUMBNAIL.UNSUPPORTED_TYPE');
    // 2 MiB of noise does not compress: one over the limit.
    const big = pngImage(1024, 700, { noise: true });
    expect(big.length).toBeGreaterThan(2 * 1024 * 1024);
    expectProblem(await post(imageForm(big, 'big.png')), 413, 'THUMBNAIL.TOO_LARGE');
    expectProblem(await post(imageForm(shared, 'x.png', '../../shared/thumbnails/lecture')), 400, 'STORAGE.UNSAFE_PATH');
    expectProblem(await post(imageForm(shared, 'x.png', 'a%2F..%2Fb')), 400, 'STORAGE.UNSAFE_PATH');
    expectProblem(await post(imageForm(shared, 'x.png', 'bad name!')), 400, 'THUMBNAIL.INVALID_NAME');
    expectProblem(await post(imageForm(shared, '..%2F..%2Fshared%2Fthumbnails%2Flecture.png')), 400, 'STORAGE.UNSAFE_PATH');
    // A body that ends inside the file part (no closing boundary) is the client's fault.
    const cut = Buffer.from('--cut7\r\nContent-Disposition: form-data; name="file"; filename="a.png"\r\n\r\nunterminated');
    const raw = await rawExchange(
      base,
      `POST /api/v1/thumbnails HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer ${alice.token}\r\nContent-Type: multipart/form-data; boundary=cut7\r\nContent-Length: ${cut.length}\r\nConnection: close`,
      [cut],
    );
    expect(raw?.body).toMatchObject({ status: 400, code: 'REQUEST.MALFORMED' });
    expect(await names(alice)).toEqual(['My_Slide_1.png:false', 'cover.jpeg:false', 'lecture.png:false', 'meeting.png:true']);
  });

  it('replaces with PUT (200, or 201 for a new name), only with an image of the type the name says', async () => {
    const newer = pngImage(320, 180);
    const replaced = await call('PUT', '/api/v1/thumbnails/lecture.png', { token: alice.token, form: imageForm(newer, 'anything.png') });
    expect(replaced.status).toBe(200);
    expect(replaced.body).toMatchObject({ message: 'Thumbnail replaced', thumbnail: { name: 'lecture.png', sizeBytes: newer.length } });
    expect((await store.getBuffer(storageKeys.userThumbnail(alice.id, 'lecture.png'))).equals(newer)).toBe(true);
    // The shared library is untouched.
    expect((await store.getBuffer(storageKeys.sharedThumbnail('lecture.png'))).equals(shared)).toBe(true);

    const created = await call('PUT', '/api/v1/thumbnails/intro.jpg', { token: alice.token, form: imageForm(jpeg, 'intro.jpg') });
    expect(created.status).toBe(201);
    expectProblem(await call('PUT', '/api/v1/thumbnails/intro.png', { token: alice.token, form: imageForm(jpeg, 'intro.jpg') }), 400, 'THUMBNAIL.EXTENSION_MISMATCH');
    expectProblem(await call('PUT', '/api/v1/thumbnails/intro.gif', { token: alice.token, form: imageForm(newer, 'intro.png') }), 400, 'THUMBNAIL.INVALID_NAME');
    const raw = await rawExchange(base, `PUT /api/v1/thumbnails/..%2F..%2Fshared%2Fthumbnails%2Flecture.png HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer ${alice.token}\r\nContent-Length: 0\r\nConnection: close`);
    expect(raw?.body).toMatchObject({ status: 400, code: 'STORAGE.UNSAFE_PATH' });
  });

  it('serves the user\'s copy, else the shared one, and deletes only the user\'s copies', async () => {
    const own = await call('GET', '/api/v1/thumbnails/lecture.png', { token: alice.token });
    expect({ status: own.status, type: own.headers.get('content-type'), length: own.headers.get('content-length') }).toEqual({ status: 200, type: 'image/png', length: String(pngImage(320, 180).length) });
    const fallback = await call('GET', '/api/v1/thumbnails/meeting.png', { token: alice.token });
    expect(fallback.status).toBe(200);
    expect(Number(fallback.headers.get('content-length'))).toBe(shared.length);
    expectProblem(await call('GET', '/api/v1/thumbnails/meeting.png?use_template=false', { token: alice.token }), 404, 'THUMBNAIL.NOT_FOUND');
    expectProblem(await call('GET', '/api/v1/thumbnails/cover.jpeg', { token: bob.token }), 404, 'THUMBNAIL.NOT_FOUND');

    expect((await call('DELETE', '/api/v1/thumbnails/lecture.png', { token: alice.token })).status).toBe(204);
    expect(await store.exists(storageKeys.userThumbnail(alice.id, 'lecture.png'))).toBe(false);
    // Deleted copy: the shared image shows through again; the shared library cannot be deleted.
    expect(Number((await call('GET', '/api/v1/thumbnails/lecture.png', { token: alice.token })).headers.get('content-length'))).toBe(shared.length);
    expectProblem(await call('DELETE', '/api/v1/thumbnails/lecture.png', { token: alice.token }), 404, 'THUMBNAIL.NOT_FOUND');
    expectProblem(await call('DELETE', '/api/v1/thumbnails/meeting.png', { token: alice.token }), 404, 'THUMBNAIL.NOT_FOUND');
    expect(await store.exists(storageKeys.sharedThumbnail('meeting.png'))).toBe(true);
    if (backend === 's3') expect(fake.keys(BUCKET)).toEqual(expect.arrayContaining([`thumbs/users/${alice.id}/thumbnails/cover.jpeg`, 'thumbs/shared/thumbnails/lecture.png']));
  });
});
