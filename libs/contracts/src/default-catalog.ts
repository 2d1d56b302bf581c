import * as protobuf from 'protobufjs';
import { buildCatalog } from './catalog';
import type { ContractCatalog, JsonSchema } from './contract-types';
import descriptor from './generated/descriptor.json';

/**
 * The platform's catalogue of every contract in `proto/`, loaded from the generated
 * descriptor (the runtime never parses .proto files and does not need `proto/` on disk).
 */
export const catalog: ContractCatalog = buildCatalog(protobuf.Root.fromJSON(descriptor as protobuf.INamespace));

/** JSON Schema (draft-07) of a message type's payload, as webhooks and AsyncAPI publish it. */
export function jsonSchemaFor(type: string): JsonSchema {
  return catalog.jsonSchemaFor(type);
}

/** Problems in a payload of `type`; throws for a type no contract defines. */
export function validatePayload(type: string, data: unknown): string[] {
  return catalog.getOrThrow(type).validate(data);
}
