import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { FileRegistry } from '@bufbuild/protobuf';
import { buildCatalog, compileProtoDirectory, DEFAULT_PROTO_DIR } from '../catalog';
import type { ContractCatalog } from '../contract-types';

/**
 * Inline proto sources compiled by `buf build` (with comments) in a temporary module beside
 * proto/'s buf.yaml, `leap/options.proto` and `leap/common/v1/common.proto`.
 */
export function compileSources(sources: Record<string, string>): FileRegistry {
  const dir = tempModule(sources);
  try {
    return compileProtoDirectory(dir);
  } finally {
    removeModule(dir);
  }
}

/** A catalogue of inline contracts. */
export function inlineCatalog(sources: Record<string, string>): ContractCatalog {
  return buildCatalog(compileSources(sources));
}

/** A proto file header for package `leap.<service>.v<version>`. */
export function header(pkg: string, ...imports: string[]): string {
  return `syntax = "proto3";\npackage ${pkg};\n${imports.map((i) => `import "${i}";\n`).join('')}`;
}

/**
 * A buf module in a temporary folder: proto/buf.yaml, proto/leap/options.proto and
 * leap/common/v1/common.proto from the repository, then `sources` (path → text) on top.
 * With `wholeTree`, every file of proto/ (the published image included) is copied first.
 */
export function tempModule(sources: Record<string, string>, options: { wholeTree?: boolean } = {}): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'leap-proto-'));
  const copy = (relative: string): void => {
    fs.mkdirSync(path.dirname(path.join(dir, relative)), { recursive: true });
    fs.copyFileSync(path.join(DEFAULT_PROTO_DIR, relative), path.join(dir, relative));
  };
  if (options.wholeTree) fs.cpSync(DEFAULT_PROTO_DIR, dir, { recursive: true });
  else ['buf.yaml', 'leap/options.proto', 'leap/common/v1/common.proto'].forEach(copy);
  for (const [file, text] of Object.entries(sources)) {
    fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    fs.writeFileSync(path.join(dir, file), text);
  }
  return dir;
}

export function removeModule(dir: string): void {
  fs.rmSync(dir, { recursive: true, force: true });
}
