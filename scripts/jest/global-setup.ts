import '../../libs/testing/src/jest/leap-paths';
import { runTestGlobalSetup } from '../../libs/testing/src/jest/global-setup';
import { platformRegistry } from './platform-registry';

/**
 * Runs once before the whole Jest run: cleans what crashed runs left behind and builds (or
 * reuses) the platform template — every service schema migrated — that integration tests clone.
 */
export default async function globalSetup(): Promise<void> {
  await runTestGlobalSetup(platformRegistry());
}
