/**
 * `npm run credentials:rotate`
 *
 * Re-seals every source credential ingest keeps (Zoom, Yandex Disk) with the first key of
 * CREDENTIALS_KEYRING. Rotation: put a new key first in CREDENTIALS_KEYRING (keeping the old
 * ones), restart ingest, run this, then drop the old keys. Settings come from the environment as
 * for the ingest service (DATABASE_URL, DATABASE_SCHEMA, CREDENTIALS_KEYRING). Exit code 0 when
 * every value is sealed with the active key, 1 when some did not open (their key is gone) or on
 * a failure.
 */
import 'reflect-metadata';
import { loadConfigOrExit } from '@leap/config';
import { openServiceDatabase } from '@leap/persistence';
import { parseKeyring } from '@leap/secrets';
import { ingestConfigSchema } from '../config/config.schema';
import { ingestMigrations } from '../migrations';
import { rotateSourceCredentials } from './rotate-credentials';
import { SourceCredentialsRepository } from './source-credentials.repository';

const rotateConfigSchema = ingestConfigSchema.pick({ NODE_ENV: true, DATABASE_URL: true, DATABASE_SCHEMA: true, CREDENTIALS_KEYRING: true });

async function main(): Promise<void> {
  const config = loadConfigOrExit('ingest', rotateConfigSchema);
  if (!config.CREDENTIALS_KEYRING) {
    process.stderr.write('credentials:rotate needs CREDENTIALS_KEYRING (the new key first, the old ones after it)\n');
    process.exit(2);
  }
  const keyring = parseKeyring(config.CREDENTIALS_KEYRING);
  const db = await openServiceDatabase({ url: config.DATABASE_URL, schema: config.DATABASE_SCHEMA, migrations: ingestMigrations, poolSize: 2, applicationName: 'leap-credentials-rotate' });
  try {
    const report = await rotateSourceCredentials(new SourceCredentialsRepository(db), keyring);
    process.stdout.write(`examined ${report.examined} source credentials, re-sealed ${report.rotated} with key ${keyring.activeKeyId}, ${report.failed.length} did not open\n`);
    for (const failed of report.failed) process.stdout.write(`  ${failed.context}: ${failed.code}\n`);
    if (report.failed.length > 0) process.exitCode = 1;
  } finally {
    await db.destroy();
  }
}

main().catch((error: Error & { code?: string }) => {
  process.stderr.write(`credentials:rotate failed${error.code ? ` (${error.code})` : ''}: ${error.message}\n`);
  process.exit(1);
});
