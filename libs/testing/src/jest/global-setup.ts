import { cleanupTestResources } from '../cleanup';
import { ensurePlatformTemplate, PLATFORM_TEMPLATE_ENV, PLATFORM_TEMPLATE_ERROR_ENV, type ServiceMigrations } from '../platform-template';

/**
 * Runs once before the whole Jest run, in the parent process: drops what crashed runs left behind
 * (test databases and vhosts older than an hour, templates unused for a day) and builds or reuses
 * the platform template, whose name reaches every worker through LEAP_TEST_TEMPLATE
 * (`platformTemplate()` reads it). If the template cannot be built, unit tests still run and
 * every `platformTemplate()` call fails with the reason.
 */
export async function runTestGlobalSetup(registry: ServiceMigrations[]): Promise<void> {
  const [cleanup, template] = await Promise.allSettled([cleanupTestResources(), ensurePlatformTemplate(registry)]);
  if (cleanup.status === 'fulfilled') for (const error of cleanup.value.errors) console.warn(`[leap test cleanup] ${error}`);
  else console.warn(`[leap test cleanup] ${String(cleanup.reason)}`);
  if (template.status === 'fulfilled') {
    process.env[PLATFORM_TEMPLATE_ENV] = template.value;
    delete process.env[PLATFORM_TEMPLATE_ERROR_ENV];
  } else {
    const reason = template.reason instanceof Error ? template.reason.message : String(template.reason);
    process.env[PLATFORM_TEMPLATE_ERROR_ENV] = reason;
    console.warn(`[leap test setup] the platform template could not be built: ${reason}`);
  }
}
