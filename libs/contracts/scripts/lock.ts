/**
 * Records the published shape of proto/ in proto/proto.lock.json. Only ever adds: new
 * messages, fields, enum values. Refuses when proto/ breaks what the lock already holds (a
 * breaking change belongs in a new v<N+1> package).
 *
 *   node -r @swc-node/register libs/contracts/scripts/lock.ts
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { checkBreakingChanges, emptyLock, formatBreakingChange, mergeLock, parseLock, serializeLock } from '../src/checks/breaking';
import { REPO_ROOT } from '../src/codegen/artifacts';
import { loadProtoDirectory } from '../src/proto/loader';

function main(): number {
  const protoDir = path.join(REPO_ROOT, 'proto');
  const lockFile = path.join(protoDir, 'proto.lock.json');
  const lock = fs.existsSync(lockFile) ? parseLock(fs.readFileSync(lockFile, 'utf8')) : emptyLock();
  const set = loadProtoDirectory(protoDir, { keepCase: true });
  const changes = checkBreakingChanges(lock, set);
  if (changes.length > 0) {
    console.error(`proto/ breaks the published contracts; the lock is unchanged:\n  ${changes.map(formatBreakingChange).join('\n  ')}`);
    return 1;
  }
  const next = serializeLock(mergeLock(lock, set));
  const before = fs.existsSync(lockFile) ? fs.readFileSync(lockFile, 'utf8') : '';
  if (next === before) {
    console.log('proto/proto.lock.json already holds every message.');
    return 0;
  }
  fs.writeFileSync(lockFile, next);
  const added = Object.keys(parseLock(next).messages).filter((name) => !(name in lock.messages));
  console.log(`Updated proto/proto.lock.json${added.length > 0 ? `; new messages:\n  ${added.join('\n  ')}` : ' (new fields or enum values)'}`);
  return 0;
}

process.exitCode = main();
