import { ingestService } from '@leap/ingest-service';
import { createServiceWorld, type ServiceWorld } from '@leap/service-testing';
import { newMessageId } from '@leap/messaging';
import { expectProblem, gatewayTestEnv, httpClient, startGateway, verifiedUser, type Account } from '../services/gateway/src/testing';

/**
 * `/api/v1/templates` and the config routes through the gateway and the real ingest: the shape
 * the API answers, ingest's checks reaching the caller as problem details, and one user never
 * seeing another's templates.
 */
describe('templates over HTTP', () => {
  let world: ServiceWorld;
  let base = '';
  const client = httpClient(() => base);
  const { call } = client;
  let alice: Account;
  let bob: Account;

  beforeAll(async () => {
    world = await createServiceWorld('templates_http', gatewayTestEnv({ AUTH_REQUIRE_VERIFIED_EMAIL: 'false' }));
    await world.start(ingestService, { env: { INGEST_DOWNLOAD_DIR: await world.tempDir('downloads'), RETENTION_SWEEP_INTERVAL: '0ms', STUCK_SWEEP_INTERVAL: '0ms' } });
    const gateway = await startGateway(world);
    base = gateway.base;
    alice = await verifiedUser(client, gateway.db, 'alice@example.org');
    bob = await verifiedUser(client, gateway.db, 'bob@example.org');
  }, 300_000);

  afterAll(() => world?.close());

  it('creates, lists, changes, copies, promotes and deletes templates', async () => {
    const created = await call('POST', '/api/v1/templates', {
      token: alice.token,
      json: {
        name: 'Physics',
        priority: 2,
        matchingRules: { keywords: ['physics'], excludeKeywords: ['draft'], caseSensitive: false },
        processingConfig: { trimming: { enableTrimming: false }, transcription: { language: 'en' } },
        outputConfig: { presetIds: [] },
      },
    });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({
      id: expect.any(String),
      name: 'Physics',
      description: '',
      isDraft: false,
      isActive: true,
      isDefault: false,
      priority: 2,
      matchingRules: { keywords: ['physics'], excludeKeywords: ['draft'], caseSensitive: false },
      processingConfig: { trimming: { enableTrimming: false }, transcription: { language: 'en' } },
      metadataConfig: {},
      outputConfig: { presetIds: [] },
      usedCount: 0,
      lastUsedAt: null,
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
      rematched: 0,
    });
    const id = created.body.id as string;

    const fallback = await call('GET', '/api/v1/templates/default', { token: alice.token });
    expect(fallback.status).toBe(200);
    expect(fallback.body).toMatchObject({ name: 'Default', isDefault: true, processingConfig: { trimming: { enableTrimming: true } } });

    const list = await call('GET', '/api/v1/templates', { token: alice.token });
    expect(list.status).toBe(200);
    expect(list.body.items.map((t: { name: string }) => t.name)).toEqual(['Default', 'Physics']);
    expect(list.body.total).toBe(2);

    const changed = await call('PATCH', `/api/v1/templates/${id}`, { token: alice.token, json: { description: 'Weekly physics' } });
    expect(changed.status).toBe(200);
    expect(changed.body).toMatchObject({ id, description: 'Weekly physics', priority: 2 });

    const copy = await call('POST', `/api/v1/templates/${id}/copy`, { token: alice.token, json: {} });
    expect(copy.status).toBe(201);
    expect(copy.body).toMatchObject({ name: 'Physics (copy)', isDraft: true, usedCount: 0 });
    const withoutDrafts = await call('GET', '/api/v1/templates?includeDrafts=false', { token: alice.token });
    expect(withoutDrafts.body.items.map((t: { name: string }) => t.name)).toEqual(['Default', 'Physics']);

    const stats = await call('GET', `/api/v1/templates/${id}/stats`, { token: alice.token });
    expect(stats.body).toEqual({ templateId: id, totalRecordings: 0, byStatus: {}, usedCount: 0, lastUsedAt: null });
    const preview = await call('POST', `/api/v1/templates/${id}/preview`, { token: alice.token, json: { onlyUnbound: true } });
    expect(preview.body).toEqual({ examined: 0, matches: [] });
    const rematch = await call('POST', `/api/v1/templates/${id}/rematch`, { token: alice.token, json: {} });
    expect(rematch.body).toEqual({ examined: 0, bound: [] });

    expectProblem(await call('DELETE', `/api/v1/templates/${fallback.body.id}`, { token: alice.token }), 409, 'TEMPLATE.IS_DEFAULT');
    const promoted = await call('POST', `/api/v1/templates/${id}/set-as-default`, { token: alice.token });
    expect(promoted.status).toBe(200);
    expect(promoted.body).toMatchObject({ id, isDefault: true });

    const bulk = await call('POST', '/api/v1/templates/bulk/delete', { token: alice.token, json: { ids: [copy.body.id, fallback.body.id] } });
    expect(bulk.status).toBe(200);
    expect(bulk.body).toEqual({ deleted: [copy.body.id, fallback.body.id], notFound: [], unboundRecordings: 0 });
    expect((await call('DELETE', `/api/v1/templates/${copy.body.id}`, { token: alice.token })).status).toBe(404);
  });

  it('answers bad input with a clear problem and stores nothing', async () => {
    const unsafe = await call('POST', '/api/v1/templates', { token: alice.token, json: { name: 'Risky', matchingRules: { patterns: ['(a+)+$'] } } });
    expectProblem(unsafe, 422, 'TEMPLATE.INVALID');
    expect(unsafe.body.detail).toContain('matchingRules.patterns.0: must not repeat a group');
    const unknown = await call('POST', '/api/v1/templates', { token: alice.token, json: { name: 'Odd', processingConfig: { trimming: { enableTriming: true } } } });
    expectProblem(unknown, 422, 'TEMPLATE.INVALID');
    expect(unknown.body.detail).toContain('processingConfig.trimming: unknown field(s): enableTriming');
    expectProblem(await call('POST', '/api/v1/templates', { token: alice.token, json: { priority: 1 } }), 400, 'VALIDATION.FAILED');
    await call('POST', '/api/v1/templates', { token: alice.token, json: { name: 'Twice' } });
    expectProblem(await call('POST', '/api/v1/templates', { token: alice.token, json: { name: 'Twice' } }), 409, 'TEMPLATE.DUPLICATE');
    const names = (await call('GET', '/api/v1/templates?search=risk', { token: alice.token })).body.items;
    expect(names).toEqual([]);
  });

  it('resolves the config and keeps each user to their own templates and recordings', async () => {
    const german = await call('POST', '/api/v1/templates', { token: bob.token, json: { name: 'German', isDraft: true, processingConfig: { transcription: { language: 'de' } } } });
    const resolved = await call('GET', `/api/v1/config/resolve?template_id=${german.body.id}&include_layers=true`, { token: bob.token });
    expect(resolved.status).toBe(200);
    expect(resolved.body.effective.processing).toMatchObject({ transcription: { language: 'de', enableTranscription: true }, trimming: { enableTrimming: true } });
    expect(resolved.body.sources).toMatchObject({ 'processing.transcription.language': 'runtime_template', 'processing.trimming.enableTrimming': 'default_template' });
    expect(resolved.body.layers.map((l: { name: string }) => l.name)).toEqual(['default_template', 'runtime_template']);
    const plain = await call('GET', '/api/v1/config/resolve', { token: bob.token });
    expect(Object.keys(plain.body)).toEqual(['effective']);

    expectProblem(await call('GET', `/api/v1/templates/${german.body.id}`, { token: alice.token }), 404, 'TEMPLATE.NOT_FOUND');
    expectProblem(await call('GET', `/api/v1/config/resolve?template_id=${german.body.id}`, { token: alice.token }), 404, 'TEMPLATE.NOT_FOUND');
    expectProblem(await call('PATCH', `/api/v1/recordings/${newMessageId()}/config`, { token: bob.token, json: { processing: { trimming: { enableTrimming: false } } } }), 404, 'RECORDING.NOT_FOUND');
    expectProblem(await call('POST', `/api/v1/recordings/${newMessageId()}/template`, { token: bob.token, json: { templateId: german.body.id } }), 404, 'RECORDING.NOT_FOUND');
    expectProblem(await call('GET', '/api/v1/templates/not-an-id', { token: bob.token }), 404, 'TEMPLATE.NOT_FOUND');
  });
});
