import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

let cached: string | undefined;

/**
 * The version in the repository's root `package.json` (the one declaring `workspaces`), found by
 * walking up from this file and then from the working directory; `0.0.0` when there is none.
 */
export function rootPackageVersion(): string {
  if (cached === undefined) cached = findVersion([__dirname, process.cwd()]) ?? '0.0.0';
  return cached;
}

function findVersion(starts: readonly string[]): string | undefined {
  for (const start of starts) {
    for (let dir = start; ; dir = dirname(dir)) {
      const file = join(dir, 'package.json');
      if (existsSync(file)) {
        try {
          const pkg = JSON.parse(readFileSync(file, 'utf8')) as { workspaces?: unknown; version?: unknown };
          if (pkg.workspaces !== undefined && typeof pkg.version === 'string') return pkg.version;
        } catch {
          // an unreadable package.json is skipped like a missing one
        }
      }
      if (dirname(dir) === dir) break;
    }
  }
  return undefined;
}
