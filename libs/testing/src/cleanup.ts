import { createdAtOfUniqueName, deleteVhost, rabbitmqctl, TEST_RESOURCE_PREFIX, withAdminClient } from './infra';
import { dropUnusedTemplates } from './templates';

export interface CleanupOptions {
  /** Test databases and vhosts older than this are dropped (default one hour). */
  olderThanMs?: number;
  /** Template databases not used for this long are dropped (default one day). */
  templatesUnusedForMs?: number;
  /** Also delete leftover RabbitMQ vhosts (default true). */
  vhosts?: boolean;
}

export interface CleanupReport {
  databases: string[];
  vhosts: string[];
  templates: string[];
  /** What could not be cleaned, and why. */
  errors: string[];
}

/**
 * Drops what crashed or interrupted runs left behind: databases and vhosts named `leap_test_*`
 * older than an hour (their age is in their name), and templates unused for a day. Resources of
 * runs in progress are younger and left alone. The Jest global setup calls it before every run.
 */
export async function cleanupTestResources(options: CleanupOptions = {}): Promise<CleanupReport> {
  const olderThanMs = options.olderThanMs ?? 3_600_000;
  const isOld = (name: string) => {
    const createdAt = createdAtOfUniqueName(name);
    return createdAt !== undefined && Date.now() - createdAt.getTime() > olderThanMs;
  };
  const report: CleanupReport = { databases: [], vhosts: [], templates: [], errors: [] };

  const databases = async () => {
    await withAdminClient(async (c) => {
      const { rows } = await c.query<{ datname: string }>('SELECT datname FROM pg_database WHERE datname LIKE $1', [`${TEST_RESOURCE_PREFIX}%`]);
      for (const { datname } of rows.filter((r) => isOld(r.datname))) {
        try {
          await c.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`);
          report.databases.push(datname);
        } catch (error) {
          report.errors.push(`database ${datname}: ${(error as Error).message}`);
        }
      }
    });
  };
  const vhosts = async () => {
    if (options.vhosts === false) return;
    const names = (await rabbitmqctl('list_vhosts', 'name')).split('\n').map((l) => l.trim());
    for (const name of names.filter((n) => n.startsWith(TEST_RESOURCE_PREFIX) && isOld(n))) {
      try {
        await deleteVhost(name);
        report.vhosts.push(name);
      } catch (error) {
        report.errors.push(`vhost ${name}: ${(error as Error).message}`);
      }
    }
  };
  const templates = async () => {
    report.templates.push(...(await dropUnusedTemplates(options.templatesUnusedForMs ?? 86_400_000)));
  };

  const results = await Promise.allSettled([databases(), vhosts(), templates()]);
  for (const result of results) if (result.status === 'rejected') report.errors.push(String(result.reason?.message ?? result.reason));
  return report;
}
