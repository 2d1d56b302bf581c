/**
 * Regenerates everything derived from proto/: libs/contracts/src/generated/pb/ (protoc-gen-es,
 * through `buf generate` with libs/contracts/buf.gen.yaml), the payload types, file list and
 * message maps on top of it (src/generated/*.ts), docs/asyncapi.yaml and docs/events.md.
 * Refuses while the protos break a lint rule. `--check` writes nothing and fails when a
 * generated file is out of date.
 *
 *   npm run contracts:generate [-- --check]
 */
import * as path from 'node:path';
import { lintModule } from '../src/checks/lint';
import { generateArtifacts, REPO_ROOT, staleArtifacts, writeArtifacts } from '../src/codegen/artifacts';

function main(): number {
  const protoDir = path.join(REPO_ROOT, 'proto');
  const problems = lintModule(protoDir);
  if (problems.length > 0) {
    console.error(`proto/ breaks ${problems.length} lint rule(s):\n  ${problems.join('\n  ')}`);
    return 1;
  }
  const files = generateArtifacts({ protoDir });
  if (process.argv.includes('--check')) {
    const stale = staleArtifacts(files);
    if (stale.length > 0) {
      console.error(`Out of date (run npm run contracts:generate):\n  ${stale.join('\n  ')}`);
      return 1;
    }
    console.log('Generated contract files are up to date.');
    return 0;
  }
  const written = writeArtifacts(files);
  console.log(written.length > 0 ? `Wrote:\n  ${written.join('\n  ')}` : 'Generated contract files were already up to date.');
  return 0;
}

process.exitCode = main();
