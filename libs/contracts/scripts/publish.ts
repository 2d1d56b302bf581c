/**
 * Records the published shape of proto/ in proto/published.binpb, the buf image that
 * `buf breaking` compares proto/ with. Refuses while proto/ breaks what the image holds (a
 * breaking change belongs in a new v<N+1> package), so the image only ever grows.
 *
 *   npm run contracts:publish
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { publishedImagePath, writePublishedImage } from '../src/checks/buf';
import { breakingChanges } from '../src/checks/published';
import { REPO_ROOT } from '../src/codegen/artifacts';

function main(): number {
  const protoDir = path.join(REPO_ROOT, 'proto');
  const image = publishedImagePath(protoDir);
  const before = fs.existsSync(image) ? fs.readFileSync(image) : undefined;
  if (before) {
    const changes = breakingChanges(protoDir);
    if (changes.length > 0) {
      console.error(`proto/ breaks the published contracts; ${path.relative(REPO_ROOT, image)} is unchanged:\n  ${changes.join('\n  ')}`);
      return 1;
    }
  }
  writePublishedImage(protoDir);
  const after = fs.readFileSync(image);
  console.log(before && before.equals(after) ? 'proto/published.binpb already holds every message.' : 'Updated proto/published.binpb.');
  return 0;
}

process.exitCode = main();
