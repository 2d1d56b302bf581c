import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { DataSource } from 'typeorm';
import winston from 'winston';
import type { Logger } from 'winston';
import { MESSAGE_TYPES, ObjectKind, type ObjectRef } from '@leap/contracts';
import { MessageBus, newMessageId, type UntypedMessages, type WireMessage } from '@leap/messaging';
import { OBJECT_STORE, SERVICE_LOGGER, type RunningService } from '@leap/platform';
import { storageKeys, type ObjectStore } from '@leap/storage-client';
import { createServiceWorld, type ServiceWorld } from '@leap/service-testing';
import { eventually, startFakeAssemblyAi, startFakeOpenAiTranscription, type FakeAssemblyAi, type FakeOpenAiTranscription, type FakeRecogniser } from '@leap/testing';
import { transcriptionService } from '@leap/transcription-service';
import { expectProblem, gatewayTestEnv, httpClient, startGateway, verifiedUser, type Account, type RunningGateway } from '../services/gateway/src/testing';

/** The tenant's own AssemblyAI key, and the server's OpenAI key: each fake takes only its own. */
const TENANT_KEY = 'aai-tenant-0123456789abcdef-KEY';
const SERVER_KEY = 'sk-server-fedcba9876543210-KEY';
const AT_REST = `r1:${'5'.repeat(64)}`;

const recognise: FakeRecogniser = async () => ({
  words: [
    { text: 'Prime', start: 0.2, end: 0.6 },
    { text: 'numbers.', start: 0.7, end: 1.3 },
  ],
  durationSeconds: 3,
  language: 'en',
});

/**
 * Tenants' own speech provider keys, with the real gateway and transcription service in this
 * process: a key set over HTTP is kept sealed by the transcription service and used for that
 * tenant's recordings before the server's providers; other tenants keep the server's; deleting it
 * goes back to the server's. The key is never in an answer, a log line, a bus message or a
 * database row in clear.
 */
describe('tenant speech provider keys', () => {
  let world: ServiceWorld;
  let gateway: RunningGateway;
  let transcription: RunningService;
  let base: string;
  const { call } = httpClient(() => base);
  let alice: Account;
  let bob: Account;
  let openai: FakeOpenAiTranscription;
  let assembly: FakeAssemblyAi;
  let store: ObjectStore;
  let audioFile: string;
  const logs: string[] = [];
  const wire: string[] = [];

  /** Everything the services write to their logs, at every level. */
  const captureLogs = (service: RunningService | RunningGateway['service']) => {
    const logger = service.app.get<Logger>(SERVICE_LOGGER);
    logger.level = 'silly';
    for (const transport of logger.transports) transport.level = 'error';
    logger.add(new winston.transports.Stream({ stream: new Writable({ write: (chunk, _encoding, done) => (logs.push(String(chunk)), done()) }), level: 'silly' }));
  };
  /** Every message the services put on the bus (events, commands, requests and their replies), as sent. */
  const captureWire = (service: RunningService | RunningGateway['service']) => {
    const transport = service.app.get(MessageBus).transport as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>;
    const isWire = (value: unknown): value is WireMessage => typeof value === 'object' && value !== null && Buffer.isBuffer((value as WireMessage).body);
    const keep = (message: WireMessage) => wire.push(`${message.type} ${JSON.stringify(message.headers)} ${message.body.toString('utf8')}`);
    for (const method of ['publish', 'sendToQueue', 'request', 'reply']) {
      if (typeof transport[method] !== 'function') continue;
      const original = transport[method]!.bind(transport);
      transport[method] = async (...args: unknown[]) => {
        args.filter(isWire).forEach(keep);
        const answer = await original(...args);
        if (isWire(answer)) keep(answer);
        return answer;
      };
    }
  };

  /** A recording of `owner` transcribed through the pipeline's command; answers when its job has completed. */
  const transcribe = async (owner: Account) => {
    const recordingId = newMessageId();
    const key = storageKeys.audio(owner.id, recordingId);
    const stored = await store.putFile(key, audioFile, { contentType: 'audio/mpeg' });
    const media: ObjectRef = { key, sizeBytes: String(stored.sizeBytes), checksumSha256: stored.checksumSha256, contentType: 'audio/mpeg', kind: ObjectKind.AUDIO };
    const bus = gateway.app.get(MessageBus) as MessageBus<UntypedMessages>;
    await gateway.db.transaction((m) =>
      bus.send(m, MESSAGE_TYPES.transcription.TranscribeRecording, { recordingId, userId: owner.id, media, language: 'en' }, { subject: recordingId, tenant: owner.id }),
    );
    const db = transcription.app.get(DataSource);
    await eventually(
      async () => expect(await db.query(`SELECT state FROM jobs WHERE subject = $1 AND kind = 'transcription.transcribe'`, [recordingId])).toEqual([{ state: 'completed' }]),
      { timeoutMs: 60_000, intervalMs: 200 },
    );
    return JSON.parse((await store.getBuffer(storageKeys.masterTranscript(owner.id, recordingId))).toString('utf8')) as { provider: string };
  };

  const startTranscription = (keyring: string) =>
    world.start(transcriptionService, {
      env: {
        // No quota service in this world: the monthly transcriptions gate has its own spec.
        TRANSCRIPTION_QUOTA_CHECK: 'false',
        TRANSCRIPTION_PROVIDERS: 'openai',
        OPENAI_TRANSCRIPTION_BASE_URL: openai.url,
        OPENAI_TRANSCRIPTION_API_KEY: SERVER_KEY,
        ASSEMBLYAI_BASE_URL: assembly.url,
        ASSEMBLYAI_POLL_INTERVAL: '20ms',
        TRANSCRIPTION_CREDENTIALS_KEYRING: keyring,
      },
    });

  beforeAll(async () => {
    openai = await startFakeOpenAiTranscription({ recognise, apiKey: SERVER_KEY });
    assembly = await startFakeAssemblyAi({ recognise, apiKey: TENANT_KEY });
    world = await createServiceWorld('transcription_credentials', gatewayTestEnv({ AUTH_REQUIRE_VERIFIED_EMAIL: 'false' }));
    const work = await world.tempDir('tenant-keys');
    audioFile = join(work, 'lecture.mp3');
    execFileSync('ffmpeg', ['-v', 'error', '-y', '-f', 'lavfi', '-i', 'sine=frequency=440:duration=3', '-ac', '1', '-ar', '16000', audioFile]);
    transcription = await startTranscription(AT_REST);
    store = transcription.app.get<ObjectStore>(OBJECT_STORE);
    gateway = await startGateway(world);
    base = gateway.base;
    for (const service of [transcription, gateway.service]) {
      captureLogs(service);
      captureWire(service);
    }
    alice = await verifiedUser(gateway.client, gateway.db, 'alice@example.org');
    bob = await verifiedUser(gateway.client, gateway.db, 'bob@example.org');
  }, 300_000);

  afterAll(async () => {
    await world?.close();
    await openai?.close();
    await assembly?.close();
  });

  it('uses a tenant’s own key before the server’s, for that tenant only, and never shows, logs or sends the key', async () => {
    expect((await call('GET', '/api/v1/transcription/credentials', { token: alice.token })).body).toEqual({ items: [] });
    const set = await call('PUT', '/api/v1/transcription/credentials/assemblyai', { token: alice.token, json: { apiKey: TENANT_KEY } });
    expect(set.status).toBe(201);
    expect(set.body).toEqual({ provider: 'assemblyai', keyHint: 'aai…-KEY', model: null, baseUrl: null, createdAt: expect.any(String), updatedAt: expect.any(String) });
    expect((await call('GET', '/api/v1/transcription/credentials', { token: alice.token })).body.items).toEqual([set.body]);
    expect((await call('GET', '/api/v1/transcription/credentials', { token: bob.token })).body.items).toEqual([]);
    // Another tenant cannot remove it: the same provider names their own key, which they do not have.
    expectProblem(await call('DELETE', '/api/v1/transcription/credentials/assemblyai', { token: bob.token }), 404, 'PROVIDER_KEY.NOT_FOUND');
    expect((await call('GET', '/api/v1/transcription/credentials', { token: alice.token })).body.items).toEqual([set.body]);

    // Alice's recording goes to AssemblyAI with her key; Bob's to the server's OpenAI-compatible provider.
    expect((await transcribe(alice)).provider).toBe('assemblyai');
    expect(assembly.transcribed()).toHaveLength(1);
    expect(openai.transcribed()).toHaveLength(0);
    expect((await transcribe(bob)).provider).toBe('openai');
    expect(openai.transcribed()).toHaveLength(1);
    expect(assembly.transcribed()).toHaveLength(1);

    // Kept sealed, bound to its owner and provider.
    const rows = await transcription.app.get(DataSource).query(`SELECT user_id, provider, sealed_api_key FROM provider_credentials`);
    expect(rows).toEqual([{ user_id: alice.id, provider: 'assemblyai', sealed_api_key: expect.stringMatching(/^v1\.r1\./) }]);

    // A second PUT replaces the key (200); deleting it goes back to the server's providers.
    const again = await call('PUT', '/api/v1/transcription/credentials/assemblyai', { token: alice.token, json: { apiKey: TENANT_KEY } });
    expect(again.status).toBe(200);
    expect((await call('DELETE', '/api/v1/transcription/credentials/assemblyai', { token: alice.token })).status).toBe(204);
    expectProblem(await call('DELETE', '/api/v1/transcription/credentials/assemblyai', { token: alice.token }), 404, 'PROVIDER_KEY.NOT_FOUND');
    expect((await transcribe(alice)).provider).toBe('openai');
    expect(assembly.transcribed()).toHaveLength(1);

    // The key: in no answer but none at all, no log line, no bus message, no row in clear.
    // Both requests and both replies went by (a reply is seen as sent and as received).
    const sent = (type: string) => new Set(wire.filter((m) => m.startsWith(`${type} `))).size;
    expect([sent('transcription.provider-credential.set.v1'), sent('transcription.provider-credential.set-result.v1')]).toEqual([2, 2]);
    expect(logs.some((line) => line.includes('/api/v1/transcription/credentials/assemblyai'))).toBe(true);
    const everything = [JSON.stringify([set.body, again.body, rows]), ...logs, ...wire].join('\n');
    expect(everything).not.toContain(TENANT_KEY);
    expect(everything).not.toContain(TENANT_KEY.slice(4, -4));
    expect(everything).not.toContain(SERVER_KEY);
  }, 300_000);

  it('refuses an unknown provider, an empty key, a model or base URL for a provider that takes none, and an internal chat API address', async () => {
    expectProblem(await call('PUT', '/api/v1/transcription/credentials/deepgram', { token: alice.token, json: { apiKey: 'k-123456789' } }), 400, 'VALIDATION.FAILED');
    expectProblem(await call('PUT', '/api/v1/transcription/credentials/openai', { token: alice.token, json: { apiKey: '  ' } }), 400, 'VALIDATION.FAILED');
    expectProblem(await call('PUT', '/api/v1/transcription/credentials/openai', { token: alice.token, json: { apiKey: 'sk-1', extra: 1 } }), 400, 'VALIDATION.FAILED');
    expectProblem(
      await call('PUT', '/api/v1/transcription/credentials/assemblyai', { token: alice.token, json: { apiKey: 'aai-1', model: 'best' } }),
      422,
      'PROVIDER_KEY.INVALID',
    );
    expectProblem(await call('DELETE', '/api/v1/transcription/credentials/deepgram', { token: alice.token }), 400, 'VALIDATION.FAILED');
    // A chat model key takes a model and a base URL; a speech provider takes no base URL, and an internal one is refused.
    expectProblem(
      await call('PUT', '/api/v1/transcription/credentials/openai', { token: alice.token, json: { apiKey: 'sk-1', baseUrl: 'https://api.example.org/v1' } }),
      422,
      'PROVIDER_KEY.INVALID',
    );
    expectProblem(await call('PUT', '/api/v1/transcription/credentials/llm', { token: alice.token, json: { apiKey: 'sk-1', baseUrl: 'not a url' } }), 400, 'VALIDATION.FAILED');
    expectProblem(await call('PUT', '/api/v1/transcription/credentials/llm', { token: alice.token, json: { apiKey: 'sk-1', baseUrl: 'ftp://chat.example.org' } }), 400, 'VALIDATION.FAILED');
    const internal = await call('PUT', '/api/v1/transcription/credentials/llm', { token: alice.token, json: { apiKey: 'sk-1', baseUrl: 'http://127.0.0.1:9/v1' } });
    expectProblem(internal, 422, 'PROVIDER_KEY.INVALID');
    expect(internal.body.detail).toMatch(/^baseUrl: /);
    const chat = await call('PUT', '/api/v1/transcription/credentials/llm', { token: bob.token, json: { apiKey: 'sk-bob-chat-0123456789', model: 'deepseek-reasoner' } });
    expect(chat.status).toBe(201);
    expect(chat.body).toMatchObject({ provider: 'llm', model: 'deepseek-reasoner', baseUrl: null, keyHint: 'sk-…6789' });
    expect((await call('DELETE', '/api/v1/transcription/credentials/llm', { token: bob.token })).status).toBe(204);
    const openaiKey = await call('PUT', '/api/v1/transcription/credentials/openai', { token: bob.token, json: { apiKey: 'sk-bob-0123456789abcdef', model: 'whisper-large-v3' } });
    expect(openaiKey.status).toBe(201);
    expect(openaiKey.body).toMatchObject({ provider: 'openai', model: 'whisper-large-v3', keyHint: 'sk-…cdef' });
  }, 300_000);

  it('reseals the kept keys with the new key of a rotated keyring at start, and they keep working', async () => {
    expect((await call('PUT', '/api/v1/transcription/credentials/assemblyai', { token: alice.token, json: { apiKey: TENANT_KEY } })).status).toBe(201);
    await transcription.close();
    transcription = await startTranscription(`r2:${'6'.repeat(64)},${AT_REST}`);
    const rows = await transcription.app.get(DataSource).query(`SELECT provider, sealed_api_key FROM provider_credentials WHERE user_id = $1`, [alice.id]);
    expect(rows).toEqual([{ provider: 'assemblyai', sealed_api_key: expect.stringMatching(/^v1\.r2\./) }]);
    const before = assembly.transcribed().length;
    expect((await transcribe(alice)).provider).toBe('assemblyai');
    expect(assembly.transcribed()).toHaveLength(before + 1);
  }, 300_000);
});
