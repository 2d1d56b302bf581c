import { execFileSync, spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { createFileRegistry, fromBinary, type FileRegistry } from '@bufbuild/protobuf';
import { FileDescriptorSetSchema } from '@bufbuild/protobuf/wkt';

/**
 * The buf CLI from the `@bufbuild/buf` npm package (its binary comes in the platform package,
 * `@bufbuild/buf-linux-x64` and so on; nothing is downloaded). Run through node, so the
 * package's launcher finds the binary whether or not its install script ran.
 */
function bufLauncher(): string {
  return require.resolve('@bufbuild/buf/bin/buf');
}

/** The published shape of every contract: the buf image `buf breaking` compares proto/ with. */
export const PUBLISHED_IMAGE = 'published.binpb';

/** One finding of `buf lint` or `buf breaking`, as `--error-format json` reports it. */
export interface BufFinding {
  /** Proto file, relative to the module (`leap/media/v1/events.proto`). */
  path: string;
  line: number;
  column: number;
  /** Rule id: `FIELD_LOWER_SNAKE_CASE`, `FIELD_NO_DELETE_UNLESS_NUMBER_RESERVED`, … */
  type: string;
  message: string;
}

interface BufRun {
  status: number;
  stdout: Buffer;
  stderr: string;
}

function runBuf(args: string[], cwd: string): BufRun {
  const result = spawnSync(process.execPath, [bufLauncher(), ...args], { cwd, maxBuffer: 64 * 1024 * 1024 });
  if (result.error) throw result.error;
  return { status: result.status ?? 1, stdout: result.stdout, stderr: result.stderr.toString('utf8') };
}

/** Findings from `--error-format json` (one JSON object a line); a compile error throws. */
function findings(run: BufRun, what: string): BufFinding[] {
  if (run.status === 0) return [];
  const lines = run.stdout.toString('utf8').split('\n').filter((line) => line.trim() !== '');
  if (run.status !== 100 || lines.length === 0) {
    throw new Error(`${what} failed:\n${[run.stderr.trim(), ...lines].filter(Boolean).join('\n')}`);
  }
  return lines.map((line) => {
    const raw = JSON.parse(line) as { path: string; start_line?: number; start_column?: number; type: string; message: string };
    return { path: raw.path, line: raw.start_line ?? 0, column: raw.start_column ?? 0, type: raw.type, message: raw.message };
  });
}

/** `buf lint` of the module at `protoDir` (the folder holding buf.yaml). */
export function bufLint(protoDir: string): BufFinding[] {
  return findings(runBuf(['lint', '--error-format', 'json'], protoDir), 'buf lint');
}

/**
 * `buf breaking` of the module at `protoDir` against an image (`published.binpb` by default,
 * relative to `protoDir`).
 */
export function bufBreaking(protoDir: string, against = PUBLISHED_IMAGE): BufFinding[] {
  return findings(runBuf(['breaking', '--error-format', 'json', '--against', against], protoDir), 'buf breaking');
}

export interface BuildOptions {
  /** Keep comments and locations (for generators); the published image leaves them out. */
  sourceInfo?: boolean;
}

/** `buf build`: the module compiled into a binary image (a FileDescriptorSet with its imports). */
export function bufBuild(protoDir: string, options: BuildOptions = {}): Uint8Array {
  const args = ['build', '-o', '-#format=binpb'];
  if (!options.sourceInfo) args.push('--exclude-source-info');
  const run = runBuf(args, protoDir);
  if (run.status !== 0) throw new Error(`buf build failed:\n${run.stderr.trim()}`);
  return new Uint8Array(run.stdout);
}

/** The files of an image as descriptors (`@bufbuild/protobuf` reflection). */
export function registryOfImage(image: Uint8Array): FileRegistry {
  return createFileRegistry(fromBinary(FileDescriptorSetSchema, image));
}

/** Writes the published image of `protoDir`, replacing the previous one. */
export function writePublishedImage(protoDir: string): void {
  execFileSync(process.execPath, [bufLauncher(), 'build', '--exclude-source-info', '-o', PUBLISHED_IMAGE], { cwd: protoDir, stdio: ['ignore', 'ignore', 'pipe'] });
}

export function formatFinding(finding: BufFinding): string {
  return `${finding.path}:${finding.line}:${finding.column}: ${finding.message} [${finding.type}]`;
}

/** The path of the published image of a module. */
export function publishedImagePath(protoDir: string): string {
  return path.join(protoDir, PUBLISHED_IMAGE);
}
