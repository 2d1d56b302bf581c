import type { DataSource } from 'typeorm';
import type { MessagingLogger } from '@leap/messaging';
import { BackendCheck } from './backend-check';

function check(recorded: string | undefined, configured: 'local' | 's3') {
  const warnings: string[] = [];
  const dataSource = {
    query: async (sql: string) => {
      if (!sql.includes('FROM object_store_backends')) throw new Error(`unexpected query ${sql}`);
      return recorded ? [{ scope: '*', backend: recorded, previousBackend: null, migrationId: null }] : [];
    },
  } as unknown as DataSource;
  const logger: MessagingLogger = {
    info: () => undefined,
    warn: (message: string) => void warnings.push(message),
    error: () => undefined,
  };
  return { run: () => new BackendCheck(dataSource, { STORAGE_BACKEND: configured }, logger).onApplicationBootstrap(), warnings };
}

describe('BackendCheck', () => {
  it('warns at start while STORAGE_BACKEND differs from the backend a migration switched the whole store to', async () => {
    const differs = check('s3', 'local');
    await differs.run();
    expect(differs.warnings).toEqual([expect.stringContaining('set STORAGE_BACKEND=s3 for every service')]);
  });

  it('says nothing when they agree or when no migration ever switched the store', async () => {
    for (const [recorded, configured] of [['s3', 's3'], [undefined, 'local']] as const) {
      const quiet = check(recorded, configured);
      await quiet.run();
      expect(quiet.warnings).toEqual([]);
    }
  });
});
