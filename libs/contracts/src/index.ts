// Contracts of the LEAP bus, generated from proto/: payload types (on the proto3 JSON types of
// protoc-gen-es), message type constants, the runtime catalogue with validators (strict
// `fromJson` of @bufbuild/protobuf plus LEAP's rules) and JSON Schemas. The proto tooling (buf
// lint, breaking and generate, LEAP's rules, generators) lives in src/checks/ and src/codegen/
// and runs from scripts/; the runtime does not need it (buf is a development dependency).

export type {
  ContractCatalog,
  ContractDefinition,
  ContractField,
  ContractRole,
  JsonSchema,
  MessageCatalog,
  MessageDefinition,
  MessageKind,
} from './contract-types';
export { catalog, jsonSchemaFor, validatePayload } from './default-catalog';
export { buildCatalog, compileProtoDirectory, DEFAULT_PROTO_DIR, loadCatalogFromProtoDirectory } from './catalog';
export { createValidatorFactory, type Validator } from './validation/validator';
export { jsonEnum, type JsonEnum } from './json-enum';
export { JSON_SCHEMA_DRAFT, JsonSchemaBuilder, jsonSchemaOfType } from './json-schema';
export {
  appForPrefix,
  commandsExchange,
  COMMON_PACKAGE_SEGMENT,
  CONTRACT_SERVICES,
  eventsExchange,
  packageSegment,
  parseContractPackage,
  prefixForApp,
  type ContractApp,
  type ContractPrefix,
} from './services';
export { ARTIFACT_PATHS, generateArtifacts, staleArtifacts, writeArtifacts, type GenerateOptions } from './codegen/artifacts';
export type { PayloadOf, ReplyOf } from './typed';
export * from './generated/messages';
export * from './generated/payloads';
