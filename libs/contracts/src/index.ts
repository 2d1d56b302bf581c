// Contracts of the LEAP bus, generated from proto/: payload types, message type constants,
// the runtime catalogue with validators and JSON Schemas, and the proto tooling (lint,
// breaking-change check, generators) that keeps them honest.

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
export { buildCatalog, DEFAULT_PROTO_DIR, loadCatalogFromProtoDirectory, loadCatalogFromProtoFiles, type LoadCatalogOptions } from './catalog';
export { compileValidator, createValidatorFactory, type Validator } from './validation/validator';
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
export { loadProtoDirectory, parseProtoSources, readProtoSources, type ParseOptions, type ProtoFile, type ProtoSet, type ProtoSource } from './proto/loader';
export { toJsonName } from './proto/reflect';
export { formatLintProblem, LINT_RULES, lintProtos, PAST_TENSE_ALLOWLIST, type LintOptions, type LintProblem, type LintRule } from './checks/lint';
export {
  BREAKING_RULES,
  checkBreakingChanges,
  emptyLock,
  formatBreakingChange,
  mergeLock,
  parseLock,
  serializeLock,
  snapshotOf,
  type BreakingChange,
  type BreakingRule,
  type FieldLabel,
  type LockedEnum,
  type LockedField,
  type LockedMessage,
  type ProtoLock,
} from './checks/breaking';
export { ARTIFACT_PATHS, generateArtifacts, staleArtifacts, writeArtifacts, type GenerateOptions } from './codegen/artifacts';
export type { PayloadOf, ReplyOf, TypedMessage } from './typed';
export * from './generated/messages';
export * from './generated/types';
