import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { DataSource } from 'typeorm';
import { createServiceWorld, type ServiceWorld } from '@leap/service-testing';
import { Keyring, parseKeyring } from '@leap/secrets';
import { ingestService } from '../service';
import { SourceCredentialsRepository } from './source-credentials.repository';

const run = promisify(execFile);
const ROOT = join(__dirname, '../../../..');
const K1 = `k1:${'a'.repeat(64)}`;
const K2 = `k2:${'b'.repeat(64)}`;
const LOST = `lost:${'c'.repeat(64)}`;

/** `npm run credentials:rotate` re-seals ingest's source credentials with the new key, as a separate process. */
describe('credentials:rotate', () => {
  let world: ServiceWorld;
  let db: DataSource;
  let repository: SourceCredentialsRepository;

  beforeAll(async () => {
    world = await createServiceWorld('credentials_rotate');
    const ingest = await world.start(ingestService, { env: { CREDENTIALS_KEYRING: K1, RETENTION_SWEEP_INTERVAL: '0ms', STUCK_SWEEP_INTERVAL: '0ms' } });
    db = ingest.app.get(DataSource);
    repository = new SourceCredentialsRepository(db);
  }, 300_000);

  afterAll(() => world?.close());

  const insert = async (keyring: Keyring, accountName: string, data: Record<string, string>) => {
    const id = repository.newId();
    await repository.insert(db.manager, { id, userId: 'user-1', platform: 'zoom', accountName, kind: 'oauth', sealedData: keyring.encryptJson(data, `credential:${id}`), hints: {} });
    return id;
  };

  const rotate = (keyring: string) =>
    run(process.execPath, ['-r', '@swc-node/register', 'services/ingest/src/credentials/rotate-credentials.cli.ts'], {
      cwd: ROOT,
      env: { ...process.env, DATABASE_URL: world.db.url, CREDENTIALS_KEYRING: keyring, NODE_ENV: 'test' },
    }).then(
      (result) => ({ code: 0, stdout: result.stdout }),
      (error: { code: number; stdout: string }) => ({ code: error.code, stdout: error.stdout }),
    );

  it('re-seals every credential with the first key, keeps them readable, and reports one whose key is gone', async () => {
    const a = await insert(parseKeyring(K1), 'a', { accessToken: 'token-a' });
    const b = await insert(parseKeyring(K1), 'b', { accessToken: 'token-b' });
    const lost = await insert(parseKeyring(LOST), 'lost', { accessToken: 'token-lost' });

    const first = await rotate(`${K2},${K1}`);
    expect(first.stdout).toContain('examined 3 source credentials, re-sealed 2 with key k2, 1 did not open');
    expect(first.stdout).toContain(`credential:${lost}: SECRETS.UNKNOWN_KEY`);
    expect(first.code).toBe(1);

    // Once rotated, the new key alone opens them.
    const only = parseKeyring(K2);
    const rows: { id: string; sealed_data: string }[] = await db.query(`SELECT id, sealed_data FROM source_credentials WHERE id = ANY($1)`, [[a, b]]);
    expect(rows.map((r) => only.decryptJson(r.sealed_data, `credential:${r.id}`))).toEqual(
      expect.arrayContaining([{ accessToken: 'token-a' }, { accessToken: 'token-b' }]),
    );

    // Running again changes nothing more.
    await db.query(`DELETE FROM source_credentials WHERE id = $1`, [lost]);
    const again = await rotate(`${K2},${K1}`);
    expect(again.stdout).toContain('examined 2 source credentials, re-sealed 0 with key k2, 0 did not open');
    expect(again.code).toBe(0);
  });
});
