import { buildCatalog, DEFAULT_PROTO_DIR } from '../catalog';
import type { ContractCatalog } from '../contract-types';
import { parseProtoSources, type ProtoSet, type ProtoSource } from '../proto/loader';

/** Parses inline proto sources the way the tooling does; `leap/options.proto` comes from proto/. */
export function protoSet(sources: Record<string, string>, keepCase = true): ProtoSet {
  const list: ProtoSource[] = Object.entries(sources).map(([path, text]) => ({ path, text }));
  return parseProtoSources(list, { keepCase, importPaths: [DEFAULT_PROTO_DIR] });
}

/** A catalogue of inline contracts, parsed as the runtime descriptor is (JSON names). */
export function inlineCatalog(sources: Record<string, string>): ContractCatalog {
  return buildCatalog(protoSet(sources, false).root);
}

/** A proto file header for package `leap.<service>.v<version>`. */
export function header(pkg: string, ...imports: string[]): string {
  return `syntax = "proto3";\npackage ${pkg};\n${imports.map((i) => `import "${i}";\n`).join('')}`;
}
