import { randomBytes } from 'node:crypto';
import { cleanupTestResources } from './cleanup';
import { createTestDatabase, createTestVhost, dropDatabase, deleteVhost, rabbitmqctl, withAdminClient } from './infra';
import { platformTemplate } from './platform-template';
import { dropTemplateDatabase, ensureTemplateDatabase, templateExists } from './templates';

/** A name as `uniqueName` would have made it `ageMs` ago. */
function nameFrom(ageMs: number): string {
  return `leap_test_cleanupspec_${(Date.now() - ageMs).toString(36)}_${randomBytes(4).toString('hex')}`;
}

async function databaseExists(name: string): Promise<boolean> {
  return withAdminClient(async (c) => (await c.query('SELECT 1 FROM pg_database WHERE datname = $1', [name])).rowCount === 1);
}

async function vhostExists(name: string): Promise<boolean> {
  return (await rabbitmqctl('list_vhosts', 'name')).split('\n').some((l) => l.trim() === name);
}

describe('cleanup of leftovers from crashed runs', () => {
  const TWO_HOURS = 2 * 3_600_000;

  it('drops test databases and vhosts older than an hour and keeps younger ones', async () => {
    const oldDb = nameFrom(TWO_HOURS);
    const oldVhost = nameFrom(TWO_HOURS);
    await withAdminClient((c) => c.query(`CREATE DATABASE "${oldDb}"`));
    await rabbitmqctl('add_vhost', oldVhost);
    const young = await createTestDatabase({ prefix: 'leap_test_cleanupspec' });
    const youngVhost = await createTestVhost('leap_test_cleanupspec');
    try {
      const report = await cleanupTestResources();

      expect(report.databases).toContain(oldDb);
      expect(report.vhosts).toContain(oldVhost);
      expect(report.errors).toEqual([]);
      expect(await databaseExists(oldDb)).toBe(false);
      expect(await vhostExists(oldVhost)).toBe(false);
      expect(await databaseExists(young.name)).toBe(true);
      expect(await vhostExists(youngVhost.name)).toBe(true);
    } finally {
      await young.drop();
      await youngVhost.drop();
      await dropDatabase(oldDb);
      await deleteVhost(oldVhost);
    }
  });

  it('drops templates unused for a day and keeps the ones in use', async () => {
    const unused = await ensureTemplateDatabase(`cleanupspec${randomBytes(3).toString('hex')}:v1`, async () => undefined);
    try {
      const twoDaysAgo = new Date(Date.now() - 2 * 86_400_000).toISOString();
      await withAdminClient((c) => c.query(`COMMENT ON DATABASE "${unused}" IS 'leap test template, last used ${twoDaysAgo}'`));

      const report = await cleanupTestResources({ vhosts: false });

      expect(report.templates).toContain(unused);
      expect(await databaseExists(unused)).toBe(false);
      expect(await templateExists(platformTemplate())).toBe(true);
    } finally {
      await dropTemplateDatabase(unused);
    }
  });
});
