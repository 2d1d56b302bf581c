import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { baseConfigSchema } from '@leap/config';
import { MESSAGE_TYPES, type SourceSync } from '@leap/contracts';
import { MessageBus, newMessageId } from '@leap/messaging';
import type { RunningService, ServiceDefinition } from '@leap/platform';
import { createServiceWorld, type ServiceWorld } from '@leap/service-testing';
import { eventually, startFakeYandexDisk, type FakeYandexDisk } from '@leap/testing';
import { DataSource } from 'typeorm';
import type { SourceCredentialVault } from '../../credentials/source-credential-vault';
import { SourceCredentialsRepository } from '../../credentials/source-credentials.repository';
import { SOURCE_CREDENTIAL_VAULT } from '../../credentials/source-credentials.service';
import { ingestService } from '../../service';

const USER = newMessageId();
const DAY = 86_400_000;

/** Asks ingest what the gateway would (request/reply), and nothing else. */
const asker: ServiceDefinition = { name: 'gateway', configSchema: baseConfigSchema.extend({ PORT: z.coerce.number().default(0) }), consumers: [], imports: [] };

/**
 * The sources sync of ingest with its Yandex Disk adapter, against the fake Yandex Disk: sources
 * and syncs asked for over the bus as the gateway asks, the credential stored sealed in ingest's
 * own table, the sync's result and the recordings it made read from ingest's schema.
 */
describe('YANDEX_DISK sources synced by ingest (fake Yandex Disk)', () => {
  let fake: FakeYandexDisk;
  let world: ServiceWorld;
  let ingest: RunningService;
  let bus: MessageBus;
  let db: DataSource;

  const media = (size: number) => Buffer.concat([Buffer.from('\x00\x00\x00\x20ftypisom'), randomBytes(size)]);
  const fromDate = new Date(Date.now() - 30 * DAY).toISOString().slice(0, 10);
  const toDate = new Date().toISOString().slice(0, 10);
  const ask = <T>(type: string, data: Record<string, unknown>) => bus.request(type as never, data as never, { tenant: USER, timeoutMs: 15_000 }) as Promise<T>;

  beforeAll(async () => {
    fake = await startFakeYandexDisk();
    world = await createServiceWorld('ingest_yandex_adapter', { JOBS_LEASE: '1s', SHUTDOWN_TIMEOUT_MS: '200' });
    Object.assign(world.env, {
      INGEST_DOWNLOAD_DIR: await world.tempDir('downloads'),
      OUTBOUND_ALLOWED_HOSTS: '127.0.0.1',
      CREDENTIALS_KEYRING: `k1:${'2'.repeat(64)}`,
      YANDEX_DISK_API_BASE_URL: fake.apiBaseUrl,
      YANDEX_OAUTH_BASE_URL: fake.oauthBaseUrl,
      YANDEX_CLIENT_ID: fake.clientId,
      YANDEX_CLIENT_SECRET: fake.clientSecret,
    });
    ingest = await world.start(ingestService);
    bus = (await world.start(asker)).app.get(MessageBus);
    db = ingest.app.get(DataSource);
  }, 300_000);

  afterAll(async () => {
    await world?.close();
    await fake?.close();
  });

  /** A `yandex_disk` credential stored as ingest stores one: sealed with its keyring. */
  const storeCredential = async (tokens: { accessToken: string; refreshToken: string }, accountName: string) => {
    const credentials = ingest.app.get(SourceCredentialsRepository);
    const vault = ingest.app.get<SourceCredentialVault>(SOURCE_CREDENTIAL_VAULT);
    const id = credentials.newId();
    await credentials.insert(db.manager, { id, userId: USER, platform: 'yandex_disk', accountName, kind: 'oauth', sealedData: vault.seal(id, tokens), hints: {} });
    return id;
  };
  const sync = async (sourceId: string): Promise<SourceSync> => {
    const started = await ask<{ syncs: SourceSync[] }>(MESSAGE_TYPES.ingest.SyncSources, { userId: USER, sourceIds: [sourceId], fromDate, toDate });
    return eventually(
      async () => {
        const { sync: found } = await ask<{ sync: SourceSync }>(MESSAGE_TYPES.ingest.GetSourceSync, { userId: USER, syncId: started.syncs[0]!.id });
        expect(['SUCCEEDED', 'FAILED']).toContain(found.status);
        return found;
      },
      { timeoutMs: 60_000 },
    );
  };
  const recordingsOf = async (sourceId: string) =>
    (await db.query(
      `SELECT r.id, r.title, r.status, s.source_key AS "sourceKey", s.url, s.metadata FROM recordings r JOIN recording_sources s ON s.recording_id = r.id
        WHERE s.metadata->>'inputSourceId' = $1 ORDER BY r.title`,
      [sourceId],
    )) as { id: string; title: string; status: string; sourceKey: string; url: string; metadata: Record<string, unknown> }[];

  it('syncs a folder by its pattern with rename-stable keys, keeps a renamed file one recording, and marks a revoked credential needs_reauth', async () => {
    const granted = fake.grant('integration');
    const a = fake.putFile(granted.account, '/Курс/Лекция A.mp4', media(64), { modified: new Date(Date.now() - 3 * DAY) });
    fake.putFile(granted.account, '/Курс/sub/Лекция B.mp4', media(32), { modified: new Date(Date.now() - 2 * DAY) });
    fake.putFile(granted.account, '/Курс/sub/other.mp4', media(32), { modified: new Date(Date.now() - 2 * DAY) });
    const credentialId = await storeCredential(granted, 'integration');
    const { source } = await ask<{ source: { id: string } }>(MESSAGE_TYPES.ingest.CreateSource, {
      userId: USER,
      name: 'Course',
      platform: 'YANDEX_DISK',
      credentialId,
      config: { folderPath: '/Курс', recursive: true, filePattern: '^Лекция' },
    });

    expect(await sync(source.id)).toMatchObject({ status: 'SUCCEEDED', found: 2, created: 2, updated: 0 });
    const made = await recordingsOf(source.id);
    expect(made.map((r) => [r.title, r.status])).toEqual([
      ['Лекция A', 'INITIALIZED'],
      ['Лекция B', 'INITIALIZED'],
    ]);
    // Keyed by Yandex's resource id, with the file's path kept for the download; no token anywhere.
    expect(made[0]).toMatchObject({ sourceKey: `yadisk:rid:${a.resourceId}`, url: 'disk:/Курс/Лекция A.mp4' });
    expect(made[0]!.metadata).toMatchObject({ credentialId, yandexDisk: { path: 'disk:/Курс/Лекция A.mp4' }, sourceKeys: [`yadisk:rid:${a.resourceId}`, expect.stringMatching(/^yadisk:md5:/), 'yadisk:path:disk:/Курс/Лекция A.mp4'] });
    expect(JSON.stringify(made)).not.toContain(granted.accessToken);

    fake.move(granted.account, '/Курс/Лекция A.mp4', '/Курс/Лекция A (новое имя).mp4');
    expect(await sync(source.id)).toMatchObject({ status: 'SUCCEEDED', found: 2, created: 0, updated: 1 });
    const after = await recordingsOf(source.id);
    expect(after.map((r) => r.id)).toEqual(made.map((r) => r.id));
    expect(after[0]).toMatchObject({ url: 'disk:/Курс/Лекция A (новое имя).mp4' });

    fake.expire(granted.accessToken);
    fake.revoke(granted.refreshToken);
    expect(await sync(source.id)).toMatchObject({ status: 'FAILED', errorCode: 'YANDEX_DISK.NEEDS_REAUTH' });
    const [row] = await db.query(`SELECT needs_reauth AS "needsReauth" FROM source_credentials WHERE id = $1`, [credentialId]);
    expect(row.needsReauth).toBe(true);
  });
});
