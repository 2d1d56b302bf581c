import * as fs from 'node:fs';
import * as path from 'node:path';
import * as protobuf from 'protobufjs';

/** A proto file's text and its import path (relative to the proto root): `leap/media/v1/events.proto`. */
export interface ProtoSource {
  path: string;
  text: string;
}

export interface ProtoFile extends ProtoSource {
  package: string;
  /** `proto3`, `proto2`, an edition, or undefined when the file declares none. */
  syntax: string | undefined;
  imports: string[];
}

/** Parsed and resolved proto files sharing one protobufjs root. */
export interface ProtoSet {
  root: protobuf.Root;
  files: ProtoFile[];
}

export interface ParseOptions {
  /**
   * Keep field names as written (`size_bytes`). Lint, the breaking-change lock and the
   * generators read names as written; the runtime descriptor is parsed with `false`, so its
   * field names are the proto3 JSON names (`sizeBytes`).
   */
  keepCase?: boolean;
  /** Folders searched, in order, for imports not among the sources. */
  importPaths?: string[];
}

const DESCRIPTOR_PROTO = 'google/protobuf/descriptor.proto';

/** protobufjs reads the current file name (for error messages and `filename` on reflected objects) from here. */
const parser = protobuf.parse as typeof protobuf.parse & { filename: string | null };

/** Every `.proto` file under `dir`, with paths relative to it, sorted. */
export function readProtoSources(dir: string): ProtoSource[] {
  const out: ProtoSource[] = [];
  const walk = (folder: string): void => {
    for (const entry of fs.readdirSync(folder, { withFileTypes: true })) {
      const full = path.join(folder, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.isFile() && entry.name.endsWith('.proto')) {
        out.push({ path: path.relative(dir, full).split(path.sep).join('/'), text: fs.readFileSync(full, 'utf8') });
      }
    }
  };
  walk(dir);
  return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

function declaredSyntax(text: string): string | undefined {
  const stripped = text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/\/\/[^\n]*/g, '');
  const match = /^\s*(syntax|edition)\s*=\s*["']([^"']+)["']\s*;/.exec(stripped);
  if (!match) return undefined;
  return match[1] === 'edition' ? `edition ${match[2]}` : match[2];
}

/**
 * Parses proto sources into one root and resolves every type. Imports of the well-known types
 * (`google/protobuf/timestamp.proto`, ...) and of `google/protobuf/descriptor.proto` come from
 * protobufjs's bundled definitions; other imports must be among the sources or found on
 * `importPaths`. Comments written with `//` directly above a declaration become its description.
 */
export function parseProtoSources(sources: ProtoSource[], options: ParseOptions = {}): ProtoSet {
  const root = new protobuf.Root();
  const files: ProtoFile[] = [];
  const seen = new Set<string>();
  const bundled = new Set<string>();
  const queue = [...sources];
  const parseOptions = { keepCase: options.keepCase ?? true, alternateCommentMode: true };

  const addFile = (source: ProtoSource): void => {
    seen.add(source.path);
    let parsed: protobuf.IParserResult;
    try {
      parser.filename = source.path;
      parsed = protobuf.parse(source.text, root, parseOptions);
    } catch (error) {
      throw new Error(`${source.path}: ${(error as Error).message}`);
    } finally {
      parser.filename = null;
    }
    const imports = [...(parsed.imports ?? []), ...(parsed.weakImports ?? [])];
    files.push({ ...source, package: parsed.package ?? '', syntax: declaredSyntax(source.text), imports });
    for (const imported of imports) {
      if (seen.has(imported) || bundled.has(imported) || queue.some((s) => s.path === imported)) continue;
      const common = protobuf.common.get(imported);
      if (common) {
        bundled.add(imported);
        root.addJSON(common.nested!);
        continue;
      }
      if (imported === DESCRIPTOR_PROTO) {
        bundled.add(imported);
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        root.addJSON((require('protobufjs/google/protobuf/descriptor.json') as protobuf.INamespace).nested!);
        continue;
      }
      const found = (options.importPaths ?? []).map((dir) => path.join(dir, imported)).find((file) => fs.existsSync(file));
      if (!found) throw new Error(`${source.path}: import "${imported}" was not found`);
      queue.push({ path: imported, text: fs.readFileSync(found, 'utf8') });
    }
  };

  while (queue.length > 0) {
    const next = queue.shift()!;
    if (!seen.has(next.path)) addFile(next);
  }
  try {
    root.resolveAll();
  } catch (error) {
    throw new Error(`proto files do not resolve: ${(error as Error).message}`);
  }
  files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return { root, files };
}

/** Reads and parses every `.proto` file under `dir`. */
export function loadProtoDirectory(dir: string, options: Omit<ParseOptions, 'importPaths'> = {}): ProtoSet {
  return parseProtoSources(readProtoSources(dir), { ...options, importPaths: [dir] });
}
