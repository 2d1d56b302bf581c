/**
 * The catalogue shapes the messaging library consumes. They are declared here with the same
 * names and shapes as in `@leap/messaging` (which must not be a dependency of this library), so
 * a contracts catalogue is assignable to the messaging one.
 */
export type MessageKind = 'event' | 'command' | 'query';

export interface MessageDefinition {
  /** `media.recording.trimmed.v1` */
  type: string;
  kind: MessageKind;
  /** Owning service prefix: events go to `<service>.events`, commands and queries to `<service>.commands`. */
  service: string;
  /** Fully qualified proto message name, used as the CloudEvents dataschema. */
  schema: string;
  /** For queries: the type of the reply. */
  replyType?: string;
  /** Problems found in a proto3-JSON payload; empty when it is valid. */
  validate(data: unknown): string[];
}

export interface MessageCatalog {
  get(type: string): MessageDefinition | undefined;
  all(): MessageDefinition[];
}

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
