import type { MessageCatalog, MessageDefinition, MessageKind } from '@leap/messaging';

/** The catalogue shapes the messaging library consumes; a contracts catalogue is one of them. */
export type { MessageCatalog, MessageDefinition, MessageKind };

/**
 * What a contract message is. `reply` is the answer to a query: it travels back on the
 * request's reply address, never through an exchange, and its `kind` is `query` because it
 * belongs to the query's request/reply exchange.
 */
export type ContractRole = 'event' | 'command' | 'query' | 'reply';

/** One field of a contract message, as documentation and generators see it. */
export interface ContractField {
  /** Name in the proto3 JSON mapping (lowerCamelCase): `sizeBytes`. */
  jsonName: string;
  /** Field number. */
  number: number;
  /** Type as written in proto: `int64`, `leap.common.v1.ObjectRef`, `map<string, string>`. */
  protoType: string;
  repeated: boolean;
  map: boolean;
  /** Marked `(leap.required)`. */
  required: boolean;
  /** The oneof it belongs to, if any (proto3 `optional` fields are not reported here). */
  oneof?: string;
  description: string;
}

export interface ContractDefinition extends MessageDefinition {
  role: ContractRole;
  /** Message name: `RecordingTrimmed`. */
  name: string;
  /** Proto package: `leap.media.v1`. */
  package: string;
  /** Contract version, from the package: 1 for `v1`. */
  version: number;
  /** The application that owns the contract, as in `services/<app>`: `media-processing`. */
  app: string;
  /** Exchange the message is published to; none for replies. */
  exchange?: string;
  /** Routing key: the message type. */
  routingKey: string;
  /** On a reply: the query it answers. */
  requestType?: string;
  /** The proto comment of the message. */
  description: string;
  fields: ContractField[];
}

export interface ContractCatalog extends MessageCatalog {
  get(type: string): ContractDefinition | undefined;
  all(): ContractDefinition[];
  /** Like `get`, but throws for a type no contract defines. */
  getOrThrow(type: string): ContractDefinition;
  /** JSON Schema (draft-07) of a message type's payload, self-contained. */
  jsonSchemaFor(type: string): JsonSchema;
}

/** A JSON Schema document or sub-schema. */
export type JsonSchema = { [keyword: string]: unknown };
