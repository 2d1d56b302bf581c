import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { MessageBus, type UntypedMessages } from '@leap/messaging';
import { createServiceWorld, type ServiceWorld } from '@leap/service-testing';
import { publishingService } from '@leap/publishing-service';
import { LocalObjectStore, storageKeys } from '@leap/storage-client';
import { eventually } from '@leap/testing';
import { expectProblem, gatewayTestEnv, httpClient, ingestStandIn, startGateway, verifiedUser, type Account } from '../services/gateway/src/testing';

/**
 * Output presets over HTTP: the gateway's routes answered by the publishing service over
 * request/reply (both services in this process, on the real broker and database).
 */
describe('output presets and credentials through the gateway and the publishing service', () => {
  let world: ServiceWorld;
  let base = '';
  const client = httpClient(() => base);
  const { call } = client;
  let alice: Account;
  let bob: Account;
  let ingestBus: MessageBus<UntypedMessages>;
  let ingestDb: DataSource;
  let store: LocalObjectStore;

  beforeAll(async () => {
    world = await createServiceWorld('presets', gatewayTestEnv({ AUTH_REQUIRE_VERIFIED_EMAIL: 'false' }));
    await world.start(publishingService, { env: { CREDENTIALS_KEYRING: `k1:${'1'.repeat(64)}` } });
    // Uploads by hand ask ingest for the recording's config: none here but the presets'.
    const ingest = await world.start(ingestStandIn(() => undefined, { resolveConfig: () => ({ effective: { processing: {}, metadata: {}, output: {} } }) }));
    ingestBus = ingest.app.get(MessageBus);
    ingestDb = ingest.app.get(DataSource);
    store = new LocalObjectStore(world.storageRoot);
    const gateway = await startGateway(world);
    base = gateway.base;
    alice = await verifiedUser(client, gateway.db, 'alice@example.org');
    bob = await verifiedUser(client, gateway.db, 'bob@example.org');
  }, 300_000);

  afterAll(() => world?.close());

  const youtube = {
    name: 'Lectures on YouTube',
    platform: 'youtube',
    metadata: { titleTemplate: '{{ display_name }} ({{ record_date }})', descriptionTemplate: '{{ summary }}\n\n{{ topics }}', privacy: 'private', tags: ['math'] },
  };

  it('creates a preset with its metadata typed and defaulted, and finds it again', async () => {
    const created = await call('POST', '/api/v1/presets', { token: alice.token, json: youtube });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({
      id: expect.any(String),
      name: 'Lectures on YouTube',
      description: '',
      platform: 'youtube',
      credentialId: null,
      metadata: {
        ...youtube.metadata,
        categoryId: '27',
        madeForKids: false,
        embeddable: true,
        license: 'youtube',
        notifySubscribers: true,
        uploadCaptions: true,
      },
      isActive: true,
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
    });
    const found = await call('GET', `/api/v1/presets/${created.body.id}`, { token: alice.token });
    expect(found.body).toEqual(created.body);
    // Another user's preset does not exist for them.
    expectProblem(await call('GET', `/api/v1/presets/${created.body.id}`, { token: bob.token }), 404, 'PRESET.NOT_FOUND');
    expectProblem(await call('POST', '/api/v1/presets', { token: alice.token, json: youtube }), 409, 'PRESET.NAME_TAKEN');
  });

  it('refuses metadata that does not fit the platform, and templates that do not parse or name no variable, with stable codes', async () => {
    const bad = (metadata: object, platform = 'youtube') => call('POST', '/api/v1/presets', { token: alice.token, json: { name: `bad ${Math.random()}`, platform, metadata } });
    const wrongPrivacy = await bad({ privacy: 'everyone' });
    expectProblem(wrongPrivacy, 422, 'PRESET.INVALID');
    expect(wrongPrivacy.body.detail).toContain('metadata.privacy');
    expectProblem(await bad({ folderPathTemplate: '/x' }), 422, 'PRESET.INVALID');
    expectProblem(await bad({ privacyView: 7 }, 'vk_video'), 422, 'PRESET.INVALID');
    expectProblem(await bad({ titleTemplate: '{% if display_name %}open' }), 422, 'PUBLISHING.TEMPLATE_SYNTAX');
    expectProblem(await bad({ titleTemplate: 'Always the same' }), 422, 'PUBLISHING.TEMPLATE_NEEDS_VARIABLE');
    expectProblem(await bad({ descriptionTemplate: '{% include "/etc/passwd" %}' }), 422, 'PUBLISHING.TEMPLATE_SYNTAX');
    expectProblem(
      await bad({ descriptionTemplate: '{% for i in (1..1000) %}{% for j in (1..1000) %}{% for k in (1..1000) %}{% endfor %}{% endfor %}{% endfor %}' }),
      422,
      'PUBLISHING.TEMPLATE_LIMIT_EXCEEDED',
    );
    expectProblem(await call('POST', '/api/v1/presets', { token: alice.token, json: { name: 'x', platform: 'tiktok' } }), 400, 'VALIDATION.FAILED');
    expectProblem(
      await call('POST', '/api/v1/presets', { token: alice.token, json: { name: 'x', platform: 'youtube', credentialId: '01900000-0000-7000-8000-000000000000' } }),
      422,
      'CREDENTIAL.NOT_FOUND',
    );
  });

  it('lists with filters and pages, changes, copies and deletes', async () => {
    const disk = await call('POST', '/api/v1/presets', {
      token: bob.token,
      json: { name: 'Archive', platform: 'yandex_disk', metadata: { folderPathTemplate: '/Lectures/{{ record_date_iso }}', publish: true } },
    });
    expect(disk.status).toBe(201);
    expect(disk.body.metadata).toEqual({ folderPathTemplate: '/Lectures/{{ record_date_iso }}', publish: true, overwrite: false });
    const vk = await call('POST', '/api/v1/presets', { token: bob.token, json: { name: 'VK group', platform: 'vk_video', metadata: { groupId: 42 }, isActive: false } });
    expect(vk.status).toBe(201);

    const all = await call('GET', '/api/v1/presets?pageSize=1', { token: bob.token });
    expect(all.body).toMatchObject({ page: 1, pageSize: 1, total: 2, totalPages: 2, items: [{ name: 'VK group' }] });
    expect((await call('GET', '/api/v1/presets?platform=yandex_disk', { token: bob.token })).body.items.map((p: { name: string }) => p.name)).toEqual(['Archive']);
    expect((await call('GET', '/api/v1/presets?isActive=false', { token: bob.token })).body.items.map((p: { name: string }) => p.name)).toEqual(['VK group']);
    expect((await call('GET', '/api/v1/presets?search=arch', { token: bob.token })).body.total).toBe(1);
    expectProblem(await call('GET', '/api/v1/presets?platform=tiktok', { token: bob.token }), 400, 'VALIDATION.FAILED');

    const patched = await call('PATCH', `/api/v1/presets/${vk.body.id}`, { token: bob.token, json: { isActive: true, metadata: { albumId: 7 } } });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ name: 'VK group', isActive: true, metadata: { albumId: 7, privacyView: 0 } });
    expect(patched.body.metadata.groupId).toBeUndefined();
    expectProblem(await call('PATCH', `/api/v1/presets/${vk.body.id}`, { token: bob.token, json: { name: 'Archive' } }), 409, 'PRESET.NAME_TAKEN');

    const copy = await call('POST', `/api/v1/presets/${disk.body.id}/copy`, { token: bob.token, json: {} });
    expect(copy.status).toBe(201);
    expect(copy.body).toMatchObject({ name: 'Archive (copy)', platform: 'yandex_disk', metadata: disk.body.metadata });
    const second = await call('POST', `/api/v1/presets/${disk.body.id}/copy`, { token: bob.token, json: {} });
    expect(second.body.name).toBe('Archive (copy 2)');

    const bulk = await call('POST', '/api/v1/presets/bulk/delete', { token: bob.token, json: { ids: [copy.body.id, second.body.id, 'not-a-preset'] } });
    expect({ ...bulk.body, deleted: [...bulk.body.deleted].sort() }).toEqual({ deleted: [copy.body.id, second.body.id].sort(), notFound: ['not-a-preset'] });
    expect((await call('DELETE', `/api/v1/presets/${vk.body.id}`, { token: alice.token })).status).toBe(404);
    expect((await call('DELETE', `/api/v1/presets/${vk.body.id}`, { token: bob.token })).status).toBe(204);
    expect((await call('GET', '/api/v1/presets', { token: bob.token })).body.items.map((p: { name: string }) => p.name)).toEqual(['Archive']);
  });

  it('renders a preview with the platform limits, the fallbacks and dates in the time zone given', async () => {
    const preview = await call('POST', '/api/v1/presets/render-preview', {
      token: alice.token,
      json: {
        platform: 'youtube',
        metadata: { titleTemplate: '{{ display_name }} {{ record_datetime }}', descriptionTemplate: '{{ title }}\n{{ topics }}' },
        variables: { display_name: 'Algebra', recorded_at: '2026-03-01T23:30:00Z', topics: [{ text: 'Matrices', start: 65 }] },
        timeZone: 'Europe/Moscow',
      },
    });
    expect(preview.status).toBe(200);
    expect(preview.body).toEqual({
      title: 'Algebra 02.03.2026 02:30',
      description: 'Algebra 02.03.2026 02:30\nТемы:\n1. Matrices',
      titleTruncated: false,
      descriptionTruncated: false,
    });

    const vk = await call('POST', '/api/v1/presets/render-preview', { token: alice.token, json: { platform: 'vk_video', variables: { display_name: 'x'.repeat(200) } } });
    expect(vk.body.title).toHaveLength(128);
    expect(vk.body.titleTruncated).toBe(true);
    expect(vk.body.description).toMatch(/^Uploaded on \d\d\.\d\d\.\d{4}/);

    const saved = (await call('GET', '/api/v1/presets', { token: alice.token })).body.items[0];
    const fromSaved = await call('POST', '/api/v1/presets/render-preview', { token: alice.token, json: { presetId: saved.id, variables: { display_name: 'Algebra', recorded_at: '2026-03-01T23:30:00Z' } } });
    expect(fromSaved.body.title).toBe('Algebra (01.03.2026)');
    expectProblem(
      await call('POST', '/api/v1/presets/render-preview', { token: bob.token, json: { presetId: saved.id } }),
      404,
      'PRESET.NOT_FOUND',
    );
    expectProblem(await call('POST', '/api/v1/presets/render-preview', { token: alice.token, json: { platform: 'youtube', timeZone: 'Mars/Olympus' } }), 422, 'PRESET.INVALID');
  });

  it('adds a credential from tokens, never answers its tokens, and lets a preset of its platform use it', async () => {
    const tokens = { accessToken: 'ya29.secret-access-token', refreshToken: '1//secret-refresh-token' };
    const created = await call('POST', '/api/v1/credentials', { token: alice.token, json: { platform: 'youtube', accountName: 'teacher@example.org', credentials: tokens } });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({
      id: expect.any(String),
      platform: 'youtube',
      purpose: 'output',
      kind: 'oauth',
      accountName: 'teacher@example.org',
      hints: { accessToken: 'ya2…oken', refreshToken: '1//…oken' },
      needsReauth: false,
      isActive: true,
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
      lastUsedAt: null,
    });
    expect(created.text).not.toContain('secret');
    const again = await call('POST', '/api/v1/credentials', { token: alice.token, json: { platform: 'youtube', accountName: 'teacher@example.org', credentials: { accessToken: 'ya29.other' } } });
    expect(again.status).toBe(200);
    expect(again.body.id).toBe(created.body.id);

    const preset = await call('POST', '/api/v1/presets', { token: alice.token, json: { name: 'With account', platform: 'youtube', credentialId: created.body.id } });
    expect(preset.status).toBe(201);
    expect(preset.body.credentialId).toBe(created.body.id);
    // Not for another platform, and not for another user.
    expectProblem(await call('POST', '/api/v1/presets', { token: alice.token, json: { name: 'VK', platform: 'vk_video', credentialId: created.body.id } }), 422, 'CREDENTIAL.NOT_FOUND');
    expectProblem(await call('POST', '/api/v1/presets', { token: bob.token, json: { name: 'Theirs', platform: 'youtube', credentialId: created.body.id } }), 422, 'CREDENTIAL.NOT_FOUND');
    expectProblem(await call('POST', '/api/v1/credentials', { token: alice.token, json: { platform: 'zoom', accountName: 'x', credentials: { clientId: 'no-secret' } } }), 400, 'VALIDATION.FAILED');
    expectProblem(await call('POST', '/api/v1/credentials', { token: alice.token, json: { platform: 'youtube', accountName: 'x', credentials: {} } }), 400, 'VALIDATION.FAILED');
  });

  it('publishes a recording to more targets by hand and lists them with their status', async () => {
    // A recording the gateway's read model knows, with its source in storage (as ingest registers an upload).
    const recordingId = randomUUID();
    const key = storageKeys.source(alice.id, recordingId, 'mp4');
    const stored = await store.put(key, Buffer.alloc(2048, 3), { contentType: 'video/mp4' });
    await ingestDb.transaction((m) =>
      ingestBus.publish(
        m,
        'ingest.recording.registered.v1',
        {
          recordingId,
          userId: alice.id,
          sourceType: 'SOURCE_TYPE_UPLOAD',
          title: 'Graphs',
          source: { key, sizeBytes: String(stored.sizeBytes), checksumSha256: stored.checksumSha256, contentType: 'video/mp4', kind: 'OBJECT_KIND_SOURCE' },
          status: 'RECORDING_STATUS_DOWNLOADED',
          registeredAt: new Date().toISOString(),
        },
        { subject: recordingId, tenant: alice.id },
      ),
    );
    await eventually(async () => expect((await call('GET', `/api/v1/recordings/${recordingId}`, { token: alice.token })).status).toBe(200), { timeoutMs: 20_000 });

    const local = await call('POST', `/api/v1/presets`, { token: alice.token, json: { name: 'Export', platform: 'local', metadata: { titleTemplate: 'Export of {{ display_name }}' } } });
    const first = await call('POST', `/api/v1/recordings/${recordingId}/upload/local`, { token: alice.token, json: { presetId: local.body.id } });
    expect(first.status).toBe(202);
    expect(first.body).toMatchObject({ recordingId, platform: 'local', presetId: local.body.id, status: 'QUEUED', attempts: 0, resultUrl: null, error: null });
    const second = await call('POST', `/api/v1/recordings/${recordingId}/upload/local`, { token: alice.token, json: {} });
    expect(second.status).toBe(202);
    const youtube = (await call('GET', '/api/v1/presets?platform=youtube', { token: alice.token })).body.items.find((p: { credentialId: string | null }) => p.credentialId === null);
    expectProblem(await call('POST', `/api/v1/recordings/${recordingId}/upload/youtube`, { token: alice.token, json: { presetId: youtube.id } }), 422, 'CREDENTIAL.MISSING');
    expectProblem(await call('POST', `/api/v1/recordings/${recordingId}/upload/youtube`, { token: alice.token, json: { presetId: local.body.id } }), 422, 'PRESET.INVALID');
    expectProblem(await call('POST', `/api/v1/recordings/${recordingId}/upload/tiktok`, { token: alice.token, json: {} }), 400, 'VALIDATION.FAILED');
    expectProblem(await call('POST', `/api/v1/recordings/${recordingId}/upload/local`, { token: bob.token, json: {} }), 404, 'RECORDING.NOT_FOUND');

    const targets = await eventually(async () => {
      const reply = await call('GET', `/api/v1/recordings/${recordingId}/targets`, { token: alice.token });
      expect(reply.body.items.map((t: { status: string }) => t.status)).toEqual(['PUBLISHED', 'PUBLISHED']);
      return reply.body.items;
    }, { timeoutMs: 30_000 });
    expect(targets.map((t: { id: string }) => t.id)).toEqual([first.body.id, second.body.id]);
    expect(targets[0]).toMatchObject({ attempts: 1, error: null, publishedAt: expect.any(String) });
    expectProblem(await call('GET', `/api/v1/recordings/${recordingId}/targets`, { token: bob.token }), 404, 'RECORDING.NOT_FOUND');
  });
});
