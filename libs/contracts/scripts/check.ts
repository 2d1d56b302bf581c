/**
 * The CI check of proto/: `buf lint` and LEAP's rules, `buf breaking` and the LEAP options
 * against proto/published.binpb, and generated files up to date. Exits non-zero listing every
 * problem.
 *
 *   npm run contracts:check
 */
import * as path from 'node:path';
import { lintModule } from '../src/checks/lint';
import { breakingChanges } from '../src/checks/published';
import { generateArtifacts, REPO_ROOT, staleArtifacts } from '../src/codegen/artifacts';

function main(): number {
  const protoDir = path.join(REPO_ROOT, 'proto');
  const problems = lintModule(protoDir);
  problems.push(...breakingChanges(protoDir));
  if (problems.length === 0) {
    problems.push(...staleArtifacts(generateArtifacts({ protoDir })).map((file) => `${file} is out of date (run npm run contracts:generate)`));
  }
  if (problems.length > 0) {
    console.error(`proto/ check failed:\n  ${problems.join('\n  ')}`);
    return 1;
  }
  console.log('proto/ passes lint, has no breaking changes and its generated files are up to date.');
  return 0;
}

process.exitCode = main();
