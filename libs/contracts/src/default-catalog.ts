import { createRegistry } from '@bufbuild/protobuf';
import { buildCatalog } from './catalog';
import type { ContractCatalog, JsonSchema } from './contract-types';
import { CONTRACT_FILES } from './generated/files';

/**
 * The platform's catalogue of every contract in `proto/`, built from the descriptors that
 * protoc-gen-es embeds in the generated code (the runtime needs neither buf nor `proto/` on
 * disk). Those descriptors keep the options and leave the comments out, so the runtime
 * catalogue's descriptions are empty; docs/events.md and the generators have them.
 */
export const catalog: ContractCatalog = buildCatalog(createRegistry(...CONTRACT_FILES));

/** JSON Schema (draft-07) of a message type's payload, as webhooks and AsyncAPI publish it. */
export function jsonSchemaFor(type: string): JsonSchema {
  return catalog.jsonSchemaFor(type);
}

/** Problems in a payload of `type`; throws for a type no contract defines. */
export function validatePayload(type: string, data: unknown): string[] {
  return catalog.getOrThrow(type).validate(data);
}
