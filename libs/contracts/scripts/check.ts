/**
 * The CI check of proto/: lint rules, breaking changes against proto/proto.lock.json, and
 * generated files up to date. Exits non-zero listing every problem.
 *
 *   node -r @swc-node/register libs/contracts/scripts/check.ts
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { checkBreakingChanges, formatBreakingChange, parseLock } from '../src/checks/breaking';
import { formatLintProblem, lintProtos } from '../src/checks/lint';
import { generateArtifacts, REPO_ROOT, staleArtifacts } from '../src/codegen/artifacts';
import { loadProtoDirectory } from '../src/proto/loader';

function main(): number {
  const protoDir = path.join(REPO_ROOT, 'proto');
  const set = loadProtoDirectory(protoDir, { keepCase: true });
  const problems: string[] = lintProtos(set).map(formatLintProblem);
  const lockFile = path.join(protoDir, 'proto.lock.json');
  if (!fs.existsSync(lockFile)) problems.push('proto/proto.lock.json is missing (run libs/contracts/scripts/lock.ts)');
  else problems.push(...checkBreakingChanges(parseLock(fs.readFileSync(lockFile, 'utf8')), set).map(formatBreakingChange));
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
